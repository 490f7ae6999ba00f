/**
 * Greedy ROUGE oracle for extractive summarization labels, the procedure BertSumExt uses to build
 * its training labels (Liu & Lapata 2019, `greedy_selection` in PreSumm's data_builder.py):
 *
 *   selected = ∅, best = 0
 *   repeat up to `maxSentences` times:
 *     pick the unselected sentence i that maximises  R1-F(selected ∪ {i}) + R2-F(selected ∪ {i})
 *     if that value is not strictly larger than `best`, stop (no gain); else add i.
 *
 * Differences from PreSumm, deliberate so that the oracle optimises exactly what the evaluation
 * scores:
 *  - Tokens come from src/metrics' ROUGE tokeniser (`tokenizeForRouge`: lower-case, alphanumeric
 *    runs, Porter stemming of tokens longer than 3 characters), not PreSumm's `_rouge_clean`.
 *  - ROUGE-N uses clipped n-gram *counts* (rouge-score's definition) over the candidate summary
 *    as the evaluation would see it: the selected sentences in document order, tokenised as one
 *    text (so a bigram across two adjacent selected sentences counts, as it does in `scoreRouge`).
 *    PreSumm unions per-sentence n-gram *sets*.
 *  - Several references (e.g. SciTLDR's TLDRs): per ROUGE type the best reference counts, as
 *    `scoreRouge` does with several references.
 * Ties between candidates go to the earlier sentence.
 */
import { rougeNFromTokens, tokenizeForRouge } from '../metrics/rouge.js';
import { UserError } from '../errors.js';

export interface OracleOptions {
  /** Most sentences to select (BertSumExt: 3). Default 3. */
  maxSentences?: number;
  /** Only the first `limit` sentences are candidates (e.g. the task's sentence cap). */
  limit?: number;
  /** Porter stemming in the ROUGE tokeniser (default true, as the metric). */
  useStemmer?: boolean;
}

export interface OracleResult {
  /** Selected sentence indices, ascending (document order). */
  indices: number[];
  /** The same indices in the order the greedy search added them (teacher forcing of a conditional scorer). */
  order: number[];
  /** 0/1 per sentence (length = number of sentences given). */
  labels: number[];
  /** R1-F + R2-F (each in [0, 1]) of the selection; 0 when nothing was selected. */
  score: number;
}

function references(reference: string | readonly string[]): string[] {
  const refs = typeof reference === 'string' ? [reference] : [...reference];
  if (refs.length === 0) throw new UserError('greedyOracle: at least one reference is required');
  return refs;
}

/** Greedy ROUGE-1 F + ROUGE-2 F oracle selection (see the module comment). */
export function greedyOracle(
  sentences: readonly string[],
  reference: string | readonly string[],
  options: OracleOptions = {},
): OracleResult {
  const maxSentences = options.maxSentences ?? 3;
  if (!Number.isInteger(maxSentences) || maxSentences < 1)
    throw new UserError(`greedyOracle: maxSentences must be a positive integer, got ${maxSentences}`);
  const useStemmer = options.useStemmer ?? true;
  const n = Math.min(sentences.length, options.limit ?? sentences.length);
  const refTokens = references(reference).map((r) => tokenizeForRouge(r, useStemmer));
  const sentTokens = sentences.slice(0, n).map((s) => tokenizeForRouge(s, useStemmer));

  const objective = (selection: readonly number[]): number => {
    const sorted = [...selection].sort((a, b) => a - b);
    const cand: string[] = [];
    for (const i of sorted) for (const t of sentTokens[i] as string[]) cand.push(t);
    let r1 = 0;
    let r2 = 0;
    for (const ref of refTokens) {
      r1 = Math.max(r1, rougeNFromTokens(ref, cand, 1).fmeasure);
      r2 = Math.max(r2, rougeNFromTokens(ref, cand, 2).fmeasure);
    }
    return r1 + r2;
  };

  const selected: number[] = [];
  let best = 0;
  while (selected.length < maxSentences) {
    let bestId = -1;
    let bestScore = best;
    for (let i = 0; i < n; i++) {
      if (selected.includes(i)) continue;
      const s = objective([...selected, i]);
      if (s > bestScore) {
        bestScore = s;
        bestId = i;
      }
    }
    if (bestId < 0) break;
    selected.push(bestId);
    best = bestScore;
  }
  const indices = [...selected].sort((a, b) => a - b);
  const labels = new Array<number>(sentences.length).fill(0);
  for (const i of indices) labels[i] = 1;
  return { indices, order: selected, labels, score: best };
}

/** 0/1 oracle label per sentence. */
export function oracleLabels(sentences: readonly string[], reference: string | readonly string[], options: OracleOptions = {}): number[] {
  return greedyOracle(sentences, reference, options).labels;
}
