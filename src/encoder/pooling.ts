/** Pooling of token states into sentence vectors: tight loops over Float32Array. */

/**
 * Masked mean over the sequence. `hidden` is [rows, seq, d] row-major, `mask` is [rows, seq] (1 = real token).
 * Writes rows into `out` starting at row offset 0 (out must hold rows × d).
 */
export function meanPool(
  hidden: Float32Array,
  mask: BigInt64Array | Uint8Array,
  rows: number,
  seq: number,
  d: number,
  out: Float32Array,
): void {
  const acc = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    acc.fill(0);
    let count = 0;
    const base = r * seq;
    for (let t = 0; t < seq; t++) {
      if (!mask[base + t]) continue;
      count++;
      const off = (base + t) * d;
      for (let k = 0; k < d; k++) acc[k]! += hidden[off + k]!;
    }
    const o = r * d;
    const inv = count > 0 ? 1 / count : 0;
    for (let k = 0; k < d; k++) out[o + k] = acc[k]! * inv;
  }
}

/** First token ([CLS] / <s>) of each row. */
export function clsPool(hidden: Float32Array, rows: number, seq: number, d: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) out.set(hidden.subarray(r * seq * d, r * seq * d + d), r * d);
}

/** Masked max over the sequence. */
export function maxPool(
  hidden: Float32Array,
  mask: BigInt64Array | Uint8Array,
  rows: number,
  seq: number,
  d: number,
  out: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    out.fill(-Infinity, o, o + d);
    let any = false;
    const base = r * seq;
    for (let t = 0; t < seq; t++) {
      if (!mask[base + t]) continue;
      any = true;
      const off = (base + t) * d;
      for (let k = 0; k < d; k++) {
        const v = hidden[off + k]!;
        if (v > out[o + k]!) out[o + k] = v;
      }
    }
    if (!any) out.fill(0, o, o + d);
  }
}

/** In-place L2 normalisation of each row (rows of zeros stay zero). */
export function l2NormalizeRows(data: Float32Array, rows: number, d: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let s = 0;
    for (let k = 0; k < d; k++) s += data[o + k]! * data[o + k]!;
    const n = Math.sqrt(s);
    // Same epsilon as torch.nn.functional.normalize / transformers.js Tensor.normalize.
    const inv = 1 / Math.max(n, 1e-12);
    for (let k = 0; k < d; k++) data[o + k]! *= inv;
  }
}

/**
 * Sentence vectors ([rows, d]) of one batch's output: `sentence_embedding` ([rows, d]) copied as it is,
 * token states ([rows, seq, d]) pooled by `mode`; then L2-normalised when `normalize`. Wrong dims throw,
 * naming the output.
 */
export function poolBatch(
  output: { data: Float32Array; dims: readonly number[] },
  outName: string,
  mode: 'mean' | 'cls' | 'max' | 'sentence_embedding',
  normalize: boolean,
  mask: Uint8Array,
  rows: number,
  seq: number,
  d: number,
): Float32Array {
  const pooled = new Float32Array(rows * d);
  const od = output.dims;
  if (mode === 'sentence_embedding') {
    if (od.length !== 2 || od[1] !== d) throw new Error(`sentence_embedding has dims ${od.join('x')}, expected ${rows}x${d}`);
    pooled.set(output.data.subarray(0, rows * d));
  } else {
    if (od.length !== 3 || od[0] !== rows || od[1] !== seq || od[2] !== d) {
      throw new Error(`'${outName}' has dims ${od.join('x')}, expected ${rows}x${seq}x${d}`);
    }
    if (mode === 'mean') meanPool(output.data, mask, rows, seq, d, pooled);
    else if (mode === 'cls') clsPool(output.data, rows, seq, d, pooled);
    else maxPool(output.data, mask, rows, seq, d, pooled);
  }
  if (normalize) l2NormalizeRows(pooled, rows, d);
  return pooled;
}

/** Per-text token states ([len, d] each) stacked into [n, maxLen, d], zero at padding, with the attention mask. */
export function stackTokenStates(
  per: readonly { states: Float32Array; len: number }[],
  d: number,
): { dims: [number, number, number]; data: Float32Array; attentionMask: Uint8Array; lengths: number[] } {
  const n = per.length;
  const lengths = per.map((p) => p.len);
  const maxLen = Math.max(...lengths);
  const data = new Float32Array(n * maxLen * d);
  const attentionMask = new Uint8Array(n * maxLen);
  for (let i = 0; i < n; i++) {
    data.set(per[i]!.states, i * maxLen * d);
    attentionMask.fill(1, i * maxLen, i * maxLen + lengths[i]!);
  }
  return { dims: [n, maxLen, d], data, attentionMask, lengths };
}
