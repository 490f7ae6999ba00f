/**
 * Corpus ROUGE: {@link scoreRouge} per example, then the plain mean per type (the number papers
 * report is the mean F × 100). Intervals by resampling are in rouge-bootstrap.ts.
 */
import { scoreRouge, type RougeOptions, type RougeScore, type RougeScores } from './rouge.js';

/** One prediction with its reference(s), for {@link corpusRouge}. */
export interface RougePair {
  readonly prediction: string;
  readonly reference: string | readonly string[];
}

/** Corpus-level summary of one ROUGE type. */
export interface CorpusRougeType {
  /** Mean F-measure × 100 — the number papers report. */
  readonly f: number;
  /** Plain arithmetic means (0–1) of the per-example scores (no bootstrap resampling). */
  readonly mean: RougeScore;
}

export interface CorpusRougeResult {
  readonly n: number;
  readonly rouge1: CorpusRougeType;
  readonly rouge2: CorpusRougeType;
  readonly rougeL: CorpusRougeType;
  readonly rougeLsum: CorpusRougeType;
  /** Per-example scores, in input order (feed these to {@link bootstrapRouge} for intervals). */
  readonly perExample: readonly RougeScores[];
}

/**
 * Corpus ROUGE: per-example {@link scoreRouge}, then the plain mean of precision, recall and
 * F-measure per type. `f` is the mean F × 100. This is the exact mean; rouge-score's
 * `BootstrapAggregator` reports as "mid" the median of bootstrap-resampled means, which is close
 * to but not identical with this (use {@link bootstrapRouge} for that).
 * @example
 * corpusRouge([{ prediction: 'the cat sat on the mat', reference: 'the cat was on the mat' }])
 * // { n: 1, rouge1: { f: 83.33, mean: { precision: 0.8333, recall: 0.8333, fmeasure: 0.8333 } },
 * //   rouge2: { f: 60, … }, rougeL: { f: 83.33, … }, rougeLsum: { f: 83.33, … }, perExample: [{ rouge1, rouge2, … }] }
 */
export function corpusRouge(pairs: readonly RougePair[], options: RougeOptions = {}): CorpusRougeResult {
  if (pairs.length === 0) throw new RangeError('corpusRouge: no pairs');
  const perExample = pairs.map((p) => scoreRouge(p.prediction, p.reference, options));
  const summarize = (t: keyof RougeScores): CorpusRougeType => {
    let p = 0;
    let r = 0;
    let f = 0;
    for (const s of perExample) {
      p += s[t].precision;
      r += s[t].recall;
      f += s[t].fmeasure;
    }
    const n = perExample.length;
    return { f: (f / n) * 100, mean: { precision: p / n, recall: r / n, fmeasure: f / n } };
  };
  return {
    n: pairs.length,
    rouge1: summarize('rouge1'),
    rouge2: summarize('rouge2'),
    rougeL: summarize('rougeL'),
    rougeLsum: summarize('rougeLsum'),
    perExample,
  };
}
