/**
 * Extractive summarization (input kind `set`): score every sentence of a document, pick the best.
 *
 * Model. A document's sentences (the first `maxSentences`, default 40) are rows of the batch; a
 * batch holds `b` documents padded to the batch's longest one, rows [b × maxN] (padding rows are
 * zero vectors, masked out). After the shared layers, H is reshaped to [b, maxN, h]; the document
 * vector d is the masked mean of its sentence vectors; each sentence i of n gets
 *   [h_i, d, h_i ⊙ d, pos(i, n)] → Dense(hidden) → GELU → dropout → Dense(1) → logit,
 * with pos(i, n) = {@link positionFeatures}: i/n, 1/(i+1), first/last flags, sinusoids of i and
 * one-hot position buckets. Loss: binary cross-entropy per real sentence (mean over the real
 * sentences of the batch; padding masked out).
 *
 * Optional document-context features (`features`), computed from the frozen encoder vectors of the
 * document's scored sentences and appended to each sentence's input (and, through a linear skip
 * initialised at zero, to its logit): `textrank` (n × the sentence's TextRank PageRank score − 1,
 * the same graph as the `textrank` baseline: cosine similarities clipped at 0, damping 0.85),
 * `centrality` (mean cosine similarity to the other sentences) and `redundancy` (highest cosine
 * similarity to an earlier sentence), so centrality and repetition are learnt in training, not
 * only handled by trigram blocking at selection. Specs saved before the option load without them.
 *
 * Optional conditional selection (`selection: 'conditional'`; default 'independent', the head
 * above): redundancy learnt in training, not only handled at selection. Each sentence is scored
 * given the sentences already selected, through two selection-state features
 * ({@link selectionFeatures}): the highest cosine similarity of its encoder vector to a selected
 * sentence (0 when none is) and how many are selected. They enter the hidden layer (a weight
 * [2 × hidden] added to its pre-activation) and the logit (a linear skip initialised at zero).
 * Training uses teacher forcing on the greedy oracle's order: a document whose oracle added o₁, …,
 * o_K gives the K + 1 states {o₁, …, o_s}, s = 0…K, and the loss is the binary cross-entropy of
 * "belongs to the oracle summary" over the sentences not yet selected in each state (mean over
 * them; with explicit `labels` the labelled sentences are taken in document order). Inference is
 * greedy: pick one sentence under the selection limits, recompute the state features from the
 * picks, score the rest again, repeat. The head's outputs are then [b, S, maxN, 2]: per state the
 * logits and the loss weight (1 for a real sentence not yet selected in a state the document
 * reached), so the dev loss is measured along the head's own picks. Predictions' `scores` are the
 * first step's (nothing selected), a selected sentence's `score` the one it was picked with;
 * {@link reselect} re-selects from the first step's scores (no re-scoring).
 *
 * Labels. `labels` (0/1 per sentence) when given, else the greedy ROUGE oracle of `oracle.ts`
 * against `summary` (as BertSumExt builds its labels), computed once per example object and cached
 * (`prepare()` computes them for the training set up front).
 *
 * Inference ({@link selectSentences}, one pick at a time in {@link GreedySelection}): sentences by
 * descending score, with trigram blocking (a candidate sharing a trigram with an already selected
 * sentence is skipped), up to a count (`sentences`), a fraction of the document (`ratio`) and/or a
 * word budget (`words`); returned in document order.
 *
 * Metrics: ROUGE-1, ROUGE-2, ROUGE-L, ROUGE-Lsum F × 100 (src/metrics, rouge-score compatible,
 * Porter stemming; best over several references).
 */
import { z } from 'zod';
import * as tf from '../utils/tf.js';
import { loadBbc } from '../data/bbc.js';
import { DataError, type LoadResult } from '../data/errors.js';
import { loadSciTldr } from '../data/scitldr.js';
import { splitSentences } from '../data/sentences.js';
import { genericSourceRows, isGenericFormat, requireField } from '../data/source.js';
import { inDevSplit } from '../data/split.js';
import { corpusRouge, tokenizeForRouge } from '../metrics/rouge.js';
import { Dense, dropout, gelu, type ForwardContext, type ParamStore } from '../nn/layers.js';
import { cosineSimilarity, pagerank } from '../baselines/summarization.js';
import { greedyOracle } from './oracle.js';
import type { FeatureLookup, MetricDirection, Task, TaskBatch, TaskSpec } from './types.js';
import { taskYaml } from './yaml.js';

export const SUMMARIZATION_TYPE = 'summarization';

export interface SummarizationExample {
  /** The document, split into sentences. */
  sentences: string[];
  /** Reference summary (its sentences joined by "\n"), or several references. */
  summary?: string | string[];
  /** 0/1 per sentence; computed by the oracle from `summary` when omitted. */
  labels?: number[];
  id?: string;
}

export interface SelectedSentence {
  text: string;
  /** Index in the document. */
  index: number;
  /** Model probability that the sentence belongs to the summary. */
  score: number;
}

export interface SummarizationPrediction {
  /** Selected sentences in document order, joined by "\n". */
  summary: string;
  /** Selected sentences in document order. */
  sentences: SelectedSentence[];
  /** Score of every scored sentence (the first `maxSentences`), for re-selection with other options. */
  scores: number[];
}

export interface SelectionOptions {
  /** Most sentences to select. Default 3 when neither `ratio` nor `words` is given. */
  sentences?: number;
  /** Most sentences as a fraction of the document's sentences: ⌈ratio · n⌉ (at least 1). */
  ratio?: number;
  /**
   * Word budget (whitespace-separated words): sentences are taken in score order while the total
   * stays within the budget, stopping at the first one that does not fit (the first selected
   * sentence is always taken).
   */
  words?: number;
  /** Skip a candidate sharing a trigram with an already selected sentence (default true). */
  trigramBlocking?: boolean;
}

export type SummarizationMetric = 'rouge1' | 'rouge2' | 'rougeL' | 'rougeLsum';

export interface SummarizationConfig {
  /** Task name (default 'summarization'). */
  name?: string;
  /** Hidden width of the sentence scorer. Default 128. */
  hidden?: number;
  /** Default 0.1. */
  dropout?: number;
  /** Sentences per document that are scored (the rest are never selected). Default 40. */
  maxSentences?: number;
  /** Most sentences the oracle selects for the labels. Default 3 (BertSumExt). */
  oracleSentences?: number;
  /** Default selection at inference. */
  inference?: SelectionOptions;
  /** Default 'rouge2'. */
  primaryMetric?: SummarizationMetric;
  /** Document-context features per sentence (see the module comment). Default none. */
  features?: SummarizationFeature[];
  /** 'conditional': score each sentence given those already selected (see the module comment). Default 'independent'. */
  selection?: SummarizationSelection;
}

export type SummarizationSelection = 'independent' | 'conditional';
export const SUMMARIZATION_SELECTIONS: readonly SummarizationSelection[] = ['independent', 'conditional'];

export type SummarizationFeature = 'textrank' | 'centrality' | 'redundancy';
export const SUMMARIZATION_FEATURES: readonly SummarizationFeature[] = ['textrank', 'centrality', 'redundancy'];

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
export function documentFeatures(vectors: readonly Float32Array[], names: readonly SummarizationFeature[], sim: number[][] = similarityMatrix(vectors)): number[][] {
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

export interface SummarizationBatch extends TaskBatch {
  /** Padded sentences per document (≥ 1). */
  maxN: number;
  /** Real (scored) sentences per document. */
  counts: number[];
  /** 1 for real sentences, 0 for padding, [size × maxN]. */
  mask: Float32Array;
  /** Position features and then the document-context features, [size × maxN × (POSITION_FEATURES + features)]. */
  positions: Float32Array;
  /** 0/1 oracle / gold labels [size × maxN] when hasTargets. */
  targets: Float32Array | null;
  /** The documents' sentences (for decoding). */
  documents: string[][];
  /** Conditional selection: each document's {@link similarityMatrix} of its scored sentences. */
  similarities: number[][][] | null;
  /**
   * Conditional selection with targets: the teacher-forced states (oracle prefixes), `steps` per
   * document (padded), state features [size × steps × maxN × SELECTION_FEATURES] and loss weights
   * [size × steps × maxN] (1 for a real sentence not selected in a state the document has).
   */
  states: { steps: number; features: Float32Array; weights: Float32Array } | null;
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

function checkSelection(o: SelectionOptions): void {
  if (o.sentences !== undefined && (!Number.isInteger(o.sentences) || o.sentences < 1)) throw new RangeError(`sentences must be a positive integer, got ${o.sentences}`);
  if (o.ratio !== undefined && !(o.ratio > 0 && o.ratio <= 1)) throw new RangeError(`ratio must be in (0, 1], got ${o.ratio}`);
  if (o.words !== undefined && (!Number.isInteger(o.words) || o.words < 1)) throw new RangeError(`words must be a positive integer, got ${o.words}`);
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
export function selectSentences(sentences: readonly string[], scores: readonly number[], options: SelectionOptions = {}): SelectedSentence[] {
  const g = new GreedySelection(sentences, scores.length, options);
  while (g.next(scores) !== null);
  return [...g.chosen].sort((a, b) => a - b).map((i) => ({ text: sentences[i] as string, index: i, score: scores[i] as number }));
}

/**
 * The same prediction with its sentences chosen again from the scores under other selection
 * options (trigram blocking on unless turned off).
 */
export function reselect(prediction: SummarizationPrediction, sentences: readonly string[], options: SelectionOptions): SummarizationPrediction {
  const picked = selectSentences(sentences, prediction.scores, { trigramBlocking: true, ...options });
  return { ...prediction, sentences: picked, summary: picked.map((x) => x.text).join('\n') };
}

export class SummarizationTask implements Task<SummarizationExample, SummarizationPrediction, SummarizationBatch> {
  readonly type = SUMMARIZATION_TYPE;
  readonly inputKind = 'set' as const;
  readonly lossKind = 'binary' as const;
  readonly metricDirections: Readonly<Record<string, MetricDirection>> = { rouge1: 'higher', rouge2: 'higher', rougeL: 'higher', rougeLsum: 'higher' };
  readonly name: string;
  readonly primaryMetric: SummarizationMetric;
  readonly hidden: number;
  readonly dropoutRate: number;
  readonly maxSentences: number;
  readonly oracleSentences: number;
  /** Selection used by `decode` (change it to predict with other limits). */
  inference: SelectionOptions;
  private readonly labelCache = new WeakMap<object, { labels: number[]; order: number[] }>();
  private readonly contextCache = new WeakMap<object, number[][]>();
  private readonly similarityCache = new WeakMap<object, number[][]>();
  private l1: Dense | null = null;
  private l2: Dense | null = null;
  private skip: tf.Variable | null = null;
  private stateHidden: tf.Variable | null = null;
  private stateSkip: tf.Variable | null = null;
  readonly features: readonly SummarizationFeature[];
  readonly selection: SummarizationSelection;

  constructor(config: SummarizationConfig = {}) {
    this.name = config.name ?? 'summarization';
    this.primaryMetric = config.primaryMetric ?? 'rouge2';
    if (!(this.primaryMetric in this.metricDirections)) throw new Error(`task "${this.name}": primaryMetric must be one of ${Object.keys(this.metricDirections).join(', ')}, got "${String(this.primaryMetric)}"`);
    this.hidden = config.hidden ?? 128;
    this.dropoutRate = config.dropout ?? 0.1;
    this.maxSentences = config.maxSentences ?? 40;
    this.oracleSentences = config.oracleSentences ?? 3;
    for (const [k, v] of [['hidden', this.hidden], ['maxSentences', this.maxSentences], ['oracleSentences', this.oracleSentences]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`task "${this.name}": ${k} must be a positive integer, got ${v}`);
    }
    this.inference = { trigramBlocking: true, ...(config.inference ?? {}) };
    checkSelection(this.inference);
    this.features = [...(config.features ?? [])];
    for (const f of this.features) if (!SUMMARIZATION_FEATURES.includes(f)) throw new Error(`task "${this.name}": unknown feature "${String(f)}" (known: ${SUMMARIZATION_FEATURES.join(', ')})`);
    if (new Set(this.features).size !== this.features.length) throw new Error(`task "${this.name}": a feature is listed twice`);
    this.selection = config.selection ?? 'independent';
    if (!SUMMARIZATION_SELECTIONS.includes(this.selection)) throw new Error(`task "${this.name}": selection must be one of ${SUMMARIZATION_SELECTIONS.join(', ')}, got "${String(this.selection)}"`);
  }

  /** Per-sentence features after the shared layers: position features, then document context. */
  private get sentenceFeatures(): number {
    return POSITION_FEATURES + this.features.length;
  }

  texts(e: SummarizationExample): string[] {
    return e.sentences.slice(0, this.maxSentences);
  }

  /**
   * 0/1 label per scored sentence (the first maxSentences): the given `labels`, else the greedy
   * oracle against `summary` (cached per example object); null when the example has neither.
   */
  labelsOf(e: SummarizationExample): number[] | null {
    return this.targetsOf(e)?.labels ?? null;
  }

  /** Labels and the order the summary's sentences were added in (explicit labels: document order). */
  private targetsOf(e: SummarizationExample): { labels: number[]; order: number[] } | null {
    const n = Math.min(e.sentences.length, this.maxSentences);
    if (e.labels) {
      if (e.labels.length < n) throw new Error(`task "${this.name}": example${e.id ? ` ${e.id}` : ''} has ${e.labels.length} labels for ${e.sentences.length} sentences`);
      const labels = e.labels.slice(0, n).map((y) => (y > 0 ? 1 : 0));
      return { labels, order: labels.flatMap((y, i) => (y ? [i] : [])) };
    }
    if (e.summary === undefined) return null;
    let cached = this.labelCache.get(e);
    if (!cached) {
      const r = greedyOracle(e.sentences, e.summary, { maxSentences: this.oracleSentences, limit: n });
      cached = { labels: r.labels.slice(0, n), order: r.order };
      this.labelCache.set(e, cached);
    }
    return cached;
  }

  /** Computes (and caches) the oracle labels of training examples that have none. */
  prepare(train: readonly SummarizationExample[]): void {
    for (const e of train) this.labelsOf(e);
  }

  /** Nothing to fit: the head can always be built. */
  isPrepared(): boolean {
    return true;
  }

  buildHead(store: ParamStore, inputDim: number, prefix: string): void {
    const opts = { group: 'task' as const, task: this.name };
    this.l1 = new Dense(store, `${prefix}.hidden`, 3 * inputDim + this.sentenceFeatures, this.hidden, opts);
    this.l2 = new Dense(store, `${prefix}.out`, this.hidden, 1, opts);
    if (this.features.length) this.skip = store.add(`${prefix}.side.weight`, [this.features.length, 1], 'zeros', { ...opts, decay: false });
    if (this.selection === 'conditional') {
      this.stateHidden = store.add(`${prefix}.selected.hidden`, [SELECTION_FEATURES, this.hidden], 'glorot', { ...opts, decay: true });
      this.stateSkip = store.add(`${prefix}.selected.skip`, [SELECTION_FEATURES, 1], 'zeros', { ...opts, decay: false });
    }
  }

  makeBatch(examples: readonly SummarizationExample[], features: FeatureLookup, dim: number): SummarizationBatch {
    const b = examples.length;
    const counts = examples.map((e) => Math.min(e.sentences.length, this.maxSentences));
    const maxN = Math.max(1, ...counts);
    const rows = new Float32Array(b * maxN * dim);
    const mask = new Float32Array(b * maxN);
    const P = this.sentenceFeatures;
    const positions = new Float32Array(b * maxN * P);
    const labels = examples.map((e) => this.labelsOf(e));
    const hasTargets = b > 0 && labels.every((l) => l !== null);
    const targets = hasTargets ? new Float32Array(b * maxN) : null;
    examples.forEach((e, d) => {
      const n = counts[d] as number;
      let context: number[][] | null = null;
      if (this.features.length) {
        // per example object (the vectors of its texts do not change while the task lives)
        context = this.contextCache.get(e) ?? documentFeatures(e.sentences.slice(0, n).map((s) => features(s)), this.features, this.similarityOf(e, n, features));
        this.contextCache.set(e, context);
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
    let similarities: number[][][] | null = null;
    let states: SummarizationBatch['states'] = null;
    if (this.selection === 'conditional') {
      similarities = examples.map((e, d) => this.similarityOf(e, counts[d] as number, features));
      if (hasTargets) states = this.teacherStates(examples.map((e) => (this.targetsOf(e) as { order: number[] }).order), similarities, counts, maxN);
    }
    return { rows, numRows: b * maxN, size: b, hasTargets, maxN, counts, mask, positions, targets, documents, similarities, states };
  }

  /** Cosine similarities of an example's first `n` sentences, computed once per example object (document features and selection states share them). */
  private similarityOf(e: SummarizationExample, n: number, features: FeatureLookup): number[][] {
    let sim = this.similarityCache.get(e);
    if (!sim) {
      sim = similarityMatrix(e.sentences.slice(0, n).map((s) => features(s)));
      this.similarityCache.set(e, sim);
    }
    return sim;
  }

  /** The oracle-prefix states of each document (teacher forcing; see {@link SummarizationBatch.states}). */
  private teacherStates(orders: readonly number[][], sims: readonly number[][][], counts: readonly number[], N: number): NonNullable<SummarizationBatch['states']> {
    const F = SELECTION_FEATURES;
    const steps = 1 + Math.max(0, ...orders.map((o) => o.length));
    const features = new Float32Array(orders.length * steps * N * F);
    const weights = new Float32Array(orders.length * steps * N);
    orders.forEach((order, d) => {
      for (let s = 0; s <= order.length; s++) {
        const chosen = order.slice(0, s);
        const f = selectionFeatures(sims[d] as number[][], chosen);
        for (let i = 0; i < (counts[d] as number); i++) {
          const r = (d * steps + s) * N + i;
          features.set(f[i] as number[], r * F);
          weights[r] = chosen.includes(i) ? 0 : 1;
        }
      }
    });
    return { steps, features, weights };
  }

  /**
   * Logits [size, maxN] (padding positions included; they are masked in the loss and ignored by
   * decode). Conditional selection: [size, S, maxN, 2], logits and loss weights of S selection
   * states, the oracle's prefixes in training and the head's own greedy picks at inference.
   */
  forward(H: tf.Tensor2D, batch: SummarizationBatch, ctx: ForwardContext): tf.Tensor {
    if (!this.l1 || !this.l2) throw new Error(`task "${this.name}": head not built`);
    const b = batch.size;
    const N = batch.maxN;
    const h = H.shape[1];
    const H3 = tf.reshape(H, [b, N, h]);
    const mask = tf.tensor3d(batch.mask, [b, N, 1]);
    const count = tf.maximum(tf.sum(mask, 1), 1); // [b, 1]
    const doc = tf.div(tf.sum(tf.mul(H3, mask), 1), count); // [b, h]
    const doc3 = tf.add(tf.zerosLike(H3), tf.expandDims(doc, 1)); // [b, N, h]
    const P = this.sentenceFeatures;
    const pos = tf.tensor3d(batch.positions, [b, N, P]);
    const f = tf.reshape(tf.concat([H3, doc3, tf.mul(H3, doc3), pos], 2), [b * N, 3 * h + P]) as tf.Tensor2D;
    const pre = this.l1.apply(f);
    const l2 = this.l2;
    const k = this.features.length;
    const sideLogit = this.skip // [b·N, 1]
      ? (tf.matMul(tf.slice(tf.reshape(pos, [b * N, P]), [0, POSITION_FEATURES], [b * N, k]) as tf.Tensor2D, this.skip) as tf.Tensor2D)
      : null;
    if (this.selection === 'independent') {
      const hid = dropout(gelu(pre), this.dropoutRate, ctx) as tf.Tensor2D;
      let y = l2.apply(hid);
      if (sideLogit) y = tf.add(y, sideLogit);
      return tf.reshape(y, [b, N]);
    }
    // conditional: logits [b, S, N] of S selection states (features [b × S × N × SELECTION_FEATURES])
    const score = (state: Float32Array, S: number): tf.Tensor3D => {
      const F = SELECTION_FEATURES;
      const st = tf.tensor2d(state.slice(), [b * S * N, F]); // a copy: greedy() updates its buffer
      const z = tf.add(tf.reshape(pre, [b, 1, N, this.hidden]), tf.reshape(tf.matMul(st, this.stateHidden as tf.Variable), [b, S, N, this.hidden]));
      const hid = dropout(gelu(tf.reshape(z, [b * S * N, this.hidden])), this.dropoutRate, ctx) as tf.Tensor2D;
      let y = tf.reshape(tf.add(l2.apply(hid), tf.matMul(st, this.stateSkip as tf.Variable)), [b, S, N]);
      if (sideLogit) y = tf.add(y, tf.reshape(sideLogit, [b, 1, N]));
      return y as tf.Tensor3D;
    };
    if (ctx.training) {
      if (!batch.states) throw new Error(`task "${this.name}": conditional selection trains on labelled batches only`);
      const { steps, features, weights } = batch.states;
      return tf.stack([score(features, steps), tf.tensor3d(weights, [b, steps, N])], 3);
    }
    return this.greedy(batch, score);
  }

  /**
   * Conditional inference: every document picks one sentence per step ({@link GreedySelection},
   * by logit) and is scored again given its picks, until all are complete; [b, S, N, 2] as in
   * training, the states being the head's own picks.
   */
  private greedy(batch: SummarizationBatch, score: (state: Float32Array, S: number) => tf.Tensor3D): tf.Tensor {
    const { size: b, maxN: N, counts } = batch;
    const F = SELECTION_FEATURES;
    const sims = batch.similarities as number[][][];
    const selections = batch.documents.map((doc, d) => new GreedySelection(doc, counts[d] as number, this.inference));
    const active = selections.map(() => true);
    const state = new Float32Array(b * N * F);
    const logits: tf.Tensor[] = [];
    const weights: tf.Tensor[] = [];
    do {
      const w = new Float32Array(b * N);
      selections.forEach((g, d) => {
        if (active[d]) for (let i = 0; i < (counts[d] as number); i++) w[d * N + i] = g.chosen.includes(i) ? 0 : 1;
      });
      const y = score(state, 1); // [b, 1, N]
      logits.push(y);
      weights.push(tf.tensor3d(w, [b, 1, N]));
      const values = y.dataSync();
      selections.forEach((g, d) => {
        if (!active[d]) return;
        if (g.next(values.subarray(d * N, d * N + (counts[d] as number))) === null) active[d] = false;
        else selectionFeatures(sims[d] as number[][], g.chosen).forEach((f, i) => state.set(f, (d * N + i) * F));
      });
    } while (active.some(Boolean));
    return tf.stack([tf.concat(logits, 1), tf.concat(weights, 1)], 3);
  }

  /**
   * Binary cross-entropy with logits, mean over the real sentences of the batch (conditional: over
   * the weighted sentences of every state, against the same labels).
   */
  loss(outputs: tf.Tensor, batch: SummarizationBatch): tf.Scalar {
    if (!batch.targets) throw new Error(`task "${this.name}": batch has no labels (give examples a summary or labels)`);
    const shape: [number, number] = [batch.size, batch.maxN];
    let y: tf.Tensor = tf.tensor2d(batch.targets, shape);
    let m: tf.Tensor = tf.tensor2d(batch.mask, shape);
    let logits = outputs;
    if (this.selection === 'conditional') {
      const [lg, w] = tf.unstack(outputs, 3);
      logits = lg as tf.Tensor;
      m = w as tf.Tensor;
      y = tf.expandDims(y, 1);
    }
    // max(x, 0) − x·y + log(1 + e^(−|x|)), numerically stable
    const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, y)), tf.log(tf.add(1, tf.exp(tf.neg(tf.abs(logits))))));
    return tf.div(tf.sum(tf.mul(bce, m)), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
  }

  /** Sentence probabilities of each document (its scored sentences only; conditional: the first step's). */
  scores(outputs: tf.Tensor, batch: SummarizationBatch): number[][] {
    const p = tf.tidy(() => tf.sigmoid(this.selection === 'conditional' ? tf.slice(outputs, [0, 0, 0, 0], [-1, 1, -1, 1]) : outputs));
    const data = p.dataSync();
    p.dispose();
    return batch.counts.map((n, d) => Array.from(data.subarray(d * batch.maxN, d * batch.maxN + n)));
  }

  decode(outputs: tf.Tensor, batch: SummarizationBatch): SummarizationPrediction[] {
    if (this.selection === 'conditional') return this.decodeSteps(outputs, batch);
    return this.scores(outputs, batch).map((scores, d) => {
      const doc = batch.documents[d] as string[];
      const picked = selectSentences(doc, scores, this.inference);
      return { summary: picked.map((s) => s.text).join('\n'), sentences: picked, scores };
    });
  }

  /** Conditional: replays the greedy picks of {@link greedy} from the logits of each step. */
  private decodeSteps(outputs: tf.Tensor, batch: SummarizationBatch): SummarizationPrediction[] {
    const [, S, N] = outputs.shape as [number, number, number, number];
    const logits = tf.tidy(() => tf.squeeze(tf.slice(outputs, [0, 0, 0, 0], [-1, -1, -1, 1]), [3]));
    const probs = tf.sigmoid(logits);
    const [x, p] = [logits.dataSync(), probs.dataSync()];
    tf.dispose([logits, probs]);
    return batch.documents.map((doc, d) => {
      const n = batch.counts[d] as number;
      const row = (s: number) => (d * S + s) * N;
      const g = new GreedySelection(doc, n, this.inference);
      for (let s = 0; s < S && g.next(x.subarray(row(s), row(s) + n)) !== null; s++);
      const picked = g.chosen
        .map((i, s) => ({ text: doc[i] as string, index: i, score: p[row(s) + i] as number }))
        .sort((a, b) => a.index - b.index);
      return { summary: picked.map((t) => t.text).join('\n'), sentences: picked, scores: Array.from(p.subarray(row(0), row(0) + n)) };
    });
  }

  /** Reference(s) of an example: `summary`, else its labelled sentences joined by "\n". */
  static reference(e: SummarizationExample): string | string[] {
    if (e.summary !== undefined) return e.summary;
    if (e.labels) return e.sentences.filter((_, i) => (e.labels as number[])[i]).join('\n');
    throw new Error('summarization example has neither a summary nor labels');
  }

  /** ROUGE-1/2/L/Lsum F × 100, mean over documents (best reference per type). */
  metrics(gold: readonly SummarizationExample[], pred: readonly SummarizationPrediction[]): Record<string, number> {
    if (gold.length !== pred.length) throw new Error(`task "${this.name}": ${gold.length} gold examples but ${pred.length} predictions`);
    if (gold.length === 0) return {};
    const r = corpusRouge(gold.map((e, i) => ({ prediction: (pred[i] as SummarizationPrediction).summary, reference: SummarizationTask.reference(e) })));
    return { rouge1: r.rouge1.f, rouge2: r.rouge2.f, rougeL: r.rougeL.f, rougeLsum: r.rougeLsum.f };
  }

  toSpec(): TaskSpec {
    return {
      type: this.type,
      name: this.name,
      config: {
        hidden: this.hidden,
        dropout: this.dropoutRate,
        maxSentences: this.maxSentences,
        oracleSentences: this.oracleSentences,
        inference: { ...this.inference },
        primaryMetric: this.primaryMetric,
        features: [...this.features],
        selection: this.selection,
      },
    };
  }

  static fromSpec(spec: TaskSpec): SummarizationTask {
    const c = spec.config as SummarizationConfig;
    const cfg: SummarizationConfig = { name: spec.name };
    if (c.hidden !== undefined) cfg.hidden = c.hidden;
    if (c.dropout !== undefined) cfg.dropout = c.dropout;
    if (c.maxSentences !== undefined) cfg.maxSentences = c.maxSentences;
    if (c.oracleSentences !== undefined) cfg.oracleSentences = c.oracleSentences;
    if (c.inference !== undefined) cfg.inference = c.inference;
    if (c.primaryMetric !== undefined) cfg.primaryMetric = c.primaryMetric;
    if (c.features !== undefined) cfg.features = c.features; // saved before the option: none
    if (c.selection !== undefined) cfg.selection = c.selection; // saved before the option: independent
    return new SummarizationTask(cfg);
  }
}

export function summarizationTask(config: SummarizationConfig = {}): SummarizationTask {
  return new SummarizationTask(config);
}

/**
 * Summarization in a task YAML: `loss: binary-cross-entropy`, optional `inference` defaults
 * (sentences, ratio, words, trigramBlocking); data from BBC News Summary, SciTLDR or a generic
 * file with `text` (sentence-split) and `summary` (optional `id`). A source's
 * `split: { part, devFraction }` keeps the documents whose id hashes below devFraction for `dev`.
 */
export const summarizationYaml = taskYaml({
  loss: 'binary-cross-entropy',
  options: z.object({
    /** Inference defaults. */
    inference: z
      .object({
        sentences: z.number().int().positive().optional(),
        ratio: z.number().gt(0).lte(1).optional(),
        words: z.number().int().positive().optional(),
        trigramBlocking: z.boolean().default(true),
      })
      .strict()
      .optional(),
    /**
     * Document context per sentence from the encoder vectors (`textrank`, `centrality`,
     * `redundancy`); `selection: conditional` scores each sentence given those already selected.
     */
    input: z
      .object({
        features: z.array(z.enum(SUMMARIZATION_FEATURES as [SummarizationFeature, ...SummarizationFeature[]])).default([]),
        selection: z.enum(SUMMARIZATION_SELECTIONS as [SummarizationSelection, ...SummarizationSelection[]]).default('independent'),
      })
      .strict()
      .optional(),
  }),
  fields: ['text', 'summary'],
  create: (config) => {
    const inference: SelectionOptions = {};
    const inf = config.inference;
    if (inf?.sentences !== undefined) inference.sentences = inf.sentences;
    if (inf?.ratio !== undefined) inference.ratio = inf.ratio;
    if (inf?.words !== undefined) inference.words = inf.words;
    inference.trigramBlocking = inf?.trigramBlocking ?? true;
    return new SummarizationTask({
      name: config.name,
      hidden: config.head.hidden,
      dropout: config.head.dropout,
      primaryMetric: config.primaryMetric as SummarizationMetric,
      inference,
      // the oracle labels as many sentences as inference selects by count (BertSumExt: 3)
      ...(inf?.sentences !== undefined ? { oracleSentences: inf.sentences } : {}),
      ...(config.input ? { features: config.input.features, selection: config.input.selection } : {}),
    });
  },
  load: (_config, path, source) => {
    let res: LoadResult<SummarizationExample>;
    if (source.format === 'bbc') {
      const r = loadBbc(path, { mode: source.mode });
      res = { ...r, rows: r.rows.map((x) => ({ sentences: x.sentences, summary: x.summarySentences.join('\n'), id: x.id })) };
    } else if (source.format === 'scitldr') {
      const r = loadSciTldr(path, { mode: source.mode });
      res = { ...r, rows: r.rows.map((x) => ({ sentences: x.source, summary: x.targets, id: x.id })) };
    } else if (isGenericFormat(source.format)) {
      const r = genericSourceRows(path, source);
      res = {
        ...r,
        rows: r.rows.map((x, i) => {
          const e: SummarizationExample = { sentences: splitSentences(String(requireField(x, 'text', path, i))), summary: String(requireField(x, 'summary', path, i)) };
          if (x.id !== undefined) e.id = String(x.id);
          return e;
        }),
      };
    } else throw new DataError(path, undefined, `task "summarization" cannot read format "${source.format}" (bbc, scitldr, csv, tsv, jsonl)`);
    if (source.split) {
      const { part, devFraction } = source.split;
      res = { ...res, rows: res.rows.filter((e, i) => inDevSplit(e.id ?? String(i), devFraction) === (part === 'dev')) };
    }
    return res;
  },
});
