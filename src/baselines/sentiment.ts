/**
 * Sentiment-classification baselines, evaluated with the same metrics as the models (they return
 * label strings for the evaluator to score).
 *
 * - `majority`: always predicts the most frequent training label (ties → the label listed first
 *   in `labels`).
 * - `lexicon`: natural's `SentimentAnalyzer('English', PorterStemmer, 'afinn')` (AFINN-165 word
 *   valences, natural's Porter stemmer as fallback lookup, negators "not/no/never/neither" flip the
 *   sign of every later word). Its score is the sum of valences divided by the number of tokens.
 *   natural stems the lexicon *keys* too, and when several AFINN words share a stem the last one
 *   wins (e.g. "love" +3 is looked up as +2 because "loving" +2 also stems to "love"; "fine" +2
 *   as −2 via "fines"). This is natural's behaviour and is kept as is.
 *   - 2 labels (negative, positive): `positive` iff score > t. By default t = 0 (no tuning, so a
 *     text with no lexicon word is negative); with `tuneThreshold: true`, t is the training score
 *     that maximizes macro-F1 on the training set (ties keep t = 0, then the lowest t).
 *   - 3 labels (negative, neutral, positive): `neutral` iff |score| ≤ ε, else by sign. ε is tuned
 *     on the training set: the value in {0} ∪ {|training scores|} with the best macro-F1 (ties →
 *     smallest ε); pass `epsilon` to fix it instead.
 *   Which label is which is read from the names (prefixes `neg`, `neu`, `pos`, any case), else from
 *   the order: [negative, positive] or [negative, neutral, positive] (SST-2, TweetEval order); or
 *   pass `polarity`.
 *
 * Tokenization for the lexicon: lower-case, words = runs of letters/digits (keeping inner `'` and
 * `-`, e.g. "don't", "well-known"); a word ending in "n't" is followed by a "not" token so that
 * natural's negation handling sees it (natural's own WordTokenizer would split "don't" into
 * "don", "t" and lose the negation).
 */

import SentimentAnalyzer from 'natural/lib/natural/sentiment/SentimentAnalyzer.js';
import NaturalPorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js';
import { macroF1FromConfusion } from '../metrics/classification.js';
import { UserError } from '../errors.js';

export type SentimentBaselineName = 'majority' | 'lexicon';

export interface LabeledText {
  readonly text: string;
  readonly label: string;
}

/** Which label string means negative / neutral / positive. */
export interface SentimentPolarity {
  readonly negative: string;
  readonly positive: string;
  readonly neutral?: string;
}

export interface SentimentBaselineOptions {
  /** Binary lexicon: tune the decision threshold on the training set (default false: t = 0). */
  readonly tuneThreshold?: boolean;
  /** 3-class lexicon: fixed neutral band half-width instead of tuning it on the training set. */
  readonly epsilon?: number;
  /** Explicit label roles (otherwise inferred from label names or order). */
  readonly polarity?: SentimentPolarity;
}

export interface SentimentBaseline {
  readonly name: SentimentBaselineName;
  /** One label (from `labels`) per text. */
  predict(texts: readonly string[]): string[];
  /** What was fitted: the majority label, or the lexicon threshold / ε. */
  readonly fitted: Readonly<Record<string, string | number | boolean>>;
}

const TOKEN = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

/**
 * Lexicon tokenizer (see module notes).
 * @example
 * tokenizeForLexicon("Isn't it GREAT?") // ["isn't", 'not', 'it', 'great']
 */
export function tokenizeForLexicon(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(TOKEN)) {
    const w = m[0].replace(/’/g, "'");
    out.push(w);
    if (w.endsWith("n't")) out.push('not');
  }
  return out;
}

let analyzer: SentimentAnalyzer | null = null;

/**
 * natural AFINN score of a text: Σ valence / #tokens (0 for a text without tokens).
 * @example
 * lexiconScore('a great and wonderful film') // 1.4 (AFINN great +3, wonderful +4, over 5 tokens)
 */
export function lexiconScore(text: string): number {
  analyzer ??= new SentimentAnalyzer('English', NaturalPorterStemmer, 'afinn');
  const tokens = tokenizeForLexicon(text);
  if (tokens.length === 0) return 0;
  const s = analyzer.getSentiment(tokens);
  return Number.isFinite(s) ? s : 0;
}

/**
 * Label roles from names (neg/neu/pos prefixes) or from order.
 * @example
 * inferPolarity(['negative', 'positive']) // { negative: 'negative', positive: 'positive' }
 */
export function inferPolarity(labels: readonly string[]): SentimentPolarity {
  if (labels.length !== 2 && labels.length !== 3) {
    throw new UserError(`lexicon baseline needs 2 or 3 labels, got ${labels.length}: ${labels.join(', ')}`);
  }
  const find = (prefix: string) => labels.find((l) => l.toLowerCase().startsWith(prefix));
  const negative = find('neg');
  const positive = find('pos');
  const neutral = find('neu');
  if (negative !== undefined && positive !== undefined && (labels.length === 2 || neutral !== undefined)) {
    return labels.length === 2 ? { negative, positive } : { negative, positive, neutral: neutral as string };
  }
  return labels.length === 2
    ? { negative: labels[0] as string, positive: labels[1] as string }
    : { negative: labels[0] as string, neutral: labels[1] as string, positive: labels[2] as string };
}

function bump(m: number[][], g: number, p: number, delta: number): void {
  const row = m[g] as number[];
  row[p] = (row[p] as number) + delta;
}

/**
 * Sweeps a decision boundary upward over `keys`. Item i is predicted as class `from[i]` while the
 * boundary is below its key and as `to[i]` once the boundary reaches it (key ≤ boundary). Returns
 * the boundary — `initial` or one of the keys above it — with the best macro-F1; only a strictly
 * better score replaces the current best, so ties keep the lowest boundary.
 */
function sweep(
  gold: readonly number[],
  keys: readonly number[],
  from: readonly number[],
  to: readonly number[],
  k: number,
  initial: number,
): { boundary: number; score: number } {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const order = keys.map((_, i) => i).sort((a, b) => (keys[a] as number) - (keys[b] as number));
  for (let i = 0; i < gold.length; i++) bump(m, gold[i] as number, from[i] as number, 1);
  let idx = 0;
  const advance = (limit: number) => {
    while (idx < order.length && (keys[order[idx] as number] as number) <= limit) {
      const i = order[idx] as number;
      bump(m, gold[i] as number, from[i] as number, -1);
      bump(m, gold[i] as number, to[i] as number, 1);
      idx++;
    }
  };
  advance(initial);
  let best = { boundary: initial, score: macroF1FromConfusion(m) };
  while (idx < order.length) {
    const b = keys[order[idx] as number] as number;
    advance(b);
    const score = macroF1FromConfusion(m);
    if (score > best.score) best = { boundary: b, score };
  }
  return best;
}

function majority(train: readonly LabeledText[], labels: readonly string[]): SentimentBaseline {
  const counts = new Map<string, number>(labels.map((l) => [l, 0]));
  for (const ex of train) counts.set(ex.label, (counts.get(ex.label) ?? 0) + 1);
  let best = labels[0] as string;
  for (const l of labels) if ((counts.get(l) as number) > (counts.get(best) as number)) best = l;
  return { name: 'majority', fitted: { label: best }, predict: (texts) => texts.map(() => best) };
}

function lexicon(train: readonly LabeledText[], labels: readonly string[], options: SentimentBaselineOptions): SentimentBaseline {
  const pol = options.polarity ?? inferPolarity(labels);
  for (const l of [pol.negative, pol.positive, ...(pol.neutral === undefined ? [] : [pol.neutral])]) {
    if (!labels.includes(l)) throw new RangeError(`polarity label '${l}' is not one of the labels`);
  }
  if (pol.neutral === undefined) {
    let threshold = 0;
    if (options.tuneThreshold === true && train.length > 0) {
      // Classes: 0 = negative, 1 = positive; positive iff score > t. Score t = 0, then sweep t upward
      // from −∞ over the training scores; a swept t replaces 0 only if strictly better.
      const scores = train.map((ex) => lexiconScore(ex.text));
      const gold = train.map((ex) => (ex.label === pol.positive ? 1 : 0));
      const atZero = Array.from({ length: 2 }, () => new Array<number>(2).fill(0));
      scores.forEach((sc, i) => bump(atZero, gold[i] as number, sc > 0 ? 1 : 0, 1));
      const full = sweep(
        gold,
        scores,
        scores.map(() => 1),
        scores.map(() => 0),
        2,
        -Infinity,
      );
      threshold = full.score > macroF1FromConfusion(atZero) ? full.boundary : 0;
    }
    return {
      name: 'lexicon',
      fitted: { threshold, tuned: options.tuneThreshold === true },
      predict: (texts) => texts.map((t) => (lexiconScore(t) > threshold ? pol.positive : pol.negative)),
    };
  }
  const neutral = pol.neutral;
  let epsilon = options.epsilon;
  if (epsilon === undefined) {
    // Classes: 0 = negative, 1 = neutral, 2 = positive. Items become neutral once ε ≥ |score|.
    const scores = train.map((ex) => lexiconScore(ex.text));
    const gold = train.map((ex) => (ex.label === pol.negative ? 0 : ex.label === neutral ? 1 : 2));
    const keys = scores.map(Math.abs);
    const from = scores.map((s) => (s > 0 ? 2 : s < 0 ? 0 : 1));
    epsilon =
      train.length === 0
        ? 0
        : sweep(
            gold,
            keys,
            from,
            scores.map(() => 1),
            3,
            0,
          ).boundary;
  }
  if (!(epsilon >= 0)) throw new RangeError(`epsilon must be >= 0, got ${epsilon}`);
  const eps = epsilon;
  return {
    name: 'lexicon',
    fitted: { epsilon: eps, tuned: options.epsilon === undefined },
    predict: (texts) =>
      texts.map((t) => {
        const s = lexiconScore(t);
        return Math.abs(s) <= eps ? neutral : s > 0 ? pol.positive : pol.negative;
      }),
  };
}

/**
 * Fits a sentiment baseline on `train` (texts with gold label strings from `labels`).
 *
 * @example
 * const b = fitSentimentBaseline('lexicon', train, ['negative', 'positive']);
 * b.predict(['What a wonderful film']) // ['positive']
 */
export function fitSentimentBaseline(
  name: SentimentBaselineName,
  train: readonly LabeledText[],
  labels: readonly string[],
  options: SentimentBaselineOptions = {},
): SentimentBaseline {
  if (labels.length === 0) throw new RangeError('fitSentimentBaseline: no labels');
  const known = new Set(labels);
  for (const [i, ex] of train.entries()) {
    if (!known.has(ex.label))
      throw new UserError(`fitSentimentBaseline: train[${i}].label '${ex.label}' is not one of ${labels.join(', ')}`);
  }
  if (name === 'majority') {
    if (train.length === 0) throw new UserError('fitSentimentBaseline: majority needs training examples (pass --train FILE)');
    return majority(train, labels);
  }
  if (name === 'lexicon') return lexicon(train, labels, options);
  throw new UserError(`unknown sentiment baseline '${String(name)}'`);
}
