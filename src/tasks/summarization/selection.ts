/**
 * Sentence selection from scores: the greedy rule (count / ratio / word budget, trigram blocking)
 * one pick at a time ({@link GreedySelection}) and its fixed-score forms.
 */
import { tokenizeForRouge } from '../../metrics/rouge.js';
import type { SelectedSentence, SelectionOptions, SummarizationPrediction } from './config.js';
import { UserError } from '../../errors.js';

function trigrams(text: string): Set<string> {
  const toks = tokenizeForRouge(text, false);
  const out = new Set<string>();
  for (let i = 0; i + 3 <= toks.length; i++) out.add(`${toks[i]} ${toks[i + 1]} ${toks[i + 2]}`);
  return out;
}

function wordCount(text: string): number {
  const t = text.trim();
  return t === '' ? 0 : t.split(/\s+/).length;
}

/** Throws a UserError for a limit out of range. */
export function checkSelection(o: SelectionOptions): void {
  if (o.sentences !== undefined && (!Number.isInteger(o.sentences) || o.sentences < 1))
    throw new UserError(`sentences must be a positive integer, got ${o.sentences}`);
  if (o.ratio !== undefined && !(o.ratio > 0 && o.ratio <= 1)) throw new UserError(`ratio must be in (0, 1], got ${o.ratio}`);
  if (o.words !== undefined && (!Number.isInteger(o.words) || o.words < 1))
    throw new UserError(`words must be a positive integer, got ${o.words}`);
}

/**
 * The selection rule, one pick at a time, so that scores may change between picks (conditional
 * selection): {@link next} takes the best remaining candidate by the scores it is given (ties →
 * earlier sentence), skipping one that shares a trigram with a chosen sentence (when blocking),
 * and stops for good at the limits (all that are given apply; with none of `sentences` / `ratio` /
 * `words`, 3 sentences) or at the first best candidate that does not fit the word budget (the first
 * pick always fits). Candidates are the first `candidates` sentences; `ratio` refers to the whole
 * document (`sentences.length`).
 */
export class GreedySelection {
  /** Chosen sentence indices in pick order. */
  readonly chosen: number[] = [];
  private readonly maxCount: number;
  private readonly budget: number;
  private readonly blocking: boolean;
  private readonly seen = new Set<string>();
  private readonly tri = new Map<number, Set<string>>();
  private words = 0;
  private done = false;

  constructor(
    readonly sentences: readonly string[],
    readonly candidates: number,
    options: SelectionOptions = {},
  ) {
    checkSelection(options);
    let maxCount = Infinity;
    if (options.sentences !== undefined) maxCount = options.sentences;
    if (options.ratio !== undefined) maxCount = Math.min(maxCount, Math.max(1, Math.ceil(options.ratio * sentences.length - 1e-9)));
    if (options.sentences === undefined && options.ratio === undefined && options.words === undefined) maxCount = 3;
    this.maxCount = maxCount;
    this.budget = options.words ?? Infinity;
    this.blocking = options.trigramBlocking ?? true;
  }

  /** Picks the next sentence by `scores` (one per candidate), or null once the selection is complete. */
  next(scores: ArrayLike<number>): number | null {
    if (this.done || this.chosen.length >= this.maxCount) return this.finish();
    const n = Math.min(this.candidates, this.sentences.length, scores.length);
    const order = Array.from({ length: n }, (_, i) => i)
      .filter((i) => !this.chosen.includes(i))
      .sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
    for (const i of order) {
      const text = this.sentences[i] as string;
      let tri: Set<string> | null = null;
      if (this.blocking) {
        tri = this.tri.get(i) ?? trigrams(text);
        this.tri.set(i, tri);
        if ([...tri].some((t) => this.seen.has(t))) continue;
      }
      const wc = wordCount(text);
      if (this.chosen.length > 0 && this.words + wc > this.budget) return this.finish();
      this.chosen.push(i);
      this.words += wc;
      if (tri) for (const t of tri) this.seen.add(t);
      return i;
    }
    return this.finish();
  }

  private finish(): null {
    this.done = true;
    return null;
  }
}

/**
 * Pick sentences by score with the given limits and optional trigram blocking (the rule of
 * {@link GreedySelection}, scores fixed); returns them in document order. Only sentences with a
 * score (index < scores.length) are candidates.
 */
export function selectSentences(
  sentences: readonly string[],
  scores: readonly number[],
  options: SelectionOptions = {},
): SelectedSentence[] {
  const g = new GreedySelection(sentences, scores.length, options);
  while (g.next(scores) !== null);
  return [...g.chosen].sort((a, b) => a - b).map((i) => ({ text: sentences[i] as string, index: i, score: scores[i] as number }));
}

/**
 * The same prediction with its sentences chosen again from the scores under other selection
 * options (trigram blocking on unless turned off).
 */
export function reselect(
  prediction: SummarizationPrediction,
  sentences: readonly string[],
  options: SelectionOptions,
): SummarizationPrediction {
  const picked = selectSentences(sentences, prediction.scores, { trigramBlocking: true, ...options });
  return { ...prediction, sentences: picked, summary: picked.map((x) => x.text).join('\n') };
}
