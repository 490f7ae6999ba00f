/**
 * Classification metrics over integer class ids `0 … numClasses−1`.
 *
 * Conventions (those of scikit-learn with `zero_division=0`):
 * - precision of a class never predicted, recall of a class absent from gold, and F1 when
 *   precision + recall = 0 are 0;
 * - `macroF1` by default averages over the classes that occur in gold or predictions
 *   (`sklearn.metrics.f1_score(gold, pred, average='macro')`); pass `{ classes: 'all' }` to
 *   average over all `numClasses` classes (`labels=range(numClasses)`), where a class absent
 *   from both counts as F1 = 0.
 *
 * Length mismatches, empty inputs and ids outside `[0, numClasses)` throw a `RangeError`.
 */

function checkPair(name: string, gold: readonly unknown[], pred: readonly unknown[]): void {
  if (gold.length !== pred.length) {
    throw new RangeError(`${name}: gold and pred have different lengths (${gold.length} vs ${pred.length})`);
  }
  if (gold.length === 0) throw new RangeError(`${name}: empty input`);
}

function checkIds(name: string, ids: readonly number[], numClasses: number, what: string): void {
  for (let i = 0; i < ids.length; i++) {
    const c = ids[i] as number;
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new RangeError(`${name}: ${what}[${i}] = ${c} is not a class id in [0, ${numClasses})`);
    }
  }
}

function checkNumClasses(name: string, numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`${name}: numClasses must be a positive integer, got ${numClasses}`);
  }
}

/**
 * Fraction of positions where `pred[i] === gold[i]`. Works for any label type.
 * @example
 * accuracy([0, 1, 0], [0, 1, 1]) // 0.6666666666666666
 */
export function accuracy<T>(gold: readonly T[], pred: readonly T[]): number {
  checkPair('accuracy', gold, pred);
  let correct = 0;
  for (let i = 0; i < gold.length; i++) if (gold[i] === pred[i]) correct++;
  return correct / gold.length;
}

/**
 * `matrix[g][p]` = number of examples with gold class g predicted as p (rows gold, columns predicted).
 * @example
 * confusionMatrix([0, 1, 0], [0, 1, 1], 2) // [[1, 1], [0, 1]]: gold 0 once predicted 0, once 1
 */
export function confusionMatrix(gold: readonly number[], pred: readonly number[], numClasses: number): number[][] {
  checkPair('confusionMatrix', gold, pred);
  checkNumClasses('confusionMatrix', numClasses);
  checkIds('confusionMatrix', gold, numClasses, 'gold');
  checkIds('confusionMatrix', pred, numClasses, 'pred');
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < gold.length; i++) {
    const row = m[gold[i] as number] as number[];
    row[pred[i] as number] = (row[pred[i] as number] as number) + 1;
  }
  return m;
}

/** Precision, recall, F1 and support (number of gold examples) of one class. */
export interface ClassScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
  /** Number of predictions of this class. */
  readonly predicted: number;
}

function scoresFromMatrix(m: readonly (readonly number[])[]): ClassScores[] {
  const k = m.length;
  const out: ClassScores[] = [];
  for (let c = 0; c < k; c++) {
    const tp = (m[c] as readonly number[])[c] as number;
    let support = 0;
    let predicted = 0;
    for (let j = 0; j < k; j++) {
      support += (m[c] as readonly number[])[j] as number;
      predicted += (m[j] as readonly number[])[c] as number;
    }
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    out.push({ precision, recall, f1, support, predicted });
  }
  return out;
}

/** Per-class precision / recall / F1 / support, indexed by class id. */
export function perClassScores(gold: readonly number[], pred: readonly number[], numClasses: number): ClassScores[] {
  return scoresFromMatrix(confusionMatrix(gold, pred, numClasses));
}

export interface MacroOptions {
  /** `'present'` (default): classes seen in gold or pred; `'all'`: all `numClasses` classes. */
  readonly classes?: 'present' | 'all';
}

function macro(scores: readonly ClassScores[], key: 'precision' | 'recall' | 'f1', options: MacroOptions): number {
  const used = options.classes === 'all' ? scores : scores.filter((s) => s.support > 0 || s.predicted > 0);
  let sum = 0;
  for (const s of used) sum += s[key];
  return sum / used.length;
}

/**
 * Unweighted mean of per-class F1 (see the module notes for which classes are averaged).
 * @example
 * macroF1([0, 1, 0], [0, 1, 1], 2) // 0.6666666666666666 (F1 0.667 for class 0 and for class 1)
 */
export function macroF1(gold: readonly number[], pred: readonly number[], numClasses: number, options: MacroOptions = {}): number {
  return macro(perClassScores(gold, pred, numClasses), 'f1', options);
}

/**
 * Macro-F1 straight from a confusion matrix (rows gold, columns predicted), for callers that update
 * counts incrementally (threshold tuning) instead of re-scoring label lists.
 */
export function macroF1FromConfusion(matrix: readonly (readonly number[])[], options: MacroOptions = {}): number {
  const scores = scoresFromMatrix(matrix);
  const used = options.classes === 'all' ? scores : scores.filter((x) => x.support > 0 || x.predicted > 0);
  return used.length === 0 ? 0 : macro(scores, 'f1', options);
}

/** Unweighted mean of per-class precision. */
export function macroPrecision(gold: readonly number[], pred: readonly number[], numClasses: number, options: MacroOptions = {}): number {
  return macro(perClassScores(gold, pred, numClasses), 'precision', options);
}

/** Unweighted mean of per-class recall (TweetEval's official sentiment metric is macro recall). */
export function macroRecall(gold: readonly number[], pred: readonly number[], numClasses: number, options: MacroOptions = {}): number {
  return macro(perClassScores(gold, pred, numClasses), 'recall', options);
}

/**
 * Renders a confusion matrix as a fixed-width text table, rows = gold, columns = predicted,
 * with row totals:
 *
 * ```
 * gold \ pred  neg  pos  total
 * neg            3    1      4
 * pos            0    2      2
 * ```
 */
export function formatConfusionMatrix(matrix: readonly (readonly number[])[], labels: readonly string[]): string {
  const k = matrix.length;
  if (labels.length !== k) throw new RangeError(`formatConfusionMatrix: ${labels.length} labels for a ${k}×${k} matrix`);
  for (const row of matrix) {
    if (row.length !== k) throw new RangeError('formatConfusionMatrix: matrix is not square');
  }
  const corner = 'gold \\ pred';
  const rows = matrix.map((row) => [...row.map(String), String(row.reduce((a, b) => a + b, 0))]);
  const header = [...labels, 'total'];
  const firstWidth = Math.max(corner.length, ...labels.map((l) => l.length));
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] as string).length)));
  const line = (first: string, cells: readonly string[]): string =>
    [first.padEnd(firstWidth), ...cells.map((c, j) => c.padStart(widths[j] as number))].join('  ');
  return [line(corner, header), ...rows.map((r, i) => line(labels[i] as string, r))].join('\n');
}
