/**
 * Correlation and regression-error metrics for scored tasks (e.g. MLQE-PE sentence-level quality
 * estimation, STS).
 *
 * Conventions, matching scipy.stats:
 * - inputs of different length, fewer than 2 points (fewer than 1 for `mse`/`mae`), or a
 *   non-finite value throw a `RangeError` with the reason;
 * - a constant input makes a correlation undefined: `pearson`, `spearman` and `kendallTauB`
 *   return `NaN` (scipy returns nan and warns `ConstantInputWarning`).
 *
 * Only the statistics are computed, not p-values.
 */

function check(name: string, x: readonly number[], y: readonly number[], minLength: number): void {
  if (x.length !== y.length) {
    throw new RangeError(`${name}: inputs have different lengths (${x.length} vs ${y.length})`);
  }
  if (x.length < minLength) {
    throw new RangeError(`${name}: needs at least ${minLength} points, got ${x.length}`);
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      throw new RangeError(`${name}: non-finite value at index ${i} (x=${x[i]}, y=${y[i]})`);
    }
  }
}

function clamp1(v: number): number {
  return v > 1 ? 1 : v < -1 ? -1 : v;
}

function pearsonUnchecked(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] as number;
    my += y[i] as number;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] as number) - mx;
    const dy = (y[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return clamp1(sxy / Math.sqrt(sxx * syy));
}

/**
 * Pearson product-moment correlation r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²), clamped to [−1, 1].
 * `NaN` if either input is constant.
 * @example
 * pearson([1, 2, 3, 4], [1, 3, 2, 5]) // 0.8315218406202999 (scipy.stats.pearsonr gives the same)
 */
export function pearson(x: readonly number[], y: readonly number[]): number {
  check('pearson', x, y, 2);
  return pearsonUnchecked(x, y);
}

/**
 * Ranks 1..n with ties given the average of the ranks they span (scipy `rankdata(method='average')`).
 */
export function averageRanks(values: readonly number[]): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1] as number] === values[order[i] as number]) j++;
    // Positions i..j (0-based) hold ranks i+1..j+1; their average is (i + j) / 2 + 1.
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k] as number] = avg;
    i = j + 1;
  }
  return ranks;
}

/**
 * Spearman's ρ: Pearson correlation of the average ranks. `NaN` if either input is constant.
 * @example
 * spearman([1, 2, 3, 4], [1, 3, 2, 5]) // 0.8
 */
export function spearman(x: readonly number[], y: readonly number[]): number {
  check('spearman', x, y, 2);
  return pearsonUnchecked(averageRanks(x), averageRanks(y));
}

/** Number of pairs i < j with a[i] > a[j] (strict inversions), by merge sort; sorts `a` in place. */
function countInversions(a: Int32Array): number {
  const n = a.length;
  let buf: Int32Array = new Int32Array(n);
  let src: Int32Array = a;
  let inversions = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if ((src[j] as number) < (src[i] as number)) {
          // src[j] is smaller than every remaining element of the left run.
          inversions += mid - i;
          buf[k++] = src[j++] as number;
        } else {
          buf[k++] = src[i++] as number;
        }
      }
      while (i < mid) buf[k++] = src[i++] as number;
      while (j < hi) buf[k++] = src[j++] as number;
    }
    [src, buf] = [buf, src];
  }
  if (src !== a) a.set(src);
  return inversions;
}

/** Σ over groups of equal values of t(t−1)/2, for an ascending-sorted sequence. */
function tiedPairs(sorted: ArrayLike<number>): number {
  let total = 0;
  let run = 1;
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && sorted[i] === sorted[i - 1]) run++;
    else {
      total += (run * (run - 1)) / 2;
      run = 1;
    }
  }
  return total;
}

/**
 * Kendall's τ-b with tie correction, in O(n log n) (Knight 1966), the statistic of
 * `scipy.stats.kendalltau(x, y)` (default `variant='b'`):
 *
 *   τ_b = (n_c − n_d) / √((n₀ − n₁)(n₀ − n₂)),
 *
 * n₀ = n(n−1)/2, n₁ = pairs tied in x, n₂ = pairs tied in y. Computed as scipy does:
 * n_c − n_d = n₀ − n₁ − n₂ + n₃ − 2·n_d with n₃ = pairs tied in both, n_d = discordant pairs
 * counted as inversions of y after sorting by (x, y). `NaN` if x or y is constant.
 * @example
 * kendallTauB([1, 2, 3, 4], [1, 3, 2, 5]) // 0.6666666666666669 (5 concordant, 1 discordant pair of 6)
 */
export function kendallTauB(x: readonly number[], y: readonly number[]): number {
  check('kendallTauB', x, y, 2);
  const n = x.length;
  // Dense ranks of y (ties share a rank) so that the merge sort works on small integers.
  const byY = Array.from({ length: n }, (_, i) => i).sort((a, b) => (y[a] as number) - (y[b] as number));
  const yRank = new Int32Array(n);
  for (let k = 0, r = 0; k < n; k++) {
    if (k > 0 && y[byY[k] as number] !== y[byY[k - 1] as number]) r++;
    yRank[byY[k] as number] = r;
  }
  // Sort by x, then by y rank: inside a block of tied x the y's ascend, so no discordance is
  // counted there, and across blocks a strict y inversion is exactly a discordant pair.
  const byXY = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (x[a] as number) - (x[b] as number) || (yRank[a] as number) - (yRank[b] as number),
  );
  const xs = new Float64Array(n);
  const ys = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    xs[k] = x[byXY[k] as number] as number;
    ys[k] = yRank[byXY[k] as number] as number;
  }
  // Joint ties: runs where both x and y repeat.
  let jointTies = 0;
  let run = 1;
  for (let k = 1; k <= n; k++) {
    if (k < n && xs[k] === xs[k - 1] && ys[k] === ys[k - 1]) run++;
    else {
      jointTies += (run * (run - 1)) / 2;
      run = 1;
    }
  }
  const xTies = tiedPairs(xs);
  const discordant = countInversions(ys); // also sorts ys ascending
  const yTies = tiedPairs(ys);
  const total = (n * (n - 1)) / 2;
  if (xTies === total || yTies === total) return NaN;
  const conMinusDis = total - xTies - yTies + jointTies - 2 * discordant;
  return clamp1(conMinusDis / Math.sqrt(total - xTies) / Math.sqrt(total - yTies));
}

/**
 * Mean squared error (1/n)·Σ(x−y)².
 * @example
 * mse([1, 2], [1, 3]) // 0.5
 */
export function mse(pred: readonly number[], gold: readonly number[]): number {
  check('mse', pred, gold, 1);
  let s = 0;
  for (let i = 0; i < pred.length; i++) {
    const d = (pred[i] as number) - (gold[i] as number);
    s += d * d;
  }
  return s / pred.length;
}

/**
 * Mean absolute error (1/n)·Σ|x−y|.
 * @example
 * mae([1, 2], [1, 3]) // 0.5
 */
export function mae(pred: readonly number[], gold: readonly number[]): number {
  check('mae', pred, gold, 1);
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += Math.abs((pred[i] as number) - (gold[i] as number));
  return s / pred.length;
}
