/** Longest common subsequences of token lists, as rouge-score computes and reads them out (ROUGE-L, ROUGE-Lsum). */

/** Full (|ref|+1)×(|can|+1) LCS length table, row-major, as rouge-score's `_lcs_table`. */
export function lcsTable(ref: readonly string[], can: readonly string[]): Int32Array {
  const cols = can.length + 1;
  const t = new Int32Array((ref.length + 1) * cols);
  for (let i = 1; i <= ref.length; i++) {
    const r = ref[i - 1];
    const row = i * cols;
    const prev = row - cols;
    for (let j = 1; j <= can.length; j++) {
      if (r === can[j - 1]) t[row + j] = (t[prev + j - 1] as number) + 1;
      else {
        const up = t[prev + j] as number;
        const left = t[row + j - 1] as number;
        t[row + j] = up > left ? up : left;
      }
    }
  }
  return t;
}

/** LCS length in O(|can|) memory. */
export function lcsLength(ref: readonly string[], can: readonly string[]): number {
  let prev = new Int32Array(can.length + 1);
  let cur = new Int32Array(can.length + 1);
  for (let i = 1; i <= ref.length; i++) {
    const r = ref[i - 1];
    for (let j = 1; j <= can.length; j++) {
      if (r === can[j - 1]) cur[j] = (prev[j - 1] as number) + 1;
      else {
        const up = prev[j] as number;
        const left = cur[j - 1] as number;
        cur[j] = up > left ? up : left;
      }
    }
    [prev, cur] = [cur, prev];
  }
  return prev[can.length] as number;
}

/**
 * Indices into `ref` of one longest common subsequence, read out exactly like rouge-score's
 * `_backtrack_norec` (match → diagonal; else move left only when strictly better than up).
 */
export function lcsIndices(ref: readonly string[], can: readonly string[]): number[] {
  const t = lcsTable(ref, can);
  const cols = can.length + 1;
  const out: number[] = [];
  let i = ref.length;
  let j = can.length;
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      out.push(i - 1);
      i--;
      j--;
    } else if ((t[i * cols + j - 1] as number) > (t[(i - 1) * cols + j] as number)) {
      j--;
    } else {
      i--;
    }
  }
  return out.reverse();
}
