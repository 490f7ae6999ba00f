/**
 * Δm, the average relative improvement of a multi-task model over per-task baselines (usually the
 * single-task models), as defined in LibMTL (`LibMTL.utils.count_improvement`) and used across the
 * multi-task learning literature:
 *
 *   Δm = 100 · (1/T) · Σ_t (1/K_t) · Σ_k (−1)^{s_{t,k}} · (M_{m,t,k} − M_{b,t,k}) / M_{b,t,k}
 *
 * with T tasks, K_t metrics of task t, M_m the model's metric, M_b the baseline's, and
 * s_{t,k} = 1 when lower is better for that metric (0 when higher is better). So Δm > 0 means
 * better than the baselines on average. Each task weighs the same, whatever its number of metrics.
 *
 * LibMTL's `count_improvement` returns the fraction; this returns percent (×100). LibMTL's
 * `weight` flag is 1 for higher-is-better, i.e. `weight = higherIsBetter ? 1 : 0` here.
 *
 * The division is by the signed baseline value, exactly as in the formula, so metrics should be
 * positive (accuracy, F1, ROUGE, |r|, error). A baseline of 0 makes Δm undefined and throws.
 */

/** One task's metric values: `{ metric: value }` or `[value, …]`. */
export type MetricRow<V> = Readonly<Record<string, V>> | readonly V[];

/**
 * Per-task metric values: `{ task: { metric: value } }`, `{ task: [values…] }` (LibMTL's layout)
 * or `[[task0 values…], [task1 values…]]`.
 */
export type TaskMetricTable = Readonly<Record<string, MetricRow<number>>> | readonly (readonly number[])[];

/** Same shape as {@link TaskMetricTable}, `true` where a higher value is better. */
export type TaskDirectionTable = Readonly<Record<string, MetricRow<boolean>>> | readonly (readonly boolean[])[];

function rowEntries<V>(row: MetricRow<V>): [string, V][] {
  return Array.isArray(row) ? (row as readonly V[]).map((v, k) => [String(k), v]) : Object.entries(row as Readonly<Record<string, V>>);
}

function entries<V>(table: Readonly<Record<string, MetricRow<V>>> | readonly (readonly V[])[]): [string, [string, V][]][] {
  if (Array.isArray(table)) {
    return (table as readonly (readonly V[])[]).map((row, t) => [String(t), rowEntries(row)]);
  }
  return Object.entries(table as Readonly<Record<string, MetricRow<V>>>).map(([t, row]) => [t, rowEntries(row)]);
}

/**
 * Δm in percent. `metrics`, `baselines` and `higherIsBetter` must have the same tasks and
 * metrics (same keys, or same array shapes).
 *
 * @example deltaM({ A: { acc: 93, err: 99 }, B: { acc: 0.5 } }, { A: { acc: 96, err: 98 }, B: { acc: 0.2 } },
 *                 { A: { acc: true, err: false }, B: { acc: true } })
 *   // 100 · ((−3/96 + −1/98)/2 + 1.5)/2 ≈ 73.96
 */
export function deltaM(metrics: TaskMetricTable, baselines: TaskMetricTable, higherIsBetter: TaskDirectionTable): number {
  const base = new Map(entries(baselines).map(([t, row]) => [t, new Map(row)]));
  const dir = new Map(entries(higherIsBetter).map(([t, row]) => [t, new Map(row)]));
  const tasks = entries(metrics);
  if (tasks.length === 0) throw new RangeError('deltaM: no tasks');
  if (tasks.length !== base.size || tasks.length !== dir.size) {
    throw new RangeError(`deltaM: ${tasks.length} tasks in metrics, ${base.size} in baselines, ${dir.size} in higherIsBetter`);
  }
  let total = 0;
  for (const [task, row] of tasks) {
    const b = base.get(task);
    const d = dir.get(task);
    if (b === undefined || d === undefined) throw new RangeError(`deltaM: task '${task}' is missing from baselines or higherIsBetter`);
    if (row.length === 0) throw new RangeError(`deltaM: task '${task}' has no metrics`);
    if (row.length !== b.size || row.length !== d.size) {
      throw new RangeError(`deltaM: task '${task}' has ${row.length} metrics but ${b.size} baselines and ${d.size} directions`);
    }
    let taskSum = 0;
    for (const [metric, value] of row) {
      const bv = b.get(metric);
      const higher = d.get(metric);
      if (bv === undefined || higher === undefined) {
        throw new RangeError(`deltaM: metric '${task}.${metric}' is missing from baselines or higherIsBetter`);
      }
      if (!Number.isFinite(value) || !Number.isFinite(bv)) throw new RangeError(`deltaM: non-finite value for '${task}.${metric}'`);
      if (bv === 0) throw new RangeError(`deltaM: baseline of '${task}.${metric}' is 0, relative change undefined`);
      const rel = (value - bv) / bv;
      taskSum += higher ? rel : -rel;
    }
    total += taskSum / row.length;
  }
  return (total / tasks.length) * 100;
}

/** Whether a higher or a lower value of a metric is better. */
export type MetricDirection = 'higher' | 'lower';

/** Single-task metrics per task: `{ task: { metric: value } }`. */
export type Baselines = Record<string, Record<string, number>>;

/**
 * Δm in percent over the (task, metric) pairs present in `baselines` and in `metrics` (the others
 * are left out); 0 when none is shared. Directions default to 'higher'.
 * @example
 * deltaMOverBaselines(
 *   { sentiment: { accuracy: 0.85, macro_f1: 0.84 }, quality: { pearson: 0.42 } }, // the multitask model
 *   { sentiment: { accuracy: 0.8 }, quality: { pearson: 0.4, mae: 0.6 } },      // single-task baselines
 *   { quality: { mae: 'lower' } },
 * ) // 5.625: the mean of +6.25 % (accuracy) and +5 % (pearson); macro_f1 and mae are not in both
 */
export function deltaMOverBaselines(
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
  return deltaM(m, b, d);
}
