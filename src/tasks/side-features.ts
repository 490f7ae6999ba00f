/**
 * Numeric side features of a task's examples (sentiment's lexicon score, translation quality's MT
 * score and length ratio), shared by the tasks: their standardisation with the training mean and
 * standard deviation (saved in the task spec), and the fits that initialise the linear skip from
 * the side features to the outputs (least squares for a regression target, a linear discriminant
 * for classes), so training starts from the side features' own linear model.
 */

/** Standardisation of the side features, fitted on the training data, saved with the model. */
export interface FeatureStats {
  mean: number[];
  std: number[];
}

/** Mean and (population) standard deviation of a column; std 1 when it is 0 or the column is empty. */
export function meanStd(xs: readonly number[]): [number, number] {
  const mean = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
  const variance = xs.length ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length : 1;
  return [mean, Math.sqrt(variance) || 1];
}

/** The standardisation of `k` columns of raw feature rows. */
export function fitStandardiser(rows: readonly (readonly number[])[], k: number): FeatureStats {
  const st: FeatureStats = { mean: [], std: [] };
  for (let j = 0; j < k; j++) {
    const [m, sd] = meanStd(rows.map((r) => r[j] as number));
    st.mean.push(m);
    st.std.push(sd);
  }
  return st;
}

/** One row of raw features, standardised (a missing statistic leaves the value as it is). */
export function standardise(raw: readonly number[], stats: FeatureStats | null): number[] {
  const st = stats ?? { mean: [], std: [] };
  return raw.map((x, j) => (x - (st.mean[j] ?? 0)) / (st.std[j] ?? 1));
}

/** argmin_w Σ(Xw − y)² + λ‖w‖² for a few columns (normal equations, Gauss–Jordan); λ = 1e-6·n. */
export function ridge(X: readonly (readonly number[])[], y: readonly number[], k: number): number[] {
  const n = X.length;
  const A = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  for (let r = 0; r < n; r++) {
    const x = X[r] as readonly number[];
    for (let i = 0; i < k; i++) {
      const row = A[i] as number[];
      for (let j = 0; j < k; j++) row[j]! += (x[i] as number) * (x[j] as number);
      row[k]! += (x[i] as number) * (y[r] as number);
    }
  }
  for (let i = 0; i < k; i++) (A[i] as number[])[i]! += 1e-6 * Math.max(n, 1);
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs((A[r] as number[])[c]!) > Math.abs((A[p] as number[])[c]!)) p = r;
    [A[c], A[p]] = [A[p] as number[], A[c] as number[]];
    const pivot = (A[c] as number[])[c]!;
    if (Math.abs(pivot) < 1e-12) continue;
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = (A[r] as number[])[c]! / pivot;
      for (let j = c; j <= k; j++) (A[r] as number[])[j]! -= f * (A[c] as number[])[j]!;
    }
  }
  return A.map((row, i) => (Math.abs(row[i]!) < 1e-12 ? 0 : row[k]! / row[i]!));
}

/**
 * Linear discriminant of `k` standardised features for `C` classes with a shared variance per
 * feature: weight[j·C + c] = μ_cj / σ²_j,within (the common term cancels in the softmax). Rows
 * without a class (null) are left out.
 */
export function discriminant(rows: readonly ({ c: number; x: readonly number[] } | null)[], k: number, C: number): Float32Array {
  const sum = Array.from({ length: k }, () => new Array<number>(C).fill(0));
  const cnt = new Array<number>(C).fill(0);
  for (const r of rows) {
    if (!r) continue;
    cnt[r.c]!++;
    r.x.forEach((v, j) => ((sum[j] as number[])[r.c]! += v));
  }
  const mu = sum.map((row) => row.map((s, c) => (cnt[c]! > 0 ? s / cnt[c]! : 0)));
  const init = new Float32Array(k * C);
  for (let j = 0; j < k; j++) {
    let ss = 0;
    let n = 0;
    for (const r of rows) {
      if (!r) continue;
      ss += ((r.x[j] as number) - (mu[j] as number[])[r.c]!) ** 2;
      n++;
    }
    const v = n > 0 ? ss / n : 1;
    for (let c = 0; c < C; c++) init[j * C + c] = (mu[j] as number[])[c]! / (v > 1e-9 ? v : 1);
  }
  return init;
}
