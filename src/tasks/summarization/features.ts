/**
 * Per-sentence inputs of the summarization head besides the encoder vectors: position features,
 * document-context features (TextRank, centrality, redundancy) and the selection-state features
 * of conditional selection. See ./index.ts for the model.
 */
import { cosineSimilarity, pagerank } from '../../baselines/summarization.js';
import type { SummarizationFeature } from './config.js';

/** Cosine similarities between a document's sentence vectors, [n × n], 0 on the diagonal. */
export function similarityMatrix(vectors: readonly Float32Array[]): number[][] {
  const n = vectors.length;
  const sim: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const s = cosineSimilarity(vectors[i] as Float32Array, vectors[j] as Float32Array);
      (sim[i] as number[])[j] = s;
      (sim[j] as number[])[i] = s;
    }
  }
  return sim;
}

/**
 * Document-context features of each sentence from its encoder vectors, in the order of `names`;
 * `sim` is their {@link similarityMatrix} when the caller has it already.
 */
export function documentFeatures(
  vectors: readonly Float32Array[],
  names: readonly SummarizationFeature[],
  sim: number[][] = similarityMatrix(vectors),
): number[][] {
  const n = vectors.length;
  const rank = names.includes('textrank') && n > 0 ? pagerank(sim.map((row) => row.map((s) => Math.max(0, s)))).scores : [];
  return vectors.map((_, i) => {
    const row = sim[i] as number[];
    return names.map((f) => {
      if (f === 'textrank') return n * (rank[i] as number) - 1;
      if (f === 'centrality') return n > 1 ? (row.reduce((a, b) => a + b, 0) - row[i]!) / (n - 1) : 0;
      let m = 0;
      for (let j = 0; j < i; j++) m = Math.max(m, row[j] as number);
      return m;
    });
  });
}

/** Number of selection-state features per sentence (conditional selection). */
export const SELECTION_FEATURES = 2;

/**
 * Selection-state features of each sentence of a document given the sentences already selected
 * (`chosen`, any order): [highest cosine similarity to a chosen sentence other than itself (0 when
 * none), number chosen]. `sim` is the document's {@link similarityMatrix}.
 */
export function selectionFeatures(sim: readonly (readonly number[])[], chosen: readonly number[]): number[][] {
  return sim.map((row, i) => {
    let m = -Infinity;
    for (const j of chosen) if (j !== i) m = Math.max(m, row[j] as number);
    return [m === -Infinity ? 0 : m, chosen.length];
  });
}

const SIN_SCALES = [1, 4, 16, 64] as const;
const BUCKETS = [1, 2, 3, 5, 10] as const; // upper bounds (exclusive): {0}, {1}, {2}, {3,4}, {5..9}, {10+}
/** Number of position features per sentence. */
export const POSITION_FEATURES = 4 + 2 * SIN_SCALES.length + BUCKETS.length + 1;

/** Position features of sentence i (0-based) of a document of n sentences; see the module comment. */
export function positionFeatures(i: number, n: number): number[] {
  const f = [n > 0 ? i / n : 0, 1 / (i + 1), i === 0 ? 1 : 0, i === n - 1 ? 1 : 0];
  for (const s of SIN_SCALES) f.push(Math.sin(i / s), Math.cos(i / s));
  let bucket = BUCKETS.findIndex((ub) => i < ub);
  if (bucket < 0) bucket = BUCKETS.length;
  for (let b = 0; b <= BUCKETS.length; b++) f.push(b === bucket ? 1 : 0);
  return f;
}
