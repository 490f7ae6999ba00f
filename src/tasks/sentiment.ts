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
 */
import { z } from 'zod';
import type * as tf from '../utils/tf.js';
import { DataError, type LoadResult } from '../data/errors.js';
import { genericSourceRows, isGenericFormat, requireField } from '../data/source.js';
import { loadSst2 } from '../data/sst2.js';
import { loadXlmt } from '../data/xlmt.js';
import { accuracy, confusionMatrix, macroF1, perClassScores, type ClassScores } from '../metrics/classification.js';
import type { ForwardContext, ParamStore } from '../nn/layers.js';
import { ClassificationTask, type ClassificationBatch, type ClassificationConfig, type Label } from './classification.js';
import type { FeatureLookup, MetricDirection, Task, TaskSpec } from './types.js';
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
}

export interface ConfusionReport {
  labels: string[];
  /** `matrix[g][p]`: examples of gold label g predicted as p. */
  matrix: number[][];
  perClass: (ClassScores & { label: string })[];
}

export class SentimentTask implements Task<SentimentExample, SentimentPrediction, ClassificationBatch> {
  readonly type = SENTIMENT_TYPE;
  readonly inputKind = 'single' as const;
  readonly lossKind = 'classification' as const;
  readonly metricDirections: Readonly<Record<string, MetricDirection>> = { accuracy: 'higher', macro_f1: 'higher' };
  readonly name: string;
  readonly primaryMetric: SentimentMetric;
  /** The generic classifier doing the work. */
  readonly inner: ClassificationTask;

  constructor(config: SentimentConfig = {}) {
    this.name = config.name ?? 'sentiment';
    this.primaryMetric = config.primaryMetric ?? 'accuracy';
    if (!(this.primaryMetric in this.metricDirections)) {
      throw new Error(`task "${this.name}": primaryMetric must be one of ${Object.keys(this.metricDirections).join(', ')}, got "${String(this.primaryMetric)}"`);
    }
    const inner: ClassificationConfig = { name: this.name, hidden: config.hidden ?? 128, dropout: config.dropout ?? 0.1 };
    if (config.labels) inner.labels = config.labels;
    this.inner = new ClassificationTask(inner);
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

  /** Infer the label map when not configured; check every labelled example against it. */
  prepare(train: readonly SentimentExample[]): void {
    this.inner.prepare(train);
    this.checkLabels(train);
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
    return this.inner.isPrepared();
  }

  labelIndex(label: Label): number {
    return this.inner.labelIndex(label);
  }

  buildHead(store: ParamStore, inputDim: number, prefix: string): void {
    this.inner.buildHead(store, inputDim, prefix);
  }

  makeBatch(examples: readonly SentimentExample[], features: FeatureLookup, dim: number): ClassificationBatch {
    return this.inner.makeBatch(examples, features, dim);
  }

  forward(H: tf.Tensor2D, batch: ClassificationBatch, ctx: ForwardContext): tf.Tensor {
    return this.inner.forward(H, batch, ctx);
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
    return { type: this.type, name: this.name, config: { ...inner, primaryMetric: this.primaryMetric } };
  }

  static fromSpec(spec: TaskSpec): SentimentTask {
    const c = spec.config as { labels?: Label[] | null; hidden?: number; dropout?: number; primaryMetric?: SentimentMetric };
    const cfg: SentimentConfig = { name: spec.name };
    if (c.labels) cfg.labels = c.labels;
    if (c.hidden !== undefined) cfg.hidden = c.hidden;
    if (c.dropout !== undefined) cfg.dropout = c.dropout;
    if (c.primaryMetric !== undefined) cfg.primaryMetric = c.primaryMetric;
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
  }),
  fields: ['text', 'label'],
  create: (config) =>
    new SentimentTask({
      name: config.name,
      ...(config.labels ? { labels: config.labels } : {}),
      hidden: config.head.hidden,
      dropout: config.head.dropout,
      primaryMetric: config.primaryMetric as SentimentMetric,
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
