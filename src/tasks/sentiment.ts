/**
 * Sentiment: n-class sentence classification (binary SST-2 `[negative, positive]`, 3-class tweets
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
 * variance), so training starts from the feature's own classifier. Specs saved before the option load without features.
 *
 * Pooling (`pooling: attention`): besides the sentence vector that goes through the shared layers, the
 * head pools the encoder's token states itself with learned additive attention (nn/layers.ts
 * `AttentionPooling`; it starts as the mean over the real tokens) and reads [shared representation,
 * attention-pooled states, side features]. Needs an encoder with token states (`encodeTokens`).
 * Specs saved before the option load with `pooling: 'mean'` (the sentence vector only).
 */
import { z } from 'zod';
import { DataError, type LoadResult } from '../data/errors.js';
import { genericSourceRows, isGenericFormat, requireField } from '../data/source.js';
import { loadSst2 } from '../data/sst2.js';
import { loadXlmt } from '../data/xlmt.js';
import * as tf from '../utils/tf.js';
import { lexiconScore } from '../baselines/sentiment.js';
import { accuracy, confusionMatrix, macroF1, perClassScores, type ClassScores } from '../metrics/classification.js';
import { AttentionPooling, dropout, type ForwardContext, type ParamStore } from '../nn/layers.js';
import { ClassificationTask, type ClassificationBatch, type ClassificationConfig, type Label } from './classification.js';
import type { FeatureLookup, MetricDirection, Task, TaskSpec, TokenLookup } from './types.js';
import { taskYaml } from './yaml.js';

export const SENTIMENT_TYPE = 'sentiment';

export interface SentimentExample {
  text: string;
  /** Gold label (must be in the label map); omit for prediction. */
  label?: Label;
}

export interface SentimentPrediction {
  label: Label;
  /** Probability of the predicted label. */
  score: number;
  /** Probability of every label, keyed by label. */
  probabilities: Record<string, number>;
  /** Index of the predicted label in the label map. */
  index: number;
}

export type SentimentMetric = 'accuracy' | 'macro_f1';

export interface SentimentConfig {
  /** Task name (default 'sentiment'). */
  name?: string;
  /** Label map, in class-index order. Inferred (sorted) from the training data when omitted. */
  labels?: Label[];
  /** Hidden layer before the softmax (0 = linear head). Default 128. */
  hidden?: number;
  /** Dropout after the hidden layer. Default 0.1. */
  dropout?: number;
  /** Default 'accuracy'. */
  primaryMetric?: SentimentMetric;
  /** Side features appended before the head. Default none. */
  features?: SentimentFeature[];
  /** Their standardisation; fitted on the training data when omitted. */
  featureStats?: { mean: number[]; std: number[] };
  /**
   * 'mean' (default): the head reads the encoder's sentence vector (after the shared layers) only;
   * 'attention': it also pools the token states with learned attention.
   */
  pooling?: SentimentPooling;
  /** Width of the attention scorer (pooling 'attention'). Default 64. */
  attentionDim?: number;
}

export type SentimentPooling = 'mean' | 'attention';
export const SENTIMENT_POOLINGS: readonly SentimentPooling[] = ['mean', 'attention'];

export type SentimentFeature = 'lexicon';
export const SENTIMENT_FEATURES: readonly SentimentFeature[] = ['lexicon'];

/** A classification batch plus the standardised side features [size × features] and, with attention pooling, the token states. */
export interface SentimentBatch extends ClassificationBatch {
  side: Float32Array;
  /** Pooling 'attention': token states [size, maxLen, dim] (zero at padding) and the mask [size, maxLen]. */
  tokens?: { states: Float32Array; mask: Float32Array; maxLen: number; dim: number };
}

export interface ConfusionReport {
  labels: string[];
  /** `matrix[g][p]`: examples of gold label g predicted as p. */
  matrix: number[][];
  perClass: (ClassScores & { label: string })[];
}

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
  featureStats: { mean: number[]; std: number[] } | null;
  readonly pooling: SentimentPooling;
  readonly attentionDim: number;
  private skip: tf.Variable | null = null;
  private skipInit: Float32Array | null = null;
  private attention: AttentionPooling | null = null;

  constructor(config: SentimentConfig = {}) {
    this.name = config.name ?? 'sentiment';
    this.primaryMetric = config.primaryMetric ?? 'accuracy';
    if (!(this.primaryMetric in this.metricDirections)) {
      throw new Error(`task "${this.name}": primaryMetric must be one of ${Object.keys(this.metricDirections).join(', ')}, got "${String(this.primaryMetric)}"`);
    }
    const inner: ClassificationConfig = { name: this.name, hidden: config.hidden ?? 128, dropout: config.dropout ?? 0.1 };
    if (config.labels) inner.labels = config.labels;
    this.inner = new ClassificationTask(inner);
    this.features = [...(config.features ?? [])];
    for (const f of this.features) if (!SENTIMENT_FEATURES.includes(f)) throw new Error(`task "${this.name}": unknown feature "${String(f)}" (known: ${SENTIMENT_FEATURES.join(', ')})`);
    if (new Set(this.features).size !== this.features.length) throw new Error(`task "${this.name}": a feature is listed twice`);
    this.featureStats = config.featureStats ?? (this.features.length === 0 ? { mean: [], std: [] } : null);
    this.pooling = config.pooling ?? 'mean';
    if (!SENTIMENT_POOLINGS.includes(this.pooling)) throw new Error(`task "${this.name}": pooling must be one of ${SENTIMENT_POOLINGS.join(', ')}, got "${String(this.pooling)}"`);
    this.attentionDim = config.attentionDim ?? 64;
    if (!Number.isInteger(this.attentionDim) || this.attentionDim < 1) throw new Error(`task "${this.name}": attentionDim must be a positive integer, got ${String(this.attentionDim)}`);
  }

  private rawFeatures(e: SentimentExample): number[] {
    return this.features.map(() => lexiconScore(e.text));
  }

  /** Standardised side features of one example. */
  sideFeatures(e: SentimentExample): number[] {
    const st = this.featureStats ?? { mean: [], std: [] };
    return this.rawFeatures(e).map((x, j) => (x - (st.mean[j] ?? 0)) / (st.std[j] ?? 1));
  }

  /** The label map (index → label), or null before `prepare` when none was configured. */
  get labels(): Label[] | null {
    return this.inner.labels;
  }

  get numClasses(): number {
    return this.inner.numClasses;
  }

  texts(e: SentimentExample): string[] {
    return [e.text];
  }

  tokenTexts(e: SentimentExample): string[] {
    return this.pooling === 'attention' ? [e.text] : [];
  }

  /** Infer the label map when not configured; check every labelled example against it. */
  prepare(train: readonly SentimentExample[]): void {
    this.inner.prepare(train);
    this.checkLabels(train);
    if (this.featureStats === null) {
      const xs = train.map((e) => this.rawFeatures(e));
      const st = { mean: [] as number[], std: [] as number[] };
      this.features.forEach((_, j) => {
        const col = xs.map((r) => r[j] as number);
        const m = col.length ? col.reduce((a, b) => a + b, 0) / col.length : 0;
        const v = col.length ? col.reduce((a, b) => a + (b - m) ** 2, 0) / col.length : 1;
        st.mean.push(m);
        st.std.push(Math.sqrt(v) || 1);
      });
      this.featureStats = st;
    }
    const k = this.features.length;
    const C = this.inner.numClasses;
    if (k && C > 0) {
      // LDA with a shared variance per feature: logit_c = μ_c·x / σ²_within (the common term cancels in the softmax)
      const sum = Array.from({ length: k }, () => new Array<number>(C).fill(0));
      const cnt = new Array<number>(C).fill(0);
      const xs = train.map((e) => (e.label === undefined ? null : { c: this.labelIndex(e.label), x: this.sideFeatures(e) }));
      for (const r of xs) {
        if (!r) continue;
        cnt[r.c]!++;
        r.x.forEach((v, j) => ((sum[j] as number[])[r.c]! += v));
      }
      const mu = sum.map((row) => row.map((s, c) => (cnt[c]! > 0 ? s / cnt[c]! : 0)));
      const init = new Float32Array(k * C);
      for (let j = 0; j < k; j++) {
        let ss = 0;
        let n = 0;
        for (const r of xs) {
          if (!r) continue;
          ss += ((r.x[j] as number) - (mu[j] as number[])[r.c]!) ** 2;
          n++;
        }
        const v = n > 0 ? ss / n : 1;
        for (let c = 0; c < C; c++) init[j * C + c] = (mu[j] as number[])[c]! / (v > 1e-9 ? v : 1);
      }
      this.skipInit = init;
    }
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
      throw new Error(`task "${this.name}": labels outside the label map ${JSON.stringify(this.labels)}: ${list} (first at example ${first})`);
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
      this.attention = new AttentionPooling(store, `${prefix}.attention`, encoderDim, this.attentionDim, { group: 'task', task: this.name });
      pooledDim = encoderDim;
    }
    this.inner.buildHead(store, inputDim + pooledDim + this.features.length, prefix);
    // side features also reach the logits linearly (wide & deep), so one scalar is not drowned
    const k = this.features.length;
    if (k) this.skip = store.add(`${prefix}.side.weight`, [k, this.inner.numClasses], this.skipInit ?? 'zeros', { group: 'task', task: this.name, decay: false });
  }

  makeBatch(examples: readonly SentimentExample[], features: FeatureLookup, dim: number, tokens?: TokenLookup): SentimentBatch {
    const k = this.features.length;
    const side = new Float32Array(examples.length * k);
    if (k) examples.forEach((e, i) => side.set(this.sideFeatures(e), i * k));
    const batch: SentimentBatch = { ...this.inner.makeBatch(examples, features, dim), side };
    if (this.pooling === 'attention') {
      if (!tokens) throw new Error(`task "${this.name}": attention pooling needs token states (makeBatch without a token lookup)`);
      const per = examples.map((e) => tokens(e.text));
      const maxLen = Math.max(1, ...per.map((p) => p.length));
      const states = new Float32Array(examples.length * maxLen * dim);
      const mask = new Float32Array(examples.length * maxLen);
      per.forEach((p, i) => {
        states.set(p.states.subarray(0, p.length * dim), i * maxLen * dim);
        mask.fill(1, i * maxLen, i * maxLen + p.length);
      });
      batch.tokens = { states, mask, maxLen, dim };
    }
    return batch;
  }

  forward(H: tf.Tensor2D, batch: SentimentBatch, ctx: ForwardContext): tf.Tensor {
    const k = this.features.length;
    const parts: tf.Tensor2D[] = [H];
    if (this.attention) {
      const t = batch.tokens;
      if (!t) throw new Error(`task "${this.name}": the batch has no token states for attention pooling`);
      const x = tf.tensor3d(t.states, [batch.size, t.maxLen, t.dim]);
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
      if (e.label === undefined) throw new Error(`task "${this.name}": example ${i} has no gold label`);
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
      config: { ...inner, primaryMetric: this.primaryMetric, features: [...this.features], featureStats: this.featureStats, pooling: this.pooling, attentionDim: this.attentionDim },
    };
  }

  static fromSpec(spec: TaskSpec): SentimentTask {
    const c = spec.config as {
      labels?: Label[] | null;
      hidden?: number;
      dropout?: number;
      primaryMetric?: SentimentMetric;
      features?: SentimentFeature[];
      featureStats?: { mean: number[]; std: number[] } | null;
      pooling?: SentimentPooling;
      attentionDim?: number;
    };
    const cfg: SentimentConfig = { name: spec.name };
    if (c.labels) cfg.labels = c.labels;
    if (c.hidden !== undefined) cfg.hidden = c.hidden;
    if (c.dropout !== undefined) cfg.dropout = c.dropout;
    if (c.primaryMetric !== undefined) cfg.primaryMetric = c.primaryMetric;
    if (c.features) cfg.features = c.features; // saved before the option: none
    if (c.featureStats) cfg.featureStats = c.featureStats;
    if (c.pooling) cfg.pooling = c.pooling; // saved before the option: mean
    if (c.attentionDim !== undefined) cfg.attentionDim = c.attentionDim;
    return new SentimentTask(cfg);
  }
}

export function sentimentTask(config: SentimentConfig = {}): SentimentTask {
  return new SentimentTask(config);
}

/**
 * Sentiment in a task YAML: `loss: cross-entropy`, an optional `labels` map; data from SST-2,
 * XLM-T or a generic file with `text` and `label` fields.
 */
export const sentimentYaml = taskYaml({
  loss: 'cross-entropy',
  options: z.object({
    /** Label map, in class-index order. */
    labels: z.array(z.string()).min(2).optional(),
    /**
     * Numeric side features: `lexicon` (the AFINN score of the text, standardised on train); pooling:
     * `mean` (the sentence vector) or `attention` (the head also pools the token states, learned).
     */
    input: z
      .object({
        features: z.array(z.enum(SENTIMENT_FEATURES as [SentimentFeature, ...SentimentFeature[]])).default([]),
        pooling: z.enum(SENTIMENT_POOLINGS as [SentimentPooling, ...SentimentPooling[]]).default('mean'),
        attentionDim: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
  }),
  fields: ['text', 'label'],
  create: (config) =>
    new SentimentTask({
      name: config.name,
      ...(config.labels ? { labels: config.labels } : {}),
      hidden: config.head.hidden,
      dropout: config.head.dropout,
      primaryMetric: config.primaryMetric as SentimentMetric,
      ...(config.input ? { features: config.input.features, pooling: config.input.pooling } : {}),
      ...(config.input?.attentionDim !== undefined ? { attentionDim: config.input.attentionDim } : {}),
    }),
  load: (config, path, source, split) => {
    const mode = source.mode;
    let res: LoadResult<SentimentExample>;
    if (source.format === 'sst2') res = loadSst2(path, { mode });
    else if (source.format === 'xlmt') {
      const r = loadXlmt(path, { mode, split: split === 'dev' ? 'valid' : 'train', ...(source.languages ? { languages: source.languages } : {}) });
      res = { ...r, rows: r.rows.map((x) => ({ text: x.text, label: x.label })) };
    } else if (isGenericFormat(source.format)) {
      const r = genericSourceRows(path, source);
      res = { ...r, rows: r.rows.map((x, i) => ({ text: String(requireField(x, 'text', path, i)), label: String(requireField(x, 'label', path, i)) })) };
    } else throw new DataError(path, undefined, `task "sentiment" cannot read format "${source.format}" (sst2, xlmt, csv, tsv, jsonl)`);
    if (config.labels) {
      const known = new Set(config.labels);
      const bad = res.rows.find((r) => !known.has(String(r.label)));
      if (bad) throw new DataError(path, undefined, `label ${JSON.stringify(bad.label)} is not in the label map [${config.labels.join(', ')}]`);
    }
    return res;
  },
});
