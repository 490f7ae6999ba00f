/** Bootstrap confidence intervals of mean ROUGE scores, as rouge-score's `BootstrapAggregator`. */
import { Rng } from '../utils/random.js';
import type { RougeScore } from './rouge.js';

/** Low / mid / high bounds, as rouge-score's `AggregateScore`. */
export interface RougeInterval {
  readonly low: RougeScore;
  readonly mid: RougeScore;
  readonly high: RougeScore;
}

/** numpy's default ('linear') percentile of an ascending-sorted array, q in [0, 100]. */
function percentileSorted(sorted: Float64Array, q: number): number {
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const frac = pos - lo;
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * frac;
}

/**
 * Bootstrap confidence interval of the mean, the procedure of rouge-score's
 * `BootstrapAggregator` (resample examples with replacement `nSamples` times, take the mean of
 * each resample, report the (1−c)/2, 0.5 and 1−(1−c)/2 percentiles of those means). It uses a
 * seeded RNG instead of numpy's global one, so numbers are reproducible but not bit-identical to
 * a Python run.
 * @example
 * const pairs = [['the cat sat', 'the cat sat down'], ['a dog ran', 'the dog ran off'], ['birds fly south', 'birds fly']];
 * const scores = pairs.map(([p, r]) => scoreRougeSingle(p, r, ['rouge1']).rouge1);
 * bootstrapRouge(scores, { seed: 1 }).mid // { precision: 0.7778, recall: 0.75, fmeasure: 0.7429 }
 * // .low / .high: the 2.5 % and 97.5 % percentiles, e.g. low.fmeasure 0.5714, high.fmeasure 0.8571
 */
export function bootstrapRouge(
  scores: readonly RougeScore[],
  options: { readonly nSamples?: number; readonly confidence?: number; readonly seed?: number | string } = {},
): RougeInterval {
  const nSamples = options.nSamples ?? 1000;
  const confidence = options.confidence ?? 0.95;
  if (scores.length === 0) throw new RangeError('bootstrapRouge: no scores');
  if (!(confidence >= 0 && confidence <= 1)) throw new RangeError('confidence must be in [0, 1]');
  if (!Number.isInteger(nSamples) || nSamples <= 0) throw new RangeError('nSamples must be a positive integer');
  const rng = new Rng(options.seed ?? 0);
  const n = scores.length;
  const means = [new Float64Array(nSamples), new Float64Array(nSamples), new Float64Array(nSamples)] as const;
  for (let s = 0; s < nSamples; s++) {
    let p = 0;
    let r = 0;
    let f = 0;
    for (let i = 0; i < n; i++) {
      const sc = scores[rng.int(n)] as RougeScore;
      p += sc.precision;
      r += sc.recall;
      f += sc.fmeasure;
    }
    means[0][s] = p / n;
    means[1][s] = r / n;
    means[2][s] = f / n;
  }
  for (const m of means) m.sort();
  const delta = (1 - confidence) / 2;
  const at = (q: number): RougeScore => ({
    precision: percentileSorted(means[0], q),
    recall: percentileSorted(means[1], q),
    fmeasure: percentileSorted(means[2], q),
  });
  return { low: at(100 * delta), mid: at(50), high: at(100 * (1 - delta)) };
}
