/**
 * A q8 encoder graph turned back into fp32 (for the fp32 file of a fine-tuned q8 encoder, ./export.ts):
 * each int8 weight or table becomes its value (q − zero point) · scale as an fp32 initializer of the same
 * name, and the nodes that used it become their fp32 form:
 *
 *   DynamicQuantizeLinear(x) → MatMulInteger(·, Wq) → Cast → Mul(·, x_scale · w_scale) → y
 *                                                   ⇒   MatMul(x, W) → y
 *   DequantizeLinear(Wq, scale, zp) → y             ⇒   Identity(W) → y
 *   Gather(Tq, ids) → DequantizeLinear → y          ⇒   Gather(T, ids) → Identity → y
 *
 * What is left unused (the activations' DynamicQuantizeLinear, scales, zero points) is dropped. The
 * fp32 graph computes what the q8 one does without the activations' int8 rounding.
 */
import { DataType, toRawBytes, type INodeProto, type ITensorProto, type ModelProto } from '../onnx/proto.js';
import { UserError } from '../errors.js';
import { Graph, dequantize } from './graph.js';

/** Dequantizes `model` in place (see the file comment) and returns it. */
export function dequantizeModel(model: ModelProto, file: string): ModelProto {
  const graph = model.graph;
  if (!graph) throw new UserError(`${file}: the model has no graph`);
  const g = new Graph(model, file);
  const fail: (n: INodeProto, reason: string) => never = (n, reason) => {
    throw new UserError(`${file}: cannot write an fp32 copy of this q8 graph: ${n.name || n.opType}: ${reason}`);
  };
  const done = new Set<string>();
  /** Replaces the int8 / uint8 initializer `name` with its fp32 value. */
  const toFloat = (n: INodeProto, name: string, scaleName: string, zpName: string | undefined, axis = 1) => {
    if (done.has(name)) return;
    const t = g.init.get(name) as ITensorProto;
    const scale = g.floats(scaleName) ?? fail(n, `the scale ${scaleName} is not a constant`);
    const zp = zpName ? (g.constant(zpName)?.values ?? fail(n, `the zero point ${zpName} is not a constant`)) : [0];
    const dims = (t.dims ?? []).map(Number);
    const cols = dims.length === 2 ? (dims[1] as number) : 1;
    if (scale.length > 1 && (dims.length !== 2 || axis !== 1 || scale.length !== cols))
      fail(n, `a scale of ${scale.length} values is not one per column of the [${dims.join(', ')}] weight`);
    const q = g.constant(name)?.values as Int8Array | Uint8Array;
    const data = dequantize(q, scale, zp as ArrayLike<number>, q.length / cols, cols);
    Object.assign(t, { dataType: DataType.FLOAT, rawData: toRawBytes(data), int32Data: [] });
    done.add(name);
  };
  const isQuantized = (name: string) => {
    const t = g.init.get(name);
    return !!t && (t.dataType === DataType.INT8 || t.dataType === DataType.UINT8);
  };

  const drop = new Set<INodeProto>();
  const replace = new Map<INodeProto, INodeProto>();
  for (const n of graph.node ?? []) {
    const ins = n.input ?? [];
    if (n.opType === 'MatMulInteger' && isQuantized(ins[1] ?? '')) {
      const dql = g.producer.get(ins[0] ?? '');
      if (dql?.opType !== 'DynamicQuantizeLinear') fail(n, 'its input is not a DynamicQuantizeLinear');
      const only = (t: string) => {
        const c = g.consumers.get(t) ?? [];
        return c.length === 1 ? c[0] : undefined;
      };
      const cast = only(n.output?.[0] ?? '');
      const mul = cast?.opType === 'Cast' ? only(cast.output?.[0] ?? '') : undefined;
      const scales = g.producer.get((mul?.input ?? []).find((i) => i !== cast?.output?.[0]) ?? '');
      const wScale = (scales?.input ?? []).find((i) => g.floats(i) !== undefined);
      if (!cast || mul?.opType !== 'Mul' || scales?.opType !== 'Mul' || !wScale)
        fail(n, 'not the MatMulInteger → Cast → Mul(x_scale · w_scale) form of a dynamically quantized MatMul');
      toFloat(n, ins[1] as string, wScale, ins[3]);
      const name = (n.name ?? '').replace(/_quant$/, '');
      replace.set(n, {
        name,
        opType: 'MatMul',
        input: [dql.input?.[0] ?? '', ins[1] as string],
        output: [mul.output?.[0] ?? ''],
        attribute: [],
      });
      drop.add(cast).add(mul);
      if ((g.consumers.get(scales.output?.[0] ?? '') ?? []).length === 1) drop.add(scales);
    } else if (n.opType === 'DequantizeLinear') {
      const axis = Number(g.attr(n, 'axis')?.i ?? 1);
      const x = ins[0] ?? '';
      const gather = g.producer.get(x);
      if (isQuantized(x)) toFloat(n, x, ins[1] ?? '', ins[2], axis);
      else if (gather?.opType === 'Gather' && isQuantized(gather.input?.[0] ?? ''))
        toFloat(n, gather.input?.[0] ?? '', ins[1] ?? '', ins[2]);
      else continue;
      replace.set(n, { name: n.name ?? '', opType: 'Identity', input: [x], output: [n.output?.[0] ?? ''], attribute: [] });
    }
  }
  if (drop.size === 0 && replace.size === 0) return model; // nothing quantized: the graph as it is
  let nodes = (graph.node ?? []).filter((n) => !drop.has(n)).map((n) => replace.get(n) ?? n);
  // the activations' quantizers nothing reads any more
  const read = new Set(nodes.flatMap((n) => n.input ?? []));
  nodes = nodes.filter((n) => n.opType !== 'DynamicQuantizeLinear' || (n.output ?? []).some((o) => read.has(o)));
  // the scales and zero points the rewritten nodes read, when nothing else reads them (other initializers stay)
  const candidates = new Set([...drop, ...replace.keys()].flatMap((n) => n.input ?? []));
  const used = new Set([
    ...nodes.flatMap((n) => n.input ?? []),
    ...(graph.output ?? []).map((o) => o.name ?? ''),
    ...(graph.input ?? []).map((i) => i.name ?? ''),
  ]);
  graph.node = nodes;
  graph.initializer = (graph.initializer ?? []).filter((t) => !candidates.has(t.name ?? '') || used.has(t.name ?? ''));
  return model;
}
