/**
 * The extractive summarization task (input kind `set`; the model is described in ./index.ts):
 * labels from the oracle, batches of padded documents, the sentence scorer shared by both heads
 * (./heads.ts), decoding under per-call selection options, ROUGE metrics and its spec.
 */
import * as tf from '../../utils/tf.js';
import { splitSentences } from '../../data/sentences.js';
import { corpusRouge } from '../../metrics/rouge.js';
import { Dense, type ForwardContext } from '../../nn/layers.js';
import { type ParamStore } from '../../nn/params.js';
import { greedyOracle } from '../oracle.js';
import { parseTaskOptions } from '../options.js';
import type { CallOptions, EncoderInput, FeatureLookup, MetricDirection, Task, TaskSpec } from '../types.js';
import {
  SelectionOptionsSchema,
  SummarizationOptions,
  type SelectionOptions,
  type SummarizationBatch,
  type SummarizationConfig,
  type SummarizationExample,
  type SummarizationFeature,
  type SummarizationMetric,
  type SummarizationPrediction,
  type SummarizationSelection,
} from './config.js';
import { documentFeatures, POSITION_FEATURES, positionFeatures, similarityMatrix } from './features.js';
import { ConditionalHead, IndependentHead, probabilities, type SentenceHead } from './heads.js';
import { checkSelection } from './selection.js';
import { UserError } from '../../errors.js';

export const SUMMARIZATION_TYPE = 'summarization';

export class SummarizationTask implements Task<SummarizationExample, SummarizationPrediction, SummarizationBatch> {
  readonly type = SUMMARIZATION_TYPE;
  readonly inputKind = 'set' as const;
  readonly lossKind = 'binary' as const;
  readonly metricDirections: Readonly<Record<string, MetricDirection>> = {
    rouge1: 'higher',
    rouge2: 'higher',
    rougeL: 'higher',
    rougeLsum: 'higher',
  };
  readonly name: string;
  readonly primaryMetric: SummarizationMetric;
  readonly hidden: number;
  readonly dropoutRate: number;
  readonly maxSentences: number;
  readonly oracleSentences: number;
  /** Default selection of `decode` (a `predict` call's `selection` overrides it for that call). */
  inference: SelectionOptions;
  readonly features: readonly SummarizationFeature[];
  readonly selection: SummarizationSelection;
  private readonly head: SentenceHead;
  private readonly labelCache = new WeakMap<object, { labels: number[]; order: number[] }>();
  private readonly contextCache = new WeakMap<object, number[][]>();
  private readonly similarityCache = new WeakMap<object, number[][]>();
  private l1: Dense | null = null;
  private l2: Dense | null = null;
  private skip: tf.Variable | null = null;

  constructor(config: SummarizationConfig = {}) {
    const o = parseTaskOptions(SummarizationOptions, config, config.name ?? 'summarization');
    this.name = o.name;
    this.primaryMetric = o.primaryMetric;
    this.hidden = o.hidden;
    this.dropoutRate = o.dropout;
    this.maxSentences = o.maxSentences;
    this.oracleSentences = o.oracleSentences;
    this.inference = o.inference;
    checkSelection(this.inference);
    this.features = o.features;
    this.selection = o.selection;
    this.head = this.selection === 'conditional' ? new ConditionalHead() : new IndependentHead();
  }

  /** Per-sentence features after the shared layers: position features, then document context. */
  private get sentenceFeatures(): number {
    return POSITION_FEATURES + this.features.length;
  }

  encoderInputs(e: SummarizationExample): EncoderInput[] {
    return e.sentences.slice(0, this.maxSentences);
  }

  /** A document as a string (split into sentences), its sentences, or `{ sentences }`. */
  toExample(input: unknown): SummarizationExample {
    if (typeof input === 'string') return { sentences: splitSentences(input) };
    if (Array.isArray(input)) return { sentences: input.map(String) };
    if (input && typeof input === 'object' && Array.isArray((input as SummarizationExample).sentences))
      return input as SummarizationExample;
    throw new UserError(
      `task "${this.name}": a document is a string, its sentences, or { sentences }, got ${JSON.stringify(input)?.slice(0, 80)}`,
    );
  }

  /** A call's `selection` (sentences, ratio, words, trigramBlocking) over the task's `inference` defaults. */
  decodeOptions(call: CallOptions): SelectionOptions {
    const { selection, ...rest } = call;
    const unknown = Object.keys(rest);
    if (unknown.length)
      throw new UserError(
        `task "${this.name}": unknown prediction option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: selection)`,
      );
    if (selection === undefined) return this.inference;
    const r = SelectionOptionsSchema.safeParse(selection);
    if (!r.success)
      throw new UserError(
        `task "${this.name}": selection: ${r.error.issues.map((i) => `${i.path.join('.') || 'selection'}: ${i.message}`).join('; ')}`,
      );
    const merged = { ...this.inference, ...r.data };
    checkSelection(merged);
    return merged;
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
      if (e.labels.length < n)
        throw new UserError(
          `task "${this.name}": example${e.id ? ` ${e.id}` : ''} has ${e.labels.length} labels for ${e.sentences.length} sentences`,
        );
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
    this.head.build(store, prefix, opts, this.hidden);
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
        context =
          this.contextCache.get(e) ??
          documentFeatures(
            e.sentences.slice(0, n).map((s) => features(s)),
            this.features,
            this.similarityOf(e, n, features),
          );
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
    const orders = hasTargets ? examples.map((e) => (this.targetsOf(e) as { order: number[] }).order) : null;
    const extras = this.head.extras(
      orders,
      () => examples.map((e, d) => this.similarityOf(e, counts[d] as number, features)),
      counts,
      maxN,
    );
    return { rows, numRows: b * maxN, size: b, hasTargets, maxN, counts, mask, positions, targets, documents, ...extras };
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

  /** The selection a batch decodes with: its call's options, else the task's `inference`. */
  private selectionOf(batch: SummarizationBatch): SelectionOptions {
    return (batch.decodeOptions as SelectionOptions | undefined) ?? this.inference;
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
    const k = this.features.length;
    const side = this.skip // [b·N, 1]
      ? (tf.matMul(tf.slice(tf.reshape(pos, [b * N, P]), [0, POSITION_FEATURES], [b * N, k]) as tf.Tensor2D, this.skip) as tf.Tensor2D)
      : null;
    return this.head.forward(pre, side, batch, ctx, this.selectionOf(batch), {
      out: this.l2,
      hidden: this.hidden,
      dropoutRate: this.dropoutRate,
      name: this.name,
    });
  }

  /**
   * Binary cross-entropy with logits, mean over the real sentences of the batch (conditional: over
   * the weighted sentences of every state, against the same labels).
   */
  loss(outputs: tf.Tensor, batch: SummarizationBatch): tf.Scalar {
    if (!batch.targets) throw new UserError(`task "${this.name}": batch has no labels (give examples a summary or labels)`);
    const { logits, weights: m, labels: y } = this.head.lossTerms(outputs, batch);
    // max(x, 0) − x·y + log(1 + e^(−|x|)), numerically stable
    const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, y)), tf.log(tf.add(1, tf.exp(tf.neg(tf.abs(logits))))));
    return tf.div(tf.sum(tf.mul(bce, m)), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
  }

  /** Sentence probabilities of each document (its scored sentences only; conditional: the first step's). */
  scores(outputs: tf.Tensor, batch: SummarizationBatch): number[][] {
    return probabilities(() => this.head.firstLogits(outputs), batch);
  }

  decode(outputs: tf.Tensor, batch: SummarizationBatch): SummarizationPrediction[] {
    return this.head.decode(outputs, batch, this.selectionOf(batch));
  }

  /** Reference(s) of an example: `summary`, else its labelled sentences joined by "\n". */
  static reference(e: SummarizationExample): string | string[] {
    if (e.summary !== undefined) return e.summary;
    if (e.labels) return e.sentences.filter((_, i) => (e.labels as number[])[i]).join('\n');
    throw new UserError('summarization example has neither a summary nor labels');
  }

  /** ROUGE-1/2/L/Lsum F × 100, mean over documents (best reference per type). */
  metrics(gold: readonly SummarizationExample[], pred: readonly SummarizationPrediction[]): Record<string, number> {
    if (gold.length !== pred.length) throw new Error(`task "${this.name}": ${gold.length} gold examples but ${pred.length} predictions`);
    if (gold.length === 0) return {};
    const r = corpusRouge(
      gold.map((e, i) => ({ prediction: (pred[i] as SummarizationPrediction).summary, reference: SummarizationTask.reference(e) })),
    );
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

  /** The task a saved spec describes (its config is the task's options). */
  static fromSpec(spec: TaskSpec): SummarizationTask {
    return new SummarizationTask({ ...(spec.config as SummarizationConfig), name: spec.name });
  }
}

export function summarizationTask(config: SummarizationConfig = {}): SummarizationTask {
  return new SummarizationTask(config);
}
