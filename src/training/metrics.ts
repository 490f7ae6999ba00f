/**
 * Metrics for the generic tasks. Re-exported from src/metrics when that module provides them;
 * small local implementations otherwise. Also Δm (LibMTL) for early stopping.
 */
import type { MetricDirection } from '../tasks/types.js';

export function accuracy(gold: readonly number[], pred: readonly number[]): number {
  if (gold.length === 0) return 0;
  let ok = 0;
  for (let i = 0; i < gold.length; i++) if (gold[i] === pred[i]) ok++;
  return ok / gold.length;
}

/** Macro-averaged F1 over `numClasses` classes (classes absent from gold and pred count as F1 = 0 only if predicted). */
export function macroF1(gold: readonly number[], pred: readonly number[], numClasses: number): number {
  const tp = new Float64Array(numClasses);
  const fp = new Float64Array(numClasses);
  const fn = new Float64Array(numClasses);
  for (let i = 0; i < gold.length; i++) {
    const g = gold[i] as number;
    const p = pred[i] as number;
    if (g === p) tp[g]!++;
    else {
      fp[p]!++;
      fn[g]!++;
    }
  }
  let sum = 0;
  let n = 0;
  for (let c = 0; c < numClasses; c++) {
    const denom = 2 * tp[c]! + fp[c]! + fn[c]!;
    if (denom === 0) continue; // class never seen nor predicted
    sum += (2 * tp[c]!) / denom;
    n++;
  }
  return n === 0 ? 0 : sum / n;
}

export function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2) return 0;
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
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

function ranks(x: readonly number[]): number[] {
  const idx = x.map((_, i) => i).sort((a, b) => (x[a] as number) - (x[b] as number));
  const r = new Array<number>(x.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && x[idx[j + 1] as number] === x[idx[i] as number]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k] as number] = avg;
    i = j + 1;
  }
  return r;
}

export function spearman(x: readonly number[], y: readonly number[]): number {
  return pearson(ranks(x), ranks(y));
}

export type Baselines = Record<string, Record<string, number>>;

/**
 * Δm (LibMTL): (1/T) Σᵢ (1/Kᵢ) Σₖ (−1)^{sᵢₖ} (M_{m,k} − M_{b,k}) / M_{b,k} · 100, with s = 1 when lower
 * is better. Only tasks/metrics present in both `metrics` and `baselines` count.
 */
export function deltaM(
  metrics: Record<string, Record<string, number>>,
  baselines: Baselines,
  directions: Record<string, Readonly<Record<string, MetricDirection>>>,
): number {
  let total = 0;
  let tasks = 0;
  for (const [task, base] of Object.entries(baselines)) {
    const m = metrics[task];
    if (!m) continue;
    let sum = 0;
    let k = 0;
    for (const [name, b] of Object.entries(base)) {
      const v = m[name];
      if (v === undefined || b === 0) continue;
      const lower = (directions[task]?.[name] ?? 'higher') === 'lower';
      sum += ((lower ? -1 : 1) * (v - b)) / Math.abs(b) * 100;
      k++;
    }
    if (k > 0) {
      total += sum / k;
      tasks++;
    }
  }
  return tasks === 0 ? 0 : total / tasks;
}
