/**
 * Extractive summarization baselines over an already sentence-split document. Each returns the
 * indices of the selected sentences (ascending, i.e. document order) and the summary text: the
 * selected sentences joined with "\n" (the sentence separator ROUGE-Lsum expects).
 *
 * - `lead1` / `lead3` / {@link lead}: the first k sentences.
 * - `textrank`: unsupervised graph ranking (Mihalcea & Tarau 2004, with embedding similarity as in
 *   most modern re-implementations): nodes are sentences, edge weights the cosine similarity of the
 *   sentence vectors (from the encoder), negative similarities clipped to 0, no self-loops.
 *   Weighted PageRank with damping d = 0.85,
 *     PR(i) = (1 − d)/N + d · Σ_j PR(j) · w_ji / Σ_k w_jk,
 *   a sentence without positive edges spreading its rank uniformly (as networkx.pagerank does for
 *   dangling nodes), iterated from the uniform vector until the L1 change is < N·tol (networkx's
 *   criterion; tol = 1e-6) or maxIter (default 1000). The top-k sentences by score (ties → earlier
 *   sentence) are returned in document order.
 */
import { UserError } from '../errors.js';

export type SummarizationBaselineName = 'lead1' | 'lead3' | 'textrank';

export interface ExtractiveSummary {
  /** Selected sentence indices, ascending. */
  readonly indices: number[];
  /** Selected sentences joined with "\n". */
  readonly summary: string;
  /** TextRank only: the PageRank score of every sentence. */
  readonly scores?: number[];
}

function build(sentences: readonly string[], indices: number[], scores?: number[]): ExtractiveSummary {
  const summary = indices.map((i) => sentences[i] as string).join('\n');
  return scores === undefined ? { indices, summary } : { indices, summary, scores };
}

/**
 * The first `k` sentences (fewer if the document is shorter).
 * @example
 * lead(['One.', 'Two.', 'Three.', 'Four.'], 2) // { indices: [0, 1], summary: 'One.\nTwo.' }
 */
export function lead(sentences: readonly string[], k: number): ExtractiveSummary {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`lead: k must be a non-negative integer, got ${k}`);
  return build(
    sentences,
    Array.from({ length: Math.min(k, sentences.length) }, (_, i) => i),
  );
}

/**
 * The first sentence: `lead(sentences, 1)`.
 * @example
 * lead1(['One.', 'Two.']) // { indices: [0], summary: 'One.' }
 */
export const lead1 = (sentences: readonly string[]): ExtractiveSummary => lead(sentences, 1);
/**
 * The first three sentences: `lead(sentences, 3)`.
 * @example
 * lead3(['One.', 'Two.', 'Three.', 'Four.']) // { indices: [0, 1, 2], summary: 'One.\nTwo.\nThree.' }
 */
export const lead3 = (sentences: readonly string[]): ExtractiveSummary => lead(sentences, 3);

/**
 * Cosine similarity; 0 if either vector is all zeros.
 * @example
 * cosineSimilarity(new Float32Array([1, 0]), new Float32Array([1, 1])) // 0.7071
 */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`cosine: dimension mismatch (${a.length} vs ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export interface PageRankOptions {
  readonly damping?: number;
  readonly tol?: number;
  readonly maxIter?: number;
}

export interface PageRankResult {
  readonly scores: number[];
  readonly iterations: number;
  readonly converged: boolean;
}

/**
 * Weighted PageRank on a dense non-negative weight matrix (`weights[j][i]` = weight of edge j → i;
 * for the symmetric similarity graph the direction does not matter). See the module notes.
 * @example
 * pagerank([[0, 1, 1], [1, 0, 0], [1, 0, 0]]) // { scores: [0.4865, 0.2568, 0.2568], iterations: 76, converged: true }
 */
export function pagerank(weights: readonly (readonly number[])[], options: PageRankOptions = {}): PageRankResult {
  const n = weights.length;
  const d = options.damping ?? 0.85;
  const tol = options.tol ?? 1e-6;
  const maxIter = options.maxIter ?? 1000;
  if (n === 0) return { scores: [], iterations: 0, converged: true };
  const outSum = weights.map((row, j) => {
    if (row.length !== n) throw new RangeError(`pagerank: row ${j} has ${row.length} entries, expected ${n}`);
    let s = 0;
    for (const w of row) {
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError('pagerank: weights must be finite and >= 0');
      s += w;
    }
    return s;
  });
  let pr = new Array<number>(n).fill(1 / n);
  for (let iter = 1; iter <= maxIter; iter++) {
    let dangling = 0;
    for (let j = 0; j < n; j++) if (outSum[j] === 0) dangling += pr[j] as number;
    const next = new Array<number>(n).fill((1 - d) / n + (d * dangling) / n);
    for (let j = 0; j < n; j++) {
      const s = outSum[j] as number;
      if (s === 0) continue;
      const share = (d * (pr[j] as number)) / s;
      const row = weights[j] as readonly number[];
      for (let i = 0; i < n; i++) {
        const w = row[i] as number;
        if (w !== 0) next[i] = (next[i] as number) + share * w;
      }
    }
    let err = 0;
    for (let i = 0; i < n; i++) err += Math.abs((next[i] as number) - (pr[i] as number));
    pr = next;
    if (err < n * tol) return { scores: pr, iterations: iter, converged: true };
  }
  return { scores: pr, iterations: maxIter, converged: false };
}

export interface TextRankOptions extends PageRankOptions {
  /** Number of sentences to select (default 3). */
  readonly k?: number;
}

/**
 * TextRank over sentence vectors (one `Float32Array` per sentence, from the encoder).
 * @example
 * const vectors = [new Float32Array([1, 0]), new Float32Array([0.9, 0.1]), new Float32Array([0, 1])];
 * textrank(['a b', 'a c', 'd e'], vectors, { k: 1 }) // { indices: [1], summary: 'a c', scores: [0.4222, 0.4865, 0.0914] }
 */
export function textrank(sentences: readonly string[], vectors: readonly Float32Array[], options: TextRankOptions = {}): ExtractiveSummary {
  const n = sentences.length;
  if (vectors.length !== n) throw new RangeError(`textrank: ${vectors.length} vectors for ${n} sentences`);
  const k = options.k ?? 3;
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`textrank: k must be a non-negative integer, got ${k}`);
  const w = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const s = Math.max(0, cosineSimilarity(vectors[i] as Float32Array, vectors[j] as Float32Array));
      (w[i] as number[])[j] = s;
      (w[j] as number[])[i] = s;
    }
  }
  const { scores } = pagerank(w, options);
  const ranked = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const indices = ranked
    .slice(0, Math.min(k, n))
    .map(([, i]) => i)
    .sort((a, b) => a - b);
  return build(sentences, indices, scores);
}

/**
 * Dispatch by name; `vectors` is required for `textrank`.
 * @example
 * summarizeBaseline('lead3', ['One.', 'Two.', 'Three.', 'Four.']) // { indices: [0, 1, 2], summary: 'One.\nTwo.\nThree.' }
 * const { dims: [n, d], data } = await encoder.encode(sentences); // one row per sentence
 * const vectors = Array.from({ length: n }, (_, i) => data.subarray(i * d, (i + 1) * d));
 * summarizeBaseline('textrank', sentences, vectors, { k: 2 }) // the 2 most central sentences, in document order
 */
export function summarizeBaseline(
  name: SummarizationBaselineName,
  sentences: readonly string[],
  vectors?: readonly Float32Array[],
  options: TextRankOptions = {},
): ExtractiveSummary {
  if (name === 'lead1') return lead1(sentences);
  if (name === 'lead3') return lead3(sentences);
  if (name === 'textrank') {
    if (vectors === undefined) throw new RangeError('textrank needs sentence vectors');
    return textrank(sentences, vectors, options);
  }
  throw new UserError(`unknown summarization baseline '${String(name)}'`);
}
