/**
 * The linear layers of an encoder graph, read from their nodes: a MatMul / Gemm / MatMulInteger with a
 * constant weight (stored [in, out], or [out, in] behind Gemm transB or a Transpose; int8 weights
 * dequantized as (w − zero_point) · scale) and the bias Add after it, with where each parameter lives.
 */
import type { INodeProto } from '../onnx/proto.js';
import { dequantize, transpose2d, type Graph } from './graph.js';

/** Where a parameter lives in the source graph (for export). */
export interface ParamSource {
  initializer: string;
  /** Stored [out, in] (Gemm transB, or a Transpose before the MatMul). */
  transposed: boolean;
  /** Stored as int8: (q − zero point) · scale (export re-quantizes it, ./export.ts). */
  quantized: boolean;
  /** The int8 weight's scale and zero-point initializers (quantized only; no zero point: 0). */
  scale?: string;
  zeroPoint?: string;
}

export interface Linear {
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
export function readLinear(
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
    let scaleName: string | undefined;
    let zpName: string | undefined;
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
      scaleName = dq.input?.[1] ?? '';
      zpName = dq.input?.[2] || undefined;
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
      weightSource: {
        initializer: name,
        transposed,
        quantized,
        ...(scaleName ? { scale: scaleName } : {}),
        ...(zpName ? { zeroPoint: zpName } : {}),
      },
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
    const wScaleName = scales?.opType === 'Mul' ? (scales.input ?? []).find((i) => g.floats(i) !== undefined) : undefined;
    const wScale = wScaleName === undefined ? undefined : g.floats(wScaleName);
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
      weightSource: {
        initializer: b,
        transposed: false,
        quantized: true,
        scale: wScaleName,
        ...(n.input?.[3] ? { zeroPoint: n.input[3] } : {}),
      },
    };
  }
  return undefined;
}

export function withBias(g: Graph, l: NonNullable<ReturnType<typeof readLinear>>, layer: number): Linear {
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
