/**
 * Walking an ONNX graph for the weight extraction (./extract.ts): producers and consumers of each
 * tensor, constant values (initializers and Constant nodes), and the failure that names the file,
 * the layer and the reason.
 */
import { tensorData, type IAttributeProto, type INodeProto, type ITensorProto, type ModelProto } from '../onnx/proto.js';
import { UserError } from '../errors.js';

export class Graph {
  readonly producer = new Map<string, INodeProto>();
  readonly consumers = new Map<string, INodeProto[]>();
  readonly init = new Map<string, ITensorProto>();
  constructor(
    readonly model: ModelProto,
    readonly file: string,
  ) {
    for (const t of model.graph?.initializer ?? []) this.init.set(t.name ?? '', t);
    for (const n of model.graph?.node ?? []) {
      for (const o of n.output ?? []) this.producer.set(o, n);
      for (const i of n.input ?? []) {
        const list = this.consumers.get(i) ?? [];
        list.push(n);
        this.consumers.set(i, list);
      }
    }
  }
  /** The value of a constant tensor (initializer or Constant node), else undefined. */
  constant(name: string): { t: ITensorProto; values: Float32Array | Int8Array | Uint8Array | BigInt64Array } | undefined {
    let t = this.init.get(name) as ITensorProto | undefined;
    if (!t) {
      const p = this.producer.get(name);
      if (p?.opType === 'Constant') t = (p.attribute ?? []).find((a) => a.name === 'value')?.t ?? undefined;
      else if (p?.opType === 'Identity') return this.constant(p.input?.[0] ?? '');
    }
    if (!t) return undefined;
    return { t, values: tensorData(t) };
  }
  isConstant(name: string): boolean {
    return this.constant(name) !== undefined;
  }
  floats(name: string): Float32Array | undefined {
    const c = this.constant(name);
    return c?.values instanceof Float32Array ? c.values : undefined;
  }
  attr(n: INodeProto, name: string): IAttributeProto | undefined {
    return (n.attribute ?? []).find((a) => a.name === name);
  }
  fail(layer: number, reason: string): never {
    throw new UserError(
      `${this.file}: layer ${layer} cannot be made trainable: ${reason}. ` +
        'The trainable top rebuilds post-LN BERT layers (BERT, DistilBERT, XLM-R exports); train this model frozen, or fine-tune fewer layers',
    );
  }
}

/** A row-major [rows, cols] matrix transposed to [cols, rows]. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  return out;
}

export function dequantize(
  q: Int8Array | Uint8Array,
  scale: Float32Array,
  zero: ArrayLike<number>,
  rows: number,
  cols: number,
): Float32Array {
  const out = new Float32Array(q.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const s = (scale.length === 1 ? scale[0] : scale[c]) as number;
      const z = (zero.length === 1 ? zero[0] : zero[c]) as number;
      out[r * cols + c] = ((q[r * cols + c] as number) - z) * s;
    }
  }
  return out;
}
