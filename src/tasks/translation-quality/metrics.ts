/** The metrics of translation quality: correlations per language pair and over all examples. */
import { kendallTauB, mse, pearson, spearman } from '../../metrics/correlation.js';
import type { TranslationQualityExample, TranslationQualityPrediction } from './config.js';
import { UserError } from '../../errors.js';

export const CORRELATIONS = { pearson, spearman, kendall: kendallTauB } as const;
/** Group key of examples without a `pair`. */
const NO_PAIR = '';

/** A correlation, NaN when undefined (fewer than 2 examples, or a constant side). */
function correlation(kind: keyof typeof CORRELATIONS, g: readonly number[], p: readonly number[]): number {
  if (g.length < 2) return NaN;
  return CORRELATIONS[kind](g, p);
}

/** See {@link TranslationQualityTask.metrics}; `task` names the task in errors. */
export function qualityMetrics(
  gold: readonly TranslationQualityExample[],
  pred: readonly TranslationQualityPrediction[],
  task: string,
): Record<string, number> {
  if (gold.length !== pred.length) throw new Error(`task "${task}": ${gold.length} gold examples but ${pred.length} predictions`);
  if (gold.length === 0) return {};
  const g = gold.map((e, i) => {
    if (typeof e.score !== 'number')
      throw new UserError(`task "${task}": example ${i} has no gold score; evaluate on examples that carry a score`);
    return e.score;
  });
  const p = [...pred];
  const out: Record<string, number> = {};
  const groups = new Map<string, { g: number[]; p: number[] }>();
  gold.forEach((e, i) => {
    const key = e.pair ?? NO_PAIR;
    let grp = groups.get(key);
    if (!grp) groups.set(key, (grp = { g: [], p: [] }));
    grp.g.push(g[i] as number);
    grp.p.push(p[i] as number);
  });
  const kinds = Object.keys(CORRELATIONS) as (keyof typeof CORRELATIONS)[];
  const perPair: Record<string, number[]> = { pearson: [], spearman: [], kendall: [] };
  for (const [pair, grp] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    for (const k of kinds) {
      const v = correlation(k, grp.g, grp.p);
      if (pair !== NO_PAIR) out[`${k}@${pair}`] = v;
      if (Number.isFinite(v)) (perPair[k] as number[]).push(v);
    }
  }
  for (const k of kinds) {
    const pooled = correlation(k, g, p);
    if (groups.size > 1) {
      const vals = perPair[k] as number[];
      out[k] = vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : NaN;
      out[`${k}_pooled`] = pooled;
    } else {
      out[k] = pooled;
    }
  }
  out.mse = mse(p, g);
  return out;
}
