/**
 * Generic pair regression: two texts (a, b) both go through the shared layers; features
 * [u, v, |u−v|, u⊙v] → MLP → scalar; MSE on standardised targets; metrics Pearson / Spearman (and MSE).
 */
import { z } from 'zod';
import * as tf from '../utils/tf.js';
import { parseTaskOptions } from './options.js';
import { Dense, gelu, dropout, type ForwardContext } from '../nn/layers.js';
import { type ParamStore } from '../nn/params.js';
import { pearson, spearman } from '../metrics/correlation.js';
import type { EncoderInput, FeatureLookup, MetricDirection, Task, TaskBatch, TaskSpec } from './types.js';

export interface PairRegressionExample {
  a: string;
  b: string;
  /** Gold score; omit for prediction. */
  score?: number;
}

export interface PairRegressionPrediction {
  score: number;
}

/** The task's options with their defaults (the constructor's {@link PairRegressionConfig}). */
export const PairRegressionOptions = z
  .object({
    name: z.string().min(1),
    /** Hidden width of the regressor MLP. */
    hidden: z.number().int().positive().default(128),
    dropout: z.number().min(0).lt(1).default(0),
    /** Target standardisation; fitted on the training data when absent. */
    targetMean: z.number().nullish(),
    targetStd: z.number().nullish(),
  })
  .strict();
export type PairRegressionConfig = z.input<typeof PairRegressionOptions>;

export interface PairRegressionBatch extends TaskBatch {
  /** Standardised targets [size] when hasTargets. */
  targets: Float32Array | null;
}

export class PairRegressionTask implements Task<PairRegressionExample, PairRegressionPrediction, PairRegressionBatch> {
  readonly type = 'pair-regression';
  readonly inputKind = 'pair' as const;
  readonly lossKind = 'regression' as const;
  readonly metricDirections: Readonly<Record<string, MetricDirection>> = { pearson: 'higher', spearman: 'higher', mse: 'lower' };
  readonly primaryMetric = 'pearson';
  readonly name: string;
  readonly hidden: number;
  readonly dropoutRate: number;
  targetMean: number | null;
  targetStd: number | null;
  private l1: Dense | null = null;
  private l2: Dense | null = null;

  constructor(config: PairRegressionConfig) {
    const o = parseTaskOptions(PairRegressionOptions, config, config.name || 'pair-regression');
    this.name = o.name;
    this.hidden = o.hidden;
    this.dropoutRate = o.dropout;
    this.targetMean = o.targetMean ?? null;
    this.targetStd = o.targetStd ?? null;
  }

  encoderInputs(e: PairRegressionExample): EncoderInput[] {
    return [e.a, e.b];
  }

  prepare(train: readonly PairRegressionExample[]): void {
    if (this.targetMean !== null && this.targetStd !== null) return;
    const ys = train.map((e) => e.score).filter((s): s is number => typeof s === 'number');
    const mean = ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : 0;
    const variance = ys.length ? ys.reduce((a, b) => a + (b - mean) ** 2, 0) / ys.length : 1;
    this.targetMean = mean;
    this.targetStd = Math.sqrt(variance) || 1;
  }

  isPrepared(): boolean {
    return this.targetMean !== null && this.targetStd !== null;
  }

  buildHead(store: ParamStore, inputDim: number, prefix: string): void {
    const opts = { group: 'task' as const, task: this.name };
    this.l1 = new Dense(store, `${prefix}.hidden`, 4 * inputDim, this.hidden, opts);
    this.l2 = new Dense(store, `${prefix}.out`, this.hidden, 1, opts);
  }

  makeBatch(examples: readonly PairRegressionExample[], features: FeatureLookup, dim: number): PairRegressionBatch {
    const n = examples.length;
    const rows = new Float32Array(2 * n * dim);
    const hasTargets = examples.every((e) => typeof e.score === 'number');
    const targets = hasTargets ? new Float32Array(n) : null;
    const mean = this.targetMean ?? 0;
    const std = this.targetStd ?? 1;
    examples.forEach((e, i) => {
      rows.set(features(e.a), i * dim);
      rows.set(features(e.b), (n + i) * dim);
      if (targets) targets[i] = ((e.score as number) - mean) / std;
    });
    return { rows, numRows: 2 * n, size: n, hasTargets, targets };
  }

  forward(H: tf.Tensor2D, batch: PairRegressionBatch, ctx: ForwardContext): tf.Tensor {
    if (!this.l1 || !this.l2) throw new Error(`task "${this.name}": head not built`);
    const n = batch.size;
    const u = tf.slice(H, [0, 0], [n, -1]);
    const v = tf.slice(H, [n, 0], [n, -1]);
    const f = tf.concat([u, v, tf.abs(tf.sub(u, v)), tf.mul(u, v)], 1) as tf.Tensor2D;
    const h = dropout(gelu(this.l1.apply(f)), this.dropoutRate, ctx) as tf.Tensor2D;
    return tf.reshape(this.l2.apply(h), [n]);
  }

  loss(out: tf.Tensor, batch: PairRegressionBatch): tf.Scalar {
    if (!batch.targets) throw new Error(`task "${this.name}": batch has no scores`);
    return tf.mean(tf.squaredDifference(out, tf.tensor1d(batch.targets))) as tf.Scalar;
  }

  decode(out: tf.Tensor, batch: PairRegressionBatch): PairRegressionPrediction[] {
    const y = out.dataSync();
    const mean = this.targetMean ?? 0;
    const std = this.targetStd ?? 1;
    const res: PairRegressionPrediction[] = [];
    for (let i = 0; i < batch.size; i++) res.push({ score: (y[i] as number) * std + mean });
    return res;
  }

  metrics(gold: readonly PairRegressionExample[], pred: readonly PairRegressionPrediction[]): Record<string, number> {
    const g = gold.map((e) => e.score as number);
    const p = pred.map((x) => x.score);
    let mse = 0;
    for (let i = 0; i < g.length; i++) mse += ((g[i] as number) - (p[i] as number)) ** 2;
    return { pearson: pearson(g, p), spearman: spearman(g, p), mse: g.length ? mse / g.length : 0 };
  }

  toSpec(): TaskSpec {
    return {
      type: this.type,
      name: this.name,
      config: { hidden: this.hidden, dropout: this.dropoutRate, targetMean: this.targetMean, targetStd: this.targetStd },
    };
  }

  /** The task a saved spec describes (its config is the task's options). */
  static fromSpec(spec: TaskSpec): PairRegressionTask {
    return new PairRegressionTask({ ...(spec.config as Partial<PairRegressionConfig>), name: spec.name });
  }
}

export function pairRegressionTask(config: PairRegressionConfig): PairRegressionTask {
  return new PairRegressionTask(config);
}
