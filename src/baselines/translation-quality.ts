/**
 * Sentence-level translation-quality (MLQE-PE direct assessment) baselines. They output one
 * number per row, to be scored like the models (Pearson / Spearman with the gold z-scores, MAE…).
 *
 * - `model-scores`: the MLQE-PE `model_scores` column as is — the translating NMT model's own
 *   (length-normalized) log-probability of its output, the classic glass-box QE baseline. Rows
 *   without `modelScore` throw.
 * - `length-ratio`: the feature f = −|ln(len(translation) / len(source))|, i.e. 0 when both sides
 *   have the same length and more negative the more they differ. Lengths are in Unicode code points
 *   by default (`unit: 'chars'`, robust for zh/ja targets without spaces) or in whitespace tokens
 *   (`unit: 'tokens'`); a length of 0 is counted as 1 so the log stays finite.
 *   - `fit: 'none'` (default): predict f itself. Correlation metrics are invariant to the affine
 *     map, so this is the baseline for Pearson/Spearman.
 *   - `fit: 'linear'`: ordinary least squares `score ≈ a + b·f` fitted on the training rows (which
 *     then need `score`); use it when the metric is scale-dependent (MAE/RMSE). If f is constant on
 *     the training set, b = 0 and a = mean training score.
 */
import { UserError } from '../errors.js';

export type TranslationQualityBaselineName = 'model-scores' | 'length-ratio';

export interface TranslationQualityRow {
  readonly source: string;
  readonly translation: string;
  /** MLQE-PE `model_scores`: the NMT system's log-probability score of the translation. */
  readonly modelScore?: number;
  /** Language pair, e.g. "en-de" (informational). */
  readonly pair?: string;
}

export interface TranslationQualityTrainRow extends TranslationQualityRow {
  /** Gold quality score (e.g. MLQE-PE `z_mean`); needed only for `fit: 'linear'`. */
  readonly score?: number;
}

export interface TranslationQualityOptions {
  /** Length unit for `length-ratio` (default 'chars'). */
  readonly unit?: 'chars' | 'tokens';
  /** `length-ratio` output: the raw feature (default) or a linear fit of the score on it. */
  readonly fit?: 'none' | 'linear';
}

export interface TranslationQualityBaseline {
  readonly name: TranslationQualityBaselineName;
  predict(rows: readonly TranslationQualityRow[]): number[];
  /** Fitted parameters (`intercept`, `slope` for the linear fit; the unit used). */
  readonly fitted: Readonly<Record<string, string | number>>;
}

function length(text: string, unit: 'chars' | 'tokens'): number {
  if (unit === 'tokens') {
    const t = text.trim();
    return t.length === 0 ? 0 : t.split(/\s+/u).length;
  }
  let n = 0;
  for (const _ of text) n++; // code points, not UTF-16 units
  return n;
}

/**
 * −|ln(max(len(translation),1) / max(len(source),1))|.
 * @example
 * lengthRatioFeature('a b c', 'x y', 'tokens') // -0.4055 (−|ln(2/3)|)
 * lengthRatioFeature('Hello world', 'Hallo Welt!') // -0 (11 characters each)
 */
export function lengthRatioFeature(source: string, translation: string, unit: 'chars' | 'tokens' = 'chars'): number {
  const ls = Math.max(length(source, unit), 1);
  const lt = Math.max(length(translation, unit), 1);
  return -Math.abs(Math.log(lt / ls));
}

/**
 * Builds a translation-quality baseline. `train` is only read by `length-ratio` with
 * `fit: 'linear'`.
 * @example
 * const rows = [
 *   { source: 'a b c d', translation: 'w x y z', modelScore: 0.1, score: 0.5 },
 *   { source: 'a b c d', translation: 'x y', modelScore: -0.2, score: -0.4 },
 *   { source: 'a b', translation: 'x y z w v', modelScore: 0, score: -1 },
 * ];
 * fitTranslationQualityBaseline('model-scores').predict(rows) // [0.1, -0.2, 0]
 * const fit = fitTranslationQualityBaseline('length-ratio', rows, { unit: 'tokens', fit: 'linear' });
 * fit.fitted // { unit: 'tokens', fit: 'linear', intercept: 0.535, slope: 1.5565 }
 * fit.predict([{ source: 'a b c', translation: 'x y z' }]) // [0.535]
 */
export function fitTranslationQualityBaseline(
  name: TranslationQualityBaselineName,
  train: readonly TranslationQualityTrainRow[] = [],
  options: TranslationQualityOptions = {},
): TranslationQualityBaseline {
  if (name === 'model-scores') {
    return {
      name,
      fitted: {},
      predict: (rows) =>
        rows.map((r, i) => {
          if (typeof r.modelScore !== 'number' || !Number.isFinite(r.modelScore)) {
            throw new UserError(
              `model-scores baseline: row ${i} has no finite modelScore (the data must carry the MT system's own scores, as MLQE-PE's model_scores column does)`,
            );
          }
          return r.modelScore;
        }),
    };
  }
  if (name !== 'length-ratio') throw new UserError(`unknown translation-quality baseline '${String(name)}'`);

  const unit = options.unit ?? 'chars';
  const feature = (r: TranslationQualityRow) => lengthRatioFeature(r.source, r.translation, unit);
  if ((options.fit ?? 'none') === 'none') {
    return { name, fitted: { unit, fit: 'none' }, predict: (rows) => rows.map(feature) };
  }

  if (train.length === 0) throw new UserError("length-ratio with fit 'linear' needs training rows (pass --train FILE)");
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [i, r] of train.entries()) {
    if (typeof r.score !== 'number' || !Number.isFinite(r.score)) {
      throw new UserError(`length-ratio linear fit: train[${i}] has no finite score`);
    }
    xs.push(feature(r));
    ys.push(r.score);
  }
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    sxy += dx * ((ys[i] as number) - my);
    sxx += dx * dx;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const intercept = my - slope * mx;
  return {
    name,
    fitted: { unit, fit: 'linear', intercept, slope },
    predict: (rows) => rows.map((r) => intercept + slope * feature(r)),
  };
}
