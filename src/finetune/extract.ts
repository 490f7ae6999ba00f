/**
 * Reads the trainable layers' weights out of an encoder's ONNX graph, following the nodes rather than
 * the initializer names (exports store MatMul weights as `onnx::MatMul_123`, sometimes transposed):
 *
 * - a layer's nodes are found by scope, as the layer cut finds them (src/encoder/layers.ts):
 *   `/encoder/layer.N/…`, `/transformer/layer.N/…`, `/layers.N/…`;
 * - its six linears are the MatMul / Gemm / MatMulInteger nodes with a constant weight; the three that
 *   read the layer's input are Q, K and V, told apart by where they flow (Q and K into the scores
 *   MatMul before the Softmax, V into the MatMul after it); O, FC1, FC2 follow in graph order;
 * - the two LayerNorms are `LayerNormalization` nodes or the decomposed ReduceMean/Sub/Pow/Sqrt/Div
 *   form (γ, β and ε read from the graph);
 * - int8 weights (MatMulInteger with a weight scale and zero point, or DequantizeLinear) are
 *   dequantized: (w − zero_point) · scale.
 *
 * A layer that does not match a post-LN BERT layer with erf GELU is refused with the reason.
 */
import type { INodeProto, ModelProto } from '../onnx/proto.js';
import { Graph, dequantize, transpose2d } from './graph.js';
import { layerScopes } from '../encoder/layers.js';
import { LINEARS, type LayerShape, type LinearName } from './layer.js';
import { UserError } from '../errors.js';

/** Where a parameter lives in the source graph (for export). */
export interface ParamSource {
  initializer: string;
  /** Stored [out, in] (Gemm transB, or a Transpose before the MatMul). */
  transposed: boolean;
  /** Stored as int8 (export refuses to write it back). */
  quantized: boolean;
}

export interface ExtractedLayer {
  shape: LayerShape;
  /** The tensor the layer reads (the previous layer's output). */
  input: string;
  output: string;
  params: Map<string, { dims: number[]; data: Float32Array; source: ParamSource }>;
}

interface Linear {
  node: INodeProto;
  activation: string;
  /** The output after the bias Add. */
  output: string;
  weight: Float32Array;
  inF: number;
  outF: number;
  bias: Float32Array;
  weightSource: ParamSource;
  biasSource: ParamSource;
}

/** A linear node's weight, activation and (pre-bias) output; undefined when it has no constant weight. */
function readLinear(
  g: Graph,
  n: INodeProto,
  layer: number,
): (Omit<Linear, 'output' | 'bias' | 'biasSource'> & { raw: string }) | undefined {
  const [a = '', b = ''] = n.input ?? [];
  const op = n.opType;
  if (op === 'MatMul' || op === 'Gemm') {
    let name = b;
    let transposed = op === 'Gemm' && Number(g.attr(n, 'transB')?.i ?? 0) === 1;
    const tp = g.producer.get(b);
    if (!g.init.has(b) && tp?.opType === 'Transpose') {
      name = tp.input?.[0] ?? '';
      transposed = !transposed;
    }
    const dq = g.producer.get(name);
    let data: Float32Array | undefined;
    let quantized = false;
    const dims = (g.init.get(name)?.dims ?? []).map(Number);
    if (dq?.opType === 'DequantizeLinear' && g.init.has(dq.input?.[0] ?? '')) {
      const q = g.constant(dq.input?.[0] ?? '')!;
      const sc = g.floats(dq.input?.[1] ?? '') ?? g.fail(layer, `${n.name}: DequantizeLinear without a constant scale`);
      const zp = dq.input?.[2] ? (g.constant(dq.input[2])?.values ?? [0]) : [0];
      const d = (q.t.dims ?? []).map(Number);
      data = dequantize(q.values as Int8Array, sc, zp as ArrayLike<number>, d[0]!, d[1]!);
      dims.push(...d);
      name = dq.input?.[0] ?? '';
      quantized = true;
    } else {
      data = g.init.has(name) ? g.floats(name) : undefined;
    }
    if (!data || dims.length !== 2) return undefined;
    const [r, c] = dims as [number, number];
    const weight = transposed ? transpose2d(data, r, c) : data;
    const [inF, outF] = transposed ? [c, r] : [r, c];
    if (op === 'Gemm' && Number(g.attr(n, 'transA')?.i ?? 0) === 1) g.fail(layer, `${n.name}: Gemm with transA`);
    return {
      node: n,
      activation: a,
      raw: n.output?.[0] ?? '',
      weight,
      inF,
      outF,
      weightSource: { initializer: name, transposed, quantized },
    };
  }
  if (op === 'MatMulInteger') {
    const q = g.constant(b);
    if (!q || !g.init.has(b)) return undefined;
    const dql = g.producer.get(a);
    if (dql?.opType !== 'DynamicQuantizeLinear') g.fail(layer, `${n.name}: MatMulInteger whose input is not a DynamicQuantizeLinear`);
    // MatMulInteger → Cast → Mul(·, Mul(x_scale, w_scale))
    const cast = (g.consumers.get(n.output?.[0] ?? '') ?? [])[0];
    const mul = cast?.opType === 'Cast' ? (g.consumers.get(cast.output?.[0] ?? '') ?? [])[0] : undefined;
    const scales = mul ? g.producer.get((mul.input ?? []).find((i) => i !== cast?.output?.[0]) ?? '') : undefined;
    const wScale = scales?.opType === 'Mul' ? (scales.input ?? []).map((i) => g.floats(i)).find((v) => v !== undefined) : undefined;
    if (!mul || !wScale)
      g.fail(layer, `${n.name}: the weight scale of this MatMulInteger is not found (expected Cast → Mul by x_scale · w_scale)`);
    const zp = n.input?.[3] ? (g.constant(n.input[3])?.values ?? [0]) : [0];
    const [r, c] = (q.t.dims ?? []).map(Number) as [number, number];
    return {
      node: n,
      activation: dql.input?.[0] ?? '',
      raw: mul.output?.[0] ?? '',
      weight: dequantize(q.values as Int8Array, wScale, zp as ArrayLike<number>, r, c),
      inF: r,
      outF: c,
      weightSource: { initializer: b, transposed: false, quantized: true },
    };
  }
  return undefined;
}

function withBias(g: Graph, l: NonNullable<ReturnType<typeof readLinear>>, layer: number): Linear {
  if (l.node.opType === 'Gemm' && l.node.input?.[2]) {
    const bias = g.floats(l.node.input[2]) ?? g.fail(layer, `${l.node.name}: Gemm bias is not a constant`);
    return { ...l, output: l.raw, bias, biasSource: { initializer: l.node.input[2], transposed: false, quantized: false } };
  }
  const add = (g.consumers.get(l.raw) ?? []).find((c) => c.opType === 'Add');
  const other = (add?.input ?? []).find((i) => i !== l.raw) ?? '';
  const bias = add && g.init.has(other) ? g.floats(other) : undefined;
  if (!add || !bias || bias.length !== l.outF) g.fail(layer, `${l.node.name}: no bias Add after this linear`);
  return { ...l, output: add.output?.[0] ?? '', bias, biasSource: { initializer: other, transposed: false, quantized: false } };
}

const PASS_THROUGH = new Set(['Reshape', 'Transpose', 'Identity', 'Cast', 'Squeeze', 'Unsqueeze']);

/** Walks back from `t` through shape ops and constant scalings to a linear output; collects the scale. */
function traceBack(
  g: Graph,
  t: string,
  outputs: Map<string, Linear>,
  scale = { value: 1 },
  reshapes: INodeProto[] = [],
): Linear | INodeProto | undefined {
  for (let guard = 0; guard < 64; guard++) {
    const hit = outputs.get(t);
    if (hit) return hit;
    const p = g.producer.get(t);
    if (!p) return undefined;
    const ins = p.input ?? [];
    if (PASS_THROUGH.has(p.opType ?? '')) {
      if (p.opType === 'Reshape') reshapes.push(p);
      t = ins[0] ?? '';
    } else if (p.opType === 'Mul' || p.opType === 'Div' || p.opType === 'Add') {
      const ci = ins.findIndex((i) => g.isConstant(i));
      const vi = ins.findIndex((i, k) => k !== ci && !g.isConstant(i));
      if (ci >= 0) {
        const c = g.floats(ins[ci] as string)?.[0] ?? 1;
        if (p.opType === 'Mul') scale.value *= c;
        else if (p.opType === 'Div') scale.value /= c;
        // an Add of a constant (a bias outside the linears map) leaves the scale as it is
        t = ins[ci === 0 ? 1 : 0] as string;
      } else if (p.opType === 'Add') {
        // the attention mask: follow the scores side (the one computed in this layer's scope)
        t =
          ins.find((i) => g.producer.get(i)?.opType !== 'Mul' || (g.producer.get(i)?.name ?? '').includes('layer')) ?? (ins[vi] as string);
      } else return p;
    } else return p;
  }
  return undefined;
}

/** A LayerNorm applied to `t`: its γ, β, ε and output. */
function layerNormAt(
  g: Graph,
  t: string,
  layer: number,
): { gamma: Float32Array; beta: Float32Array; eps: number; output: string; sources: [string, string] } {
  const cons = g.consumers.get(t) ?? [];
  const ln = cons.find((c) => c.opType === 'LayerNormalization');
  if (ln) {
    const [, gm = '', bt = ''] = ln.input ?? [];
    const gamma = g.floats(gm);
    const beta = g.floats(bt);
    if (!gamma || !beta) g.fail(layer, `${ln.name}: LayerNorm γ/β are not constants`);
    return { gamma, beta, eps: g.attr(ln, 'epsilon')?.f ?? 1e-5, output: ln.output?.[0] ?? '', sources: [gm, bt] };
  }
  const mean = cons.find((c) => c.opType === 'ReduceMean');
  const sub = cons.find((c) => c.opType === 'Sub' && c.input?.[1] === mean?.output?.[0]);
  const centered = sub?.output?.[0] ?? '';
  const div = (g.consumers.get(centered) ?? []).find((c) => c.opType === 'Div');
  const sqrt = g.producer.get(div?.input?.[1] ?? '');
  const addEps = g.producer.get(sqrt?.input?.[0] ?? '');
  const eps = (addEps?.input ?? []).map((i) => g.floats(i)).find((v) => v !== undefined)?.[0];
  const mul = (g.consumers.get(div?.output?.[0] ?? '') ?? [])[0];
  const add = (g.consumers.get(mul?.output?.[0] ?? '') ?? [])[0];
  const gName = (mul?.input ?? []).find((i) => g.init.has(i)) ?? '';
  const bName = (add?.input ?? []).find((i) => g.init.has(i)) ?? '';
  const gamma = g.floats(gName);
  const beta = g.floats(bName);
  if (
    !mean ||
    !sub ||
    !div ||
    sqrt?.opType !== 'Sqrt' ||
    eps === undefined ||
    mul?.opType !== 'Mul' ||
    add?.opType !== 'Add' ||
    !gamma ||
    !beta
  ) {
    g.fail(layer, `no LayerNorm (LayerNormalization, or ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add) after the residual Add ${t}`);
  }
  return { gamma, beta, eps, output: add.output?.[0] ?? '', sources: [gName, bName] };
}

/** The residual Add that sums `a` (a layer tensor) with `b`; fails when `a` is not added to `b`. */
function residual(g: Graph, a: string, b: string, layer: number, what: string): string {
  const add = (g.consumers.get(a) ?? []).find((c) => c.opType === 'Add' && (c.input ?? []).includes(b));
  if (!add) g.fail(layer, `the ${what} output is not added to ${b} (a post-LN residual); pre-LN layers are not supported`);
  return add.output?.[0] ?? '';
}

function headsFrom(g: Graph, reshapes: INodeProto[], hidden: number): number | undefined {
  for (const r of reshapes) {
    const shape = r.input?.[1] ?? '';
    const c = g.constant(shape);
    if (c && c.values.length === 4) return Number(c.values[2]);
    const cat = g.producer.get(shape);
    if (cat?.opType === 'Concat' && (cat.input ?? []).length === 4) {
      const v = g.constant(cat.input?.[2] ?? '')?.values;
      const d = g.constant(cat.input?.[3] ?? '')?.values;
      if (v && v.length === 1) return Number(v[0]);
      if (d && d.length === 1) return hidden / Number(d[0]);
    }
  }
  return undefined;
}

/** Extracts layers `from` … count−1 (0-based) of the model. */
export function extractLayers(
  model: ModelProto,
  file: string,
  from: number,
  opts: { heads?: number } = {},
): { layers: ExtractedLayer[]; count: number } {
  const g: Graph = new Graph(model, file);
  const scopes = layerScopes(model, file);
  const nodes = model.graph?.node ?? [];
  if (!Number.isInteger(from) || from < 0 || from >= scopes.count) {
    throw new UserError(
      `${file}: fromLayer ${from} is out of range: the model has ${scopes.count} layers, so fromLayer is 0 … ${scopes.count - 1} (layers fromLayer+1 … ${scopes.count} become trainable)`,
    );
  }
  const layers: ExtractedLayer[] = [];
  for (let i = from; i < scopes.count; i++) {
    const scopeNodes = (scopes.nodes.get(i + 1) ?? []).map((k) => nodes[k] as INodeProto);
    const linears = scopeNodes
      .map((n) => readLinear(g, n, i))
      .filter((l) => l !== undefined)
      .map((l) => withBias(g, l, i));
    if (linears.length !== 6) g.fail(i, `expected 6 linear layers (Q, K, V, O, FFN in, FFN out), found ${linears.length}`);
    if (scopeNodes.some((n) => n.opType === 'Tanh')) g.fail(i, 'its GELU is the tanh approximation; only the exact erf GELU is rebuilt');
    if (!scopeNodes.some((n) => n.opType === 'Erf')) g.fail(i, 'no Erf node (the exact GELU) in its scope');
    const softmaxes = scopeNodes.filter((n) => n.opType === 'Softmax');
    if (softmaxes.length !== 1) g.fail(i, `expected one Softmax (self-attention), found ${softmaxes.length}`);
    const byInput = new Map<string, Linear[]>();
    for (const l of linears) byInput.set(l.activation, [...(byInput.get(l.activation) ?? []), l]);
    const qkvEntry = [...byInput.entries()].find(([, ls]) => ls.length === 3);
    if (!qkvEntry) g.fail(i, 'no three linears (Q, K, V) read one input');
    const [input, qkv] = qkvEntry;
    const outputs = new Map(linears.map((l) => [l.output, l]));
    const softmax = softmaxes[0] as INodeProto;
    const ctx = (g.consumers.get(softmax.output?.[0] ?? '') ?? []).find((c) => c.opType === 'MatMul');
    const scale = { value: 1 };
    const scores = traceBack(g, softmax.input?.[0] ?? '', outputs, scale);
    if (!ctx || !scores || !('opType' in scores) || scores.opType !== 'MatMul')
      g.fail(i, 'the attention (scores MatMul → Softmax → context MatMul) is not found');
    const qReshapes: INodeProto[] = [];
    const q = traceBack(g, scores.input?.[0] ?? '', outputs, scale, qReshapes);
    const k = traceBack(g, scores.input?.[1] ?? '', outputs, scale);
    const v = traceBack(g, ctx.input?.[1] ?? '', outputs);
    const found = [q, k, v].map((x) => qkv.find((l) => l === x));
    if (found.some((x) => x === undefined)) g.fail(i, 'Q, K and V cannot be told apart by where they flow');
    const rest = linears.filter((l) => !qkv.includes(l));
    const byName = new Map<LinearName, Linear>([
      ['q', found[0]!],
      ['k', found[1]!],
      ['v', found[2]!],
      ['o', rest[0]!],
      ['fc1', rest[1]!],
      ['fc2', rest[2]!],
    ]);
    const o = byName.get('o')!;
    if (traceBack(g, o.activation, new Map([[ctx.output?.[0] ?? '', o]])) !== o)
      g.fail(i, 'the attention output linear does not read the attention context');
    const hidden = o.outF;
    const heads = opts.heads ?? headsFrom(g, qReshapes, hidden);
    if (!heads || hidden % heads !== 0) g.fail(i, 'the number of attention heads is not readable from the Q reshape; pass { heads }');
    const ln1 = layerNormAt(g, residual(g, o.output, input, i, 'attention'), i);
    const fc1 = byName.get('fc1')!;
    const fc2 = byName.get('fc2')!;
    if (fc1.activation !== ln1.output) g.fail(i, 'the FFN does not read the attention LayerNorm');
    const ln2 = layerNormAt(g, residual(g, fc2.output, ln1.output, i, 'FFN'), i);
    const shape: LayerShape = { index: i, hidden, intermediate: fc1.outF, heads, scale: scale.value, eps1: ln1.eps, eps2: ln2.eps };
    const params: ExtractedLayer['params'] = new Map();
    const plain = (init: string): ParamSource => ({ initializer: init, transposed: false, quantized: false });
    for (const name of LINEARS) {
      const l = byName.get(name)!;
      params.set(`layer.${i}.${name}.weight`, { dims: [l.inF, l.outF], data: l.weight, source: l.weightSource });
      params.set(`layer.${i}.${name}.bias`, { dims: [l.outF], data: l.bias, source: l.biasSource });
    }
    for (const [name, ln] of [
      ['ln1', ln1],
      ['ln2', ln2],
    ] as const) {
      params.set(`layer.${i}.${name}.weight`, { dims: [hidden], data: ln.gamma, source: plain(ln.sources[0]) });
      params.set(`layer.${i}.${name}.bias`, { dims: [hidden], data: ln.beta, source: plain(ln.sources[1]) });
    }
    const prev = layers[layers.length - 1];
    if (prev && prev.output !== input) g.fail(i, `it does not read layer ${i - 1}'s output`);
    layers.push({ shape, input, output: ln2.output, params });
  }
  return { layers, count: scopes.count };
}
