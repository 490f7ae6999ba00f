/**
 * The summarization task's training data: 0/1 sentence labels (given, or from the greedy oracle against
 * the summary) and batches of padded documents with their position and document-context features,
 * each cached per example object (the context while its sentence vectors stay the same).
 */
import { greedyOracle } from '../oracle.js';
import type { FeatureLookup } from '../types.js';
import type { SummarizationBatch, SummarizationExample, SummarizationFeature } from './config.js';
import { documentFeatures, POSITION_FEATURES, positionFeatures, similarityMatrix } from './features.js';
import type { SentenceHead } from './heads.js';
import { UserError } from '../../errors.js';

/** What the batcher reads of its task. */
export interface BatcherSettings {
  name: string;
  maxSentences: number;
  oracleSentences: number;
  features: readonly SummarizationFeature[];
  /** Per-sentence features after the shared layers: position features, then document context. */
  sentenceFeatures: number;
  head: SentenceHead;
}

export class SummarizationBatcher {
  private readonly labelCache = new WeakMap<object, { labels: number[]; order: number[] }>();
  /** Per example object, with the sentence vectors they came from (a fine-tuned encoder gives new ones each step). */
  private readonly contextCache = new WeakMap<object, Cached>();
  private readonly similarityCache = new WeakMap<object, Cached>();

  constructor(private readonly s: BatcherSettings) {}

  /**
   * 0/1 label per scored sentence (the first maxSentences): the given `labels`, else the greedy
   * oracle against `summary` (cached per example object); null when the example has neither.
   */
  labelsOf(e: SummarizationExample): number[] | null {
    return this.targetsOf(e)?.labels ?? null;
  }

  /** Labels and the order the summary's sentences were added in (explicit labels: document order). */
  targetsOf(e: SummarizationExample): { labels: number[]; order: number[] } | null {
    const n = Math.min(e.sentences.length, this.s.maxSentences);
    if (e.labels) {
      if (e.labels.length < n)
        throw new UserError(
          `task "${this.s.name}": example${e.id ? ` ${e.id}` : ''} has ${e.labels.length} labels for ${e.sentences.length} sentences`,
        );
      const labels = e.labels.slice(0, n).map((y) => (y > 0 ? 1 : 0));
      return { labels, order: labels.flatMap((y, i) => (y ? [i] : [])) };
    }
    if (e.summary === undefined) return null;
    let cached = this.labelCache.get(e);
    if (!cached) {
      const r = greedyOracle(e.sentences, e.summary, { maxSentences: this.s.oracleSentences, limit: n });
      cached = { labels: r.labels.slice(0, n), order: r.order };
      this.labelCache.set(e, cached);
    }
    return cached;
  }

  makeBatch(examples: readonly SummarizationExample[], features: FeatureLookup, dim: number): SummarizationBatch {
    const b = examples.length;
    const counts = examples.map((e) => Math.min(e.sentences.length, this.s.maxSentences));
    const maxN = Math.max(1, ...counts);
    const rows = new Float32Array(b * maxN * dim);
    const mask = new Float32Array(b * maxN);
    const P = this.s.sentenceFeatures;
    const positions = new Float32Array(b * maxN * P);
    const labels = examples.map((e) => this.labelsOf(e));
    const hasTargets = b > 0 && labels.every((l) => l !== null);
    const targets = hasTargets ? new Float32Array(b * maxN) : null;
    examples.forEach((e, d) => {
      const n = counts[d] as number;
      let context: number[][] | null = null;
      if (this.s.features.length) {
        const vectors = e.sentences.slice(0, n).map((s) => features(s));
        context = cached(this.contextCache, e, vectors, () =>
          documentFeatures(vectors, this.s.features, this.similarityOf(e, n, features)),
        );
      }
      for (let i = 0; i < n; i++) {
        const r = d * maxN + i;
        rows.set(features(e.sentences[i] as string), r * dim);
        mask[r] = 1;
        positions.set(positionFeatures(i, e.sentences.length), r * P);
        if (context) positions.set(context[i] as number[], r * P + POSITION_FEATURES);
        if (targets) targets[r] = (labels[d] as number[])[i] as number;
      }
    });
    const documents = examples.map((e, d) => e.sentences.slice(0, counts[d]));
    const orders = hasTargets ? examples.map((e) => (this.targetsOf(e) as { order: number[] }).order) : null;
    const extras = this.s.head.extras(
      orders,
      () => examples.map((e, d) => this.similarityOf(e, counts[d] as number, features)),
      counts,
      maxN,
    );
    return { rows, numRows: b * maxN, size: b, hasTargets, maxN, counts, mask, positions, targets, documents, ...extras };
  }

  /** Cosine similarities of an example's first `n` sentences, computed once per example object and vectors (document features and selection states share them). */
  private similarityOf(e: SummarizationExample, n: number, features: FeatureLookup): number[][] {
    const vectors = e.sentences.slice(0, n).map((s) => features(s));
    return cached(this.similarityCache, e, vectors, () => similarityMatrix(vectors));
  }
}

interface Cached {
  vectors: Float32Array[];
  value: number[][];
}

/**
 * The cached value of an example while its sentence vectors are the same objects (the feature store
 * hands out one array per text until it is cleared), else `compute()` cached anew.
 */
function cached(cache: WeakMap<object, Cached>, e: object, vectors: Float32Array[], compute: () => number[][]): number[][] {
  const hit = cache.get(e);
  if (hit && hit.vectors.length === vectors.length && hit.vectors.every((v, i) => v === vectors[i])) return hit.value;
  const value = compute();
  cache.set(e, { vectors, value });
  return value;
}
