/**
 * Length buckets of the fine-tuned top's batches (./finetune.ts): a batch's inputs are sorted by
 * length and run through the top in groups that each pad only to their own longest, so a batch of
 * short and long inputs (a document's sentences, pairs) costs about its real tokens. A row's states
 * do not depend on its group (attention is masked per row).
 */
import type { Tape } from '../finetune/index.js';

/**
 * The fixed cost of one ONNX Runtime run of the top (forward and backward), in padded tokens: a run
 * of 1 row of 4 tokens takes ~10 ms on 2 cores, about 85 tokens' time at ~8.5k tokens/s.
 */
export const TOP_RUN_TOKENS = 96;
/** The most rows in one bucket. */
export const TOP_BUCKET_ROWS = 64;

/** One bucket's pass: its rows (indices into the batch), their lengths, the tape and its padded length. */
export interface TopChunk {
  rows: number[];
  lengths: number[];
  tape: Tape;
  T: number;
}

/**
 * Row indices grouped by length, longest first (ties in input order): of the groupings of the sorted
 * rows into runs of at most `maxRows`, the one with the fewest padded tokens plus `runTokens` per
 * run (dynamic programming over the cut points, O(n · maxRows)).
 */
export function lengthBuckets(lengths: readonly number[], runTokens = TOP_RUN_TOKENS, maxRows = TOP_BUCKET_ROWS): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => (lengths[b] as number) - (lengths[a] as number) || a - b);
  const n = order.length;
  // cost[j]: the cheapest grouping of the j longest rows; from[j]: where its last group starts
  const cost = new Float64Array(n + 1).fill(Infinity);
  const from = new Int32Array(n + 1);
  cost[0] = 0;
  for (let j = 1; j <= n; j++) {
    for (let i = Math.max(0, j - maxRows); i < j; i++) {
      // rows i … j−1 padded to the longest of them, row i
      const c = (cost[i] as number) + (j - i) * (lengths[order[i] as number] as number) + runTokens;
      if (c < (cost[j] as number)) {
        cost[j] = c;
        from[j] = i;
      }
    }
  }
  const out: number[][] = [];
  for (let j = n; j > 0; j = from[j] as number) out.unshift(order.slice(from[j], j));
  return out;
}

/** The rows' states ([length, d] each) padded to the longest of them: [rows, T, d] and the 0/1 mask [rows, T]. */
export function padRows(
  per: readonly Float32Array[],
  rows: readonly number[],
  d: number,
): { data: Float32Array; mask: Uint8Array; dims: [number, number, number] } {
  const T = Math.max(1, ...rows.map((r) => (per[r] as Float32Array).length / d));
  const data = new Float32Array(rows.length * T * d);
  const mask = new Uint8Array(rows.length * T);
  rows.forEach((r, j) => {
    const s = per[r] as Float32Array;
    data.set(s, j * T * d);
    mask.fill(1, j * T, j * T + s.length / d);
  });
  return { data, mask, dims: [rows.length, T, d] };
}

/** Writes a bucket's output [rows, t, d] into the batch's states [n, T, d] (real positions only). */
export function scatterRows(
  output: Float32Array,
  t: number,
  rows: readonly number[],
  lengths: readonly number[],
  into: Float32Array,
  T: number,
  d: number,
): void {
  rows.forEach((r, j) => into.set(output.subarray(j * t * d, (j * t + (lengths[r] as number)) * d), r * T * d));
}

/** A bucket's part [rows, chunk.T, d] of the batch's gradient [n, T, d] (real positions; zero at padding). */
export function gatherRows(grad: Float32Array, T: number, chunk: TopChunk, d: number): Float32Array {
  const out = new Float32Array(chunk.rows.length * chunk.T * d);
  chunk.rows.forEach((r, j) => out.set(grad.subarray(r * T * d, (r * T + (chunk.lengths[j] as number)) * d), j * chunk.T * d));
  return out;
}
