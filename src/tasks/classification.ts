/**
 * Generic single-text classification: one text → n-class softmax, cross-entropy loss,
 * metrics accuracy + macro-F1.
 */
import { z } from 'zod';
import * as tf from '../utils/tf.js';
import { LabelSchema, parseTaskOptions } from './options.js';
import { Dense, gelu, dropout, type ForwardContext } from '../nn/layers.js';
import { type ParamStore } from '../nn/params.js';
import { accuracy, macroF1 } from '../metrics/classification.js';
import {
  textExample,
  type EncoderInput,
  type FeatureLookup,
  type MetricDirection,
  type Task,
  type TaskBatch,
  type TaskSpec,
} from './types.js';
import { UserError } from '../errors.js';

export type Label = string | number;

export interface ClassificationExample {
  text: string;
  /** Gold label; omit for prediction. */
  label?: Label;
}

export interface ClassificationPrediction {
  label: Label;
  index: number;
  probs: number[];
}

/** The task's options with their defaults (the constructor's {@link ClassificationConfig}). */
export const ClassificationOptions = z
  .object({
    name: z.string().min(1),
    /** Label map (index → label). Inferred (sorted) from the training data when absent. */
    labels: z.array(LabelSchema).nullish(),
    /** Hidden layer before the softmax (0 = linear head). */
    hidden: z.number().int().nonnegative().default(0),
    dropout: z.number().min(0).lt(1).default(0),
  })
  .strict();
export type ClassificationConfig = z.input<typeof ClassificationOptions>;

export interface ClassificationBatch extends TaskBatch {
  /** One-hot targets [size, numClasses] when hasTargets. */
  targets: Float32Array | null;
}

export class ClassificationTask implements Task<ClassificationExample, ClassificationPrediction, ClassificationBatch> {
  readonly type = 'classification';
  readonly inputKind = 'single' as const;
  readonly lossKind = 'classification' as const;
  readonly metricDirections: Readonly<Record<string, MetricDirection>> = { accuracy: 'higher', macro_f1: 'higher' };
  readonly primaryMetric = 'accuracy';
  readonly name: string;
  labels: Label[] | null;
  readonly hidden: number;
  readonly dropoutRate: number;
  private index = new Map<string, number>();
  private hiddenLayer: Dense | null = null;
  private out: Dense | null = null;

  constructor(config: ClassificationConfig) {
    const o = parseTaskOptions(ClassificationOptions, config, config.name || 'classification');
    this.name = o.name;
    this.hidden = o.hidden;
    this.dropoutRate = o.dropout;
    this.labels = null;
    if (o.labels) this.setLabels(o.labels);
  }

  private setLabels(labels: Label[]): void {
    if (labels.length < 2)
      throw new UserError(
        `task "${this.name}": a classification task needs at least 2 labels, got ${labels.length}; list at least two labels in the task's labels`,
      );
    this.labels = [...labels];
    this.index = new Map(labels.map((l, i) => [String(l), i]));
    if (this.index.size !== labels.length)
      throw new UserError(`task "${this.name}": duplicate labels in label map ${JSON.stringify(labels)}; list each label once`);
  }

  get numClasses(): number {
    return this.labels?.length ?? 0;
  }

  encoderInputs(e: ClassificationExample): EncoderInput[] {
    return [e.text];
  }

  /** A text → `{ text }`; an example object as it is. */
  toExample(input: unknown): ClassificationExample {
    return textExample(input, this.name);
  }

  prepare(train: readonly ClassificationExample[]): void {
    if (this.labels) return;
    const seen = new Map<string, Label>();
    for (const e of train) if (e.label !== undefined) seen.set(String(e.label), e.label);
    const labels = [...seen.values()].sort((a, b) =>
      typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0,
    );
    this.setLabels(labels);
  }

  isPrepared(): boolean {
    return this.labels !== null;
  }

  labelIndex(label: Label): number {
    const i = this.index.get(String(label));
    if (i === undefined)
      throw new UserError(
        `task "${this.name}": unknown label ${JSON.stringify(label)} (labels: ${JSON.stringify(this.labels)}); fix the example's label or add it to the task's labels`,
      );
    return i;
  }

  buildHead(store: ParamStore, inputDim: number, prefix: string): void {
    if (!this.labels) throw new Error(`task "${this.name}": labels unknown; call prepare() first`);
    const opts = { group: 'task' as const, task: this.name };
    let d = inputDim;
    if (this.hidden > 0) {
      this.hiddenLayer = new Dense(store, `${prefix}.hidden`, d, this.hidden, opts);
      d = this.hidden;
    }
    this.out = new Dense(store, `${prefix}.out`, d, this.labels.length, opts);
  }

  makeBatch(examples: readonly ClassificationExample[], features: FeatureLookup, dim: number): ClassificationBatch {
    const n = examples.length;
    const rows = new Float32Array(n * dim);
    const hasTargets = examples.every((e) => e.label !== undefined);
    const k = this.numClasses;
    const targets = hasTargets ? new Float32Array(n * k) : null;
    examples.forEach((e, i) => {
      rows.set(features(e.text), i * dim);
      if (targets) targets[i * k + this.labelIndex(e.label as Label)] = 1;
    });
    return { rows, numRows: n, size: n, hasTargets, targets };
  }

  forward(H: tf.Tensor2D, _batch: ClassificationBatch, ctx: ForwardContext): tf.Tensor {
    if (!this.out) throw new Error(`task "${this.name}": head not built`);
    let h = H;
    if (this.hiddenLayer) h = dropout(gelu(this.hiddenLayer.apply(h)), this.dropoutRate, ctx) as tf.Tensor2D;
    return this.out.apply(h);
  }

  loss(logits: tf.Tensor, batch: ClassificationBatch): tf.Scalar {
    if (!batch.targets) throw new Error(`task "${this.name}": batch has no labels`);
    const y = tf.tensor2d(batch.targets, [batch.size, this.numClasses]);
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), -1))) as tf.Scalar;
  }

  decode(logits: tf.Tensor, batch: ClassificationBatch): ClassificationPrediction[] {
    const soft = tf.softmax(logits);
    const probs = soft.dataSync().slice();
    soft.dispose();
    const k = this.numClasses;
    const out: ClassificationPrediction[] = [];
    for (let i = 0; i < batch.size; i++) {
      const p = Array.from(probs.subarray(i * k, (i + 1) * k));
      let best = 0;
      for (let c = 1; c < k; c++) if ((p[c] as number) > (p[best] as number)) best = c;
      out.push({ label: (this.labels as Label[])[best] as Label, index: best, probs: p });
    }
    return out;
  }

  metrics(gold: readonly ClassificationExample[], pred: readonly ClassificationPrediction[]): Record<string, number> {
    const g = gold.map((e) => this.labelIndex(e.label as Label));
    const p = pred.map((x) => x.index);
    return { accuracy: accuracy(g, p), macro_f1: macroF1(g, p, this.numClasses) };
  }

  toSpec(): TaskSpec {
    return { type: this.type, name: this.name, config: { labels: this.labels, hidden: this.hidden, dropout: this.dropoutRate } };
  }

  /** The task a saved spec describes (its config is the task's options). */
  static fromSpec(spec: TaskSpec): ClassificationTask {
    return new ClassificationTask({ ...(spec.config as Partial<ClassificationConfig>), name: spec.name });
  }
}

export function classificationTask(config: ClassificationConfig): ClassificationTask {
  return new ClassificationTask(config);
}
