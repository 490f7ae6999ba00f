/**
 * ROUGE-N, ROUGE-L and ROUGE-Lsum computed the way Google's `rouge-score` package
 * (`rouge_score.rouge_scorer.RougeScorer`) computes them, by default with `use_stemmer=True`:
 *
 * - Tokenizer (`rouge_score/tokenize.py`): lower-case; replace every run of characters outside
 *   `[a-z0-9]` by a space; split on whitespace; Porter-stem (NLTK flavour, see `porter.ts`) the
 *   tokens longer than 3 characters; drop empty tokens.
 * - ROUGE-N: clipped n-gram overlap, `P = overlap / max(#pred n-grams, 1)`,
 *   `R = overlap / max(#ref n-grams, 1)`, `F = 2PR / (P + R)` (0 when P + R = 0).
 * - ROUGE-L: longest common subsequence over the whole token sequences, `P = LCS / |pred|`,
 *   `R = LCS / |ref|` (all 0 when either side has no tokens).
 * - ROUGE-Lsum: summary-level LCS (Lin 2004, §3.2). Texts are split into sentences on `"\n"`
 *   (empty lines dropped); for each reference sentence the union of its LCS index sets against
 *   every predicted sentence is taken (each LCS read out with rouge-score's exact back-tracking
 *   tie-break), and hits are counted without double counting via per-token budgets, as in
 *   ROUGE-1.5.5. Sentences must already be newline-separated (rouge-score's `split_summaries=False`).
 * - Several references: like `RougeScorer.score_multi`, each ROUGE type independently takes the
 *   reference with the largest F-measure (first one on ties, as `np.argmax`).
 *
 * Argument order: rouge-score's `score(target, prediction)` takes the reference first; the
 * functions here take the prediction first (`scoreRouge(prediction, reference)`).
 *
 * The LCS algorithms are in rouge-lcs.ts, bootstrap intervals in rouge-bootstrap.ts.
 */

import { porterStem } from './porter.js';
import { lcsIndices, lcsLength } from './rouge-lcs.js';

/** Precision, recall and F-measure of one ROUGE type, each in [0, 1]. */
export interface RougeScore {
  readonly precision: number;
  readonly recall: number;
  readonly fmeasure: number;
}

/** The ROUGE types computed by default. `rougeN` for N in 1..9 is also accepted. */
export const DEFAULT_ROUGE_TYPES = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const;

/** A ROUGE type name: `rouge1` … `rouge9`, `rougeL` or `rougeLsum`. */
export type RougeType =
  'rouge1' | 'rouge2' | 'rouge3' | 'rouge4' | 'rouge5' | 'rouge6' | 'rouge7' | 'rouge8' | 'rouge9' | 'rougeL' | 'rougeLsum';

/** Scores for the default types. */
export type RougeScores = Record<(typeof DEFAULT_ROUGE_TYPES)[number], RougeScore>;

export interface RougeOptions {
  /** Porter-stem tokens longer than 3 characters (rouge-score `use_stemmer`). Default `true`. */
  readonly useStemmer?: boolean;
}

const NON_ALPHANUMERIC = /[^a-z0-9]+/g;
const WHITESPACE = /\s+/;
const VALID_TOKEN = /^[a-z0-9]+$/;

/**
 * rouge-score's default tokenizer (`tokenize.tokenize(text, stemmer)`).
 *
 * @example tokenizeForRouge('The quick brown fox jumps') // ['the', 'quick', 'brown', 'fox', 'jump']
 */
export function tokenizeForRouge(text: string, useStemmer = true): string[] {
  const cleaned = text.toLowerCase().replace(NON_ALPHANUMERIC, ' ');
  const out: string[] = [];
  for (const raw of cleaned.split(WHITESPACE)) {
    const token = useStemmer && raw.length > 3 ? porterStem(raw) : raw;
    if (VALID_TOKEN.test(token)) out.push(token);
  }
  return out;
}

/** rouge-score's `scoring.fmeasure`: harmonic mean, 0 when precision + recall is 0. */
export function rougeFmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

function makeScore(precision: number, recall: number): RougeScore {
  return { precision, recall, fmeasure: rougeFmeasure(precision, recall) };
}

const ZERO: RougeScore = Object.freeze({ precision: 0, recall: 0, fmeasure: 0 });

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    // Tokens are [a-z0-9]+, so a space is a safe separator.
    const key = tokens.slice(i, i + n).join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** ROUGE-N from token lists (reference first, as rouge-score's `_score_ngrams`). */
export function rougeNFromTokens(referenceTokens: readonly string[], predictionTokens: readonly string[], n: number): RougeScore {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`rougeN requires a positive integer n, got ${n}`);
  const ref = ngramCounts(referenceTokens, n);
  const pred = ngramCounts(predictionTokens, n);
  let overlap = 0;
  let refTotal = 0;
  let predTotal = 0;
  for (const [gram, c] of ref) {
    overlap += Math.min(c, pred.get(gram) ?? 0);
    refTotal += c;
  }
  for (const c of pred.values()) predTotal += c;
  return makeScore(overlap / Math.max(predTotal, 1), overlap / Math.max(refTotal, 1));
}

/** ROUGE-L from token lists (reference first, as rouge-score's `_score_lcs`). */
export function rougeLFromTokens(referenceTokens: readonly string[], predictionTokens: readonly string[]): RougeScore {
  if (referenceTokens.length === 0 || predictionTokens.length === 0) return ZERO;
  const lcs = lcsLength(referenceTokens, predictionTokens);
  return makeScore(lcs / predictionTokens.length, lcs / referenceTokens.length);
}

/**
 * Summary-level ROUGE-L from tokenized sentences (reference first, as rouge-score's
 * `_summary_level_lcs`).
 */
export function rougeLsumFromTokens(
  referenceSentences: readonly (readonly string[])[],
  predictionSentences: readonly (readonly string[])[],
): RougeScore {
  if (referenceSentences.length === 0 || predictionSentences.length === 0) return ZERO;
  let m = 0;
  let n = 0;
  const refBudget = new Map<string, number>();
  const predBudget = new Map<string, number>();
  for (const s of referenceSentences) {
    m += s.length;
    for (const tok of s) refBudget.set(tok, (refBudget.get(tok) ?? 0) + 1);
  }
  for (const s of predictionSentences) {
    n += s.length;
    for (const tok of s) predBudget.set(tok, (predBudget.get(tok) ?? 0) + 1);
  }
  if (m === 0 || n === 0) return ZERO;

  let hits = 0;
  for (const r of referenceSentences) {
    const union = new Set<number>();
    for (const c of predictionSentences) for (const idx of lcsIndices(r, c)) union.add(idx);
    const sorted = [...union].sort((a, b) => a - b);
    for (const idx of sorted) {
      const tok = r[idx] as string;
      const pc = predBudget.get(tok) ?? 0;
      const rc = refBudget.get(tok) ?? 0;
      if (pc > 0 && rc > 0) {
        hits++;
        predBudget.set(tok, pc - 1);
        refBudget.set(tok, rc - 1);
      }
    }
  }
  return makeScore(hits / n, hits / m);
}

/** Splits on "\n" and drops empty strings (rouge-score's `get_sents` with split_summaries=False). */
export function splitRougeSentences(text: string): string[] {
  return text.split('\n').filter((s) => s.length > 0);
}

function parseType(type: string): number | 'L' | 'Lsum' {
  if (type === 'rougeL') return 'L';
  if (type === 'rougeLsum') return 'Lsum';
  const m = /^rouge([0-9])$/.exec(type);
  if (m !== null) {
    const n = Number(m[1]);
    if (n > 0) return n;
  }
  throw new RangeError(`Invalid rouge type: ${type} (expected rouge1..rouge9, rougeL or rougeLsum)`);
}

/**
 * Scores one prediction against one reference for the given types, like rouge-score's
 * `RougeScorer(types, use_stemmer).score(reference, prediction)`.
 * @example
 * scoreRougeSingle('the cat sat on the mat', 'the cat lay on the mat', ['rouge1', 'rouge2'])
 * // { rouge1: { precision: 0.8333, recall: 0.8333, fmeasure: 0.8333 },
 * //   rouge2: { precision: 0.6, recall: 0.6, fmeasure: 0.6 } }
 */
export function scoreRougeSingle<T extends RougeType = (typeof DEFAULT_ROUGE_TYPES)[number]>(
  prediction: string,
  reference: string,
  types: readonly T[] = DEFAULT_ROUGE_TYPES as unknown as readonly T[],
  options: RougeOptions = {},
): Record<T, RougeScore> {
  const useStemmer = options.useStemmer ?? true;
  const parsed = types.map((t) => [t, parseType(t)] as const);
  let refTokens: string[] | null = null;
  let predTokens: string[] | null = null;
  const tokens = (): [string[], string[]] => {
    refTokens ??= tokenizeForRouge(reference, useStemmer);
    predTokens ??= tokenizeForRouge(prediction, useStemmer);
    return [refTokens, predTokens];
  };
  const result = {} as Record<T, RougeScore>;
  for (const [name, kind] of parsed) {
    if (kind === 'L') {
      const [r, p] = tokens();
      result[name] = rougeLFromTokens(r, p);
    } else if (kind === 'Lsum') {
      const r = splitRougeSentences(reference).map((s) => tokenizeForRouge(s, useStemmer));
      const p = splitRougeSentences(prediction).map((s) => tokenizeForRouge(s, useStemmer));
      result[name] = rougeLsumFromTokens(r, p);
    } else {
      const [r, p] = tokens();
      result[name] = rougeNFromTokens(r, p, kind);
    }
  }
  return result;
}

/**
 * ROUGE-1/2/L/Lsum of `prediction` against one reference or the best of several references
 * (rouge-score `score_multi`: per type, the reference with the highest F-measure, first on ties).
 *
 * @example scoreRouge('The quick brown dog jumps on the log.', 'The quick brown fox jumps over the lazy dog').rouge1
 *   // { precision: 0.75, recall: 0.6666666666666666, fmeasure: 0.7058823529411765 }
 */
export function scoreRouge(prediction: string, reference: string | readonly string[], options?: RougeOptions): RougeScores;
export function scoreRouge<T extends RougeType>(
  prediction: string,
  reference: string | readonly string[],
  options: RougeOptions & { readonly types: readonly T[] },
): Record<T, RougeScore>;
export function scoreRouge(
  prediction: string,
  reference: string | readonly string[],
  options: RougeOptions & { readonly types?: readonly RougeType[] } = {},
): Record<string, RougeScore> {
  const types = options.types ?? DEFAULT_ROUGE_TYPES;
  if (typeof reference === 'string') return scoreRougeSingle(prediction, reference, types, options);
  if (reference.length === 0) throw new RangeError('scoreRouge: at least one reference is required');
  const perRef = reference.map((r) => scoreRougeSingle(prediction, r, types, options));
  const best: Record<string, RougeScore> = {};
  for (const t of types) {
    let bestScore = perRef[0]?.[t] as RougeScore;
    for (let i = 1; i < perRef.length; i++) {
      const s = perRef[i]?.[t] as RougeScore;
      if (s.fmeasure > bestScore.fmeasure) bestScore = s;
    }
    best[t] = bestScore;
  }
  return best;
}

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
