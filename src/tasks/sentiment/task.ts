/**
 * Sentiment (./config.ts: types and options; ./yaml.ts: its task-YAML declaration): n-class sentence classification (binary SST-2 `[negative, positive]`, 3-class tweets
 * `[negative, neutral, positive]`), softmax cross-entropy over a fixed label map.
 *
 * Built on the generic {@link ClassificationTask} (head, batches, loss are its own); this task adds
 * the label-map checks, the prediction shape `{ label, score, probabilities }`, metrics from
 * src/metrics (accuracy, macro-F1) and a confusion matrix for reports.
 *
 * A label outside the label map is an error (in `prepare`, `makeBatch` and `metrics`), never a new
 * class. Without a configured label map, `prepare` infers one from the training data (sorted).
 *
 * Optional side feature (`features: [lexicon]`): the AFINN lexicon score of the text (the `lexicon`
 * baseline's score), standardised with the training mean and std (saved in the spec), appended to
 * the shared representation before the head and added to the logits through a linear skip
 * initialised with the linear discriminant of the feature (class means over the within-class
 * variance), so training starts from the feature's own classifier.
 *
 * Pooling (`pooling: attention`): besides the sentence vector that goes through the shared layers, the
 * head pools the encoder's token states itself with learned additive attention (nn/layers.ts
 * `AttentionPooling`; it starts as the mean over the real tokens) and reads [shared representation,
 * attention-pooled states, side features]. Needs an encoder with token states (`encodeTokens`).
 */
import * as tf from '../../utils/tf.js';
import { lexiconScore } from '../../baselines/sentiment.js';
import { accuracy, confusionMatrix, macroF1, perClassScores } from '../../metrics/classification.js';
import { AttentionPooling, dropout, type ForwardContext } from '../../nn/layers.js';
import { type ParamStore } from '../../nn/params.js';
import { ClassificationTask, type ClassificationBatch, type ClassificationConfig, type Label } from '../classification.js';
import { parseTaskOptions } from '../options.js';
import { discriminant, fitStandardiser, standardise, type FeatureStats } from '../side-features.js';
import {
  packTokenStates,
  textExample,
  type EncoderInput,
  type FeatureLookup,
  type MetricDirection,
  type Task,
  type TaskSpec,
  type TokenLookup,
} from '../types.js';
import {
  SENTIMENT_TYPE,
  SentimentOptions,
  type ConfusionReport,
  type SentimentBatch,
  type SentimentConfig,
  type SentimentExample,
  type SentimentFeature,
  type SentimentMetric,
  type SentimentPooling,
  type SentimentPrediction,
} from './config.js';
import { UserError } from '../../errors.js';

export class SentimentTask implements Task<SentimentExample, SentimentPrediction, SentimentBatch> {
  readonly type = SENTIMENT_TYPE;
  readonly inputKind = 'single' as const;
  readonly lossKind = 'classification' as const;
  readonly metricDirections: Readonly<Record<string, MetricDirection>> = { accuracy: 'higher', macro_f1: 'higher' };
  readonly name: string;
  readonly primaryMetric: SentimentMetric;
  /** The generic classifier doing the work. */
  readonly inner: ClassificationTask;
  readonly features: readonly SentimentFeature[];
  featureStats: FeatureStats | null;
  readonly pooling: SentimentPooling;
  readonly attentionDim: number;
  private skip: tf.Variable | null = null;
  private skipInit: Float32Array | null = null;
  private attention: AttentionPooling | null = null;

  constructor(config: SentimentConfig = {}) {
    const o = parseTaskOptions(SentimentOptions, config, config.name ?? 'sentiment');
    this.name = o.name;
    this.primaryMetric = o.primaryMetric;
    const inner: ClassificationConfig = { name: this.name, hidden: o.hidden, dropout: o.dropout };
    if (o.labels) inner.labels = o.labels;
    this.inner = new ClassificationTask(inner);
    this.features = o.features;
    this.featureStats = o.featureStats ?? (this.features.length === 0 ? { mean: [], std: [] } : null);
    this.pooling = o.pooling;
    this.attentionDim = o.attentionDim;
  }

  private rawFeatures(e: SentimentExample): number[] {
    return this.features.map(() => lexiconScore(e.text));
  }

  /** Standardised side features of one example. */
  sideFeatures(e: SentimentExample): number[] {
    return standardise(this.rawFeatures(e), this.featureStats);
  }

  /** The label map (index → label), or null before `prepare` when none was configured. */
  get labels(): Label[] | null {
    return this.inner.labels;
  }

  get numClasses(): number {
    return this.inner.numClasses;
  }

  encoderInputs(e: SentimentExample): EncoderInput[] {
    return [e.text];
  }

  /** A text → `{ text }`; an example object as it is. */
  toExample(input: unknown): SentimentExample {
    return textExample(input, this.name);
  }

  tokenTexts(e: SentimentExample): string[] {
    return this.pooling === 'attention' ? [e.text] : [];
  }

  /** Infer the label map when not configured; check every labelled example against it. */
  prepare(train: readonly SentimentExample[]): void {
    this.inner.prepare(train);
    this.checkLabels(train);
    if (this.featureStats === null)
      this.featureStats = fitStandardiser(
        train.map((e) => this.rawFeatures(e)),
        this.features.length,
      );
    const k = this.features.length;
    const C = this.inner.numClasses;
    // the linear discriminant of the features starts the skip from the logits (see the file comment)
    if (k && C > 0)
      this.skipInit = discriminant(
        train.map((e) => (e.label === undefined ? null : { c: this.labelIndex(e.label), x: this.sideFeatures(e) })),
        k,
        C,
      );
  }

  /** Throws when an example's label is not in the label map (no silent new class). */
  checkLabels(examples: readonly SentimentExample[]): void {
    const bad = new Map<string, number>();
    let first = -1;
    examples.forEach((e, i) => {
      if (e.label === undefined) return;
      try {
        this.inner.labelIndex(e.label);
      } catch {
        if (first < 0) first = i;
        bad.set(String(e.label), (bad.get(String(e.label)) ?? 0) + 1);
      }
    });
    if (bad.size > 0) {
      const list = [...bad].map(([l, c]) => `${JSON.stringify(l)} ×${c}`).join(', ');
      throw new UserError(
        `task "${this.name}": labels outside the label map ${JSON.stringify(this.labels)}: ${list} (first at example ${first})`,
      );
    }
  }

  isPrepared(): boolean {
    return this.inner.isPrepared() && this.featureStats !== null;
  }

  labelIndex(label: Label): number {
    return this.inner.labelIndex(label);
  }

  buildHead(store: ParamStore, inputDim: number, prefix: string, encoderDim?: number): void {
    let pooledDim = 0;
    if (this.pooling === 'attention') {
      if (!encoderDim) throw new Error(`task "${this.name}": attention pooling needs the encoder's width (buildHead's encoderDim)`);
      this.attention = new AttentionPooling(store, `${prefix}.attention`, encoderDim, this.attentionDim, {
        group: 'task',
        task: this.name,
      });
      pooledDim = encoderDim;
    }
    this.inner.buildHead(store, inputDim + pooledDim + this.features.length, prefix);
    // side features also reach the logits linearly (wide & deep), so one scalar is not drowned
    const k = this.features.length;
    if (k)
      this.skip = store.add(`${prefix}.side.weight`, [k, this.inner.numClasses], this.skipInit ?? 'zeros', {
        group: 'task',
        task: this.name,
        decay: false,
      });
  }

  makeBatch(examples: readonly SentimentExample[], features: FeatureLookup, dim: number, tokens?: TokenLookup): SentimentBatch {
    const k = this.features.length;
    const side = new Float32Array(examples.length * k);
    if (k) examples.forEach((e, i) => side.set(this.sideFeatures(e), i * k));
    const batch: SentimentBatch = { ...this.inner.makeBatch(examples, features, dim), side };
    if (this.pooling === 'attention') {
      if (!tokens) throw new Error(`task "${this.name}": attention pooling needs token states (makeBatch without a token lookup)`);
      batch.tokens = packTokenStates(
        examples.map((e) => e.text),
        tokens,
        dim,
      );
    }
    return batch;
  }

  forward(H: tf.Tensor2D, batch: SentimentBatch, ctx: ForwardContext): tf.Tensor {
    const k = this.features.length;
    const parts: tf.Tensor2D[] = [H];
    if (this.attention) {
      const t = batch.tokens;
      if (!t) throw new Error(`task "${this.name}": the batch has no token states for attention pooling`);
      const x = t.read ? t.read() : tf.tensor3d(t.states, [batch.size, t.maxLen, t.dim]);
      const pooled = this.attention.apply(x, tf.tensor2d(t.mask, [batch.size, t.maxLen]));
      parts.push(dropout(pooled, this.inner.dropoutRate, ctx) as tf.Tensor2D);
    }
    const side = k ? tf.tensor2d(batch.side, [batch.size, k]) : null;
    if (side) parts.push(side);
    const logits = this.inner.forward(parts.length > 1 ? (tf.concat(parts, 1) as tf.Tensor2D) : H, batch, ctx);
    return side && this.skip ? tf.add(logits, tf.matMul(side, this.skip)) : logits;
  }

  loss(logits: tf.Tensor, batch: ClassificationBatch): tf.Scalar {
    return this.inner.loss(logits, batch);
  }

  decode(logits: tf.Tensor, batch: ClassificationBatch): SentimentPrediction[] {
    const labels = this.labels as Label[];
    return this.inner.decode(logits, batch).map((p) => {
      const probabilities: Record<string, number> = {};
      labels.forEach((l, c) => (probabilities[String(l)] = p.probs[c] as number));
      return { label: p.label, score: p.probs[p.index] as number, probabilities, index: p.index };
    });
  }

  private ids(gold: readonly SentimentExample[], pred: readonly SentimentPrediction[]): { g: number[]; p: number[] } {
    if (gold.length !== pred.length) throw new Error(`task "${this.name}": ${gold.length} gold examples but ${pred.length} predictions`);
    const g = gold.map((e, i) => {
      if (e.label === undefined) throw new UserError(`task "${this.name}": example ${i} has no gold label; evaluate on labelled examples`);
      return this.labelIndex(e.label);
    });
    const p = pred.map((x) => this.labelIndex(x.label));
    return { g, p };
  }

  /** accuracy and macro-F1 (scikit-learn's macro average over the classes present in gold or predictions). */
  metrics(gold: readonly SentimentExample[], pred: readonly SentimentPrediction[]): Record<string, number> {
    if (gold.length === 0) return {};
    const { g, p } = this.ids(gold, pred);
    return { accuracy: accuracy(g, p), macro_f1: macroF1(g, p, this.numClasses) };
  }

  /** Confusion matrix (rows gold, columns predicted, in label-map order) and per-class scores. */
  confusion(gold: readonly SentimentExample[], pred: readonly SentimentPrediction[]): ConfusionReport {
    const { g, p } = this.ids(gold, pred);
    const labels = (this.labels as Label[]).map(String);
    return {
      labels,
      matrix: confusionMatrix(g, p, this.numClasses),
      perClass: perClassScores(g, p, this.numClasses).map((s, c) => ({ ...s, label: labels[c] as string })),
    };
  }

  toSpec(): TaskSpec {
    const inner = this.inner.toSpec().config;
    return {
      type: this.type,
      name: this.name,
      config: {
        ...inner,
        primaryMetric: this.primaryMetric,
        features: [...this.features],
        featureStats: this.featureStats,
        pooling: this.pooling,
        attentionDim: this.attentionDim,
      },
    };
  }

  /** The task a saved spec describes (its config is the task's options). */
  static fromSpec(spec: TaskSpec): SentimentTask {
    return new SentimentTask({ ...(spec.config as SentimentConfig), name: spec.name });
  }
}

export function sentimentTask(config: SentimentConfig = {}): SentimentTask {
  return new SentimentTask(config);
}
