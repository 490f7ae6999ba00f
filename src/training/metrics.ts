/**
 * Metrics used by the trainer and the generic tasks: accuracy / macro-F1 / Pearson / Spearman come
 * from src/metrics; Δm (LibMTL) is src/metrics' deltaM applied to the tasks and metrics that have a
 * baseline.
 */
import { deltaM as deltaMTable } from '../metrics/delta-m.js';
import type { MetricDirection } from '../tasks/types.js';

export { accuracy, macroF1 } from '../metrics/classification.js';
export { pearson, spearman } from '../metrics/correlation.js';

/** Single-task metrics per task: `{ task: { metric: value } }`. */
export type Baselines = Record<string, Record<string, number>>;

/**
 * Δm in percent over the (task, metric) pairs present in `baselines` and in `metrics`:
 * (1/T) Σᵢ (1/Kᵢ) Σₖ (−1)^{sᵢₖ} (M_{m,k} − M_{b,k}) / M_{b,k} · 100, s = 1 when lower is better.
 */
export function deltaM(
  metrics: Record<string, Record<string, number>>,
  baselines: Baselines,
  directions: Record<string, Readonly<Record<string, MetricDirection>>>,
): number {
  const m: Record<string, Record<string, number>> = {};
  const b: Record<string, Record<string, number>> = {};
  const d: Record<string, Record<string, boolean>> = {};
  for (const [task, base] of Object.entries(baselines)) {
    for (const [name, value] of Object.entries(base)) {
      const v = metrics[task]?.[name];
      if (v === undefined) continue;
      (m[task] ??= {})[name] = v;
      (b[task] ??= {})[name] = value;
      (d[task] ??= {})[name] = (directions[task]?.[name] ?? 'higher') === 'higher';
    }
  }
  if (Object.keys(m).length === 0) return 0;
  return deltaMTable(m, b, d);
}
