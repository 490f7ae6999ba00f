/** Length-sorted batching under a token budget. */

export interface BatchPlanOptions {
  /** rows × padded length must stay within this (a single over-long row still gets its own batch). */
  batchTokens: number;
  maxBatchSize: number;
}

/**
 * Groups items (by index into `lengths`) into batches: sorted by length (longest first, so a memory
 * problem shows up at once), each batch padded only to its own longest item, rows × longest ≤ batchTokens
 * and rows ≤ maxBatchSize. Returns batches of indices into `lengths`.
 */
export function planBatches(lengths: readonly number[], opts: BatchPlanOptions): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: number[][] = [];
  let cur: number[] = [];
  let curMax = 0;
  for (const i of order) {
    const len = lengths[i]!;
    const newMax = Math.max(curMax, len);
    if (cur.length > 0 && (cur.length + 1 > opts.maxBatchSize || (cur.length + 1) * newMax > opts.batchTokens)) {
      batches.push(cur);
      cur = [];
      curMax = 0;
    }
    cur.push(i);
    curMax = Math.max(curMax, len);
  }
  if (cur.length) batches.push(cur);
  return batches;
}
