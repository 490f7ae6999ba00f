/**
 * Translation quality estimation (./config.ts: types, side features, options; ./metrics.ts;
 * ./yaml.ts: its task-YAML declaration) (sentence-level direct assessment, WMT20 MLQE-PE): a source and
 * its machine translation → a quality score, without a reference.
 *
 * Input modes (`input` in the task config; saved with the model):
 *  - `siamese`: source and translation are encoded apart (rows [sources…, translations…]); the head
 *    sees [u, v, |u−v|, u⊙v] as COMET-QE does. The default.
 *  - `cross`: source and translation are encoded as ONE sequence ([CLS] src [SEP] mt [SEP], token
 *    types 0/1, `Encoder.encodePairs`), so the encoder's attention sees both; the head sees its vector c.
 *  - `cross+siamese`: both, the head sees [u, v, |u−v|, u⊙v, c].
 * Optional side features (`features`): `model-score` (MLQE `model_scores`, the MT system's own
 * log-probability) and `length-ratio` (−|ln(len(mt)/len(src))|, code points), standardised with the
 * training mean and standard deviation, which are saved in the task spec; they are appended to the
 * head's input and also reach the output through a linear skip (`<head>.side.weight`), initialised
 * with the least-squares fit of the standardised target on them (so training starts from the
 * linear model of the side features; with plain Adam steps one coefficient among the encoder's
 * hundreds of inputs moves too slowly to reach it within a usual step budget). Every row goes through the shared layers; the head regresses the standardised target
 * with MSE; predictions come back in the original target scale. Metrics from src/metrics (Pearson r,
 * Spearman ρ, Kendall τ-b) per language pair and averaged over pairs.
 */
import { fitDaScale, type DaScale } from './da-scale.js';
import * as tf from '../../utils/tf.js';
import { pairKey } from '../../encoder/pairs.js';
import { Dense, dropout, gelu, type ForwardContext } from '../../nn/layers.js';
import { type ParamStore } from '../../nn/params.js';
import { parseTaskOptions } from '../options.js';
import { fitStandardiser, meanStd, ridge, type FeatureStats } from '../side-features.js';
import type { EncoderInput, FeatureLookup, MetricDirection, Task, TaskSpec } from '../types.js';
import {
  TRANSLATION_QUALITY_TYPE,
  TranslationQualityOptions,
  sideFeature,
  type TranslationQualityBatch,
  type TranslationQualityConfig,
  type TranslationQualityExample,
  type TranslationQualityFeature,
  type TranslationQualityInput,
  type TranslationQualityMetric,
  type TranslationQualityPrediction,
} from './config.js';
import { CORRELATIONS, qualityMetrics } from './metrics.js';
import { UserError } from '../../errors.js';

export class TranslationQualityTask implements Task<TranslationQualityExample, TranslationQualityPrediction, TranslationQualityBatch> {
  readonly type = TRANSLATION_QUALITY_TYPE;
  readonly inputKind = 'pair' as const;
  readonly lossKind = 'regression' as const;
  readonly metricDirections: Readonly<Record<string, MetricDirection>>;
  readonly name: string;
  readonly primaryMetric: TranslationQualityMetric;
  readonly pairs: string[];
  readonly hidden: number;
  readonly dropoutRate: number;
  readonly input: TranslationQualityInput;
  readonly features: readonly TranslationQualityFeature[];
  targetMean: number | null;
  targetStd: number | null;
  featureStats: FeatureStats | null;
  /** The 0–100 DA scale of the predictions (fitted in prepare when the training rows carry `da`); null: none. */
  daScale: DaScale | null;
  private l1: Dense | null = null;
  private l2: Dense | null = null;
  private skip: tf.Variable | null = null;
  /** Least-squares coefficients of the standardised target on the standardised side features (from prepare). */
  private skipInit: Float32Array | null = null;

  constructor(config: TranslationQualityConfig = {}) {
    const o = parseTaskOptions(TranslationQualityOptions, config, config.name ?? 'translation-quality');
    this.name = o.name;
    this.primaryMetric = o.primaryMetric;
    this.pairs = o.pairs;
    const dirs: Record<string, MetricDirection> = { pearson: 'higher', spearman: 'higher', kendall: 'higher', mse: 'lower' };
    for (const p of this.pairs) for (const k of Object.keys(CORRELATIONS)) dirs[`${k}@${p}`] = 'higher';
    this.metricDirections = dirs;
    this.hidden = o.hidden;
    this.dropoutRate = o.dropout;
    this.input = o.input;
    this.features = o.features;
    this.targetMean = o.targetMean ?? null;
    this.targetStd = o.targetStd ?? null;
    this.daScale = o.daScale ?? null;
    this.featureStats = o.featureStats ?? (this.features.length === 0 ? { mean: [], std: [] } : null);
    if (
      this.featureStats &&
      (this.featureStats.mean.length !== this.features.length || this.featureStats.std.length !== this.features.length)
    ) {
      throw new UserError(
        `task "${this.name}": featureStats has ${this.featureStats.mean.length} means for ${this.features.length} features`,
      );
    }
  }

  private get siamese(): boolean {
    return this.input !== 'cross';
  }

  private get cross(): boolean {
    return this.input !== 'siamese';
  }

  /** Siamese: the source and the translation apart; cross: the pair as one sequence. */
  encoderInputs(e: TranslationQualityExample): EncoderInput[] {
    const out: EncoderInput[] = [];
    if (this.siamese) out.push(e.source, e.translation);
    if (this.cross) out.push({ pair: [e.source, e.translation] });
    return out;
  }

  /** `{ source, translation }` (optional `modelScore`), checked. */
  toExample(input: unknown): TranslationQualityExample {
    const x = input as Partial<TranslationQualityExample> | null;
    if (!x || typeof x !== 'object' || typeof x.source !== 'string' || typeof x.translation !== 'string') {
      throw new UserError(
        `task "${this.name}": an input is { source, translation } (strings; optional modelScore), got ${JSON.stringify(input)?.slice(0, 80)}`,
      );
    }
    return x as TranslationQualityExample;
  }

  /** Fit the target and side-feature mean / standard deviation on the training data (unless configured). */
  prepare(train: readonly TranslationQualityExample[]): void {
    for (let i = 0; i < train.length; i++) {
      const s = (train[i] as TranslationQualityExample).score;
      if (s !== undefined && !Number.isFinite(s)) throw new UserError(`task "${this.name}": example ${i} has a non-finite score ${s}`);
    }
    this.daScale ??= fitDaScale(train);
    if (this.targetMean === null || this.targetStd === null) {
      [this.targetMean, this.targetStd] = meanStd(train.map((e) => e.score).filter((s): s is number => typeof s === 'number'));
    }
    if (this.featureStats === null) {
      const raw = train.map((e, i) => {
        try {
          return this.features.map((f) => sideFeature(f, e));
        } catch (err) {
          throw new UserError(`task "${this.name}": training example ${i}: ${(err as Error).message}`);
        }
      });
      this.featureStats = fitStandardiser(raw, this.features.length);
    }
    if (this.features.length) {
      const rows = train.filter((e) => typeof e.score === 'number');
      const X = rows.map((e) => this.sideFeatures(e));
      const y = rows.map((e) => ((e.score as number) - (this.targetMean as number)) / (this.targetStd as number));
      this.skipInit = Float32Array.from(ridge(X, y, this.features.length));
    }
  }

  isPrepared(): boolean {
    return this.targetMean !== null && this.targetStd !== null && this.featureStats !== null;
  }

  /** Width of the head's input for shared-layer width h. */
  headInputDim(h: number): number {
    return (this.siamese ? 4 * h : 0) + (this.cross ? h : 0) + this.features.length;
  }

  buildHead(store: ParamStore, inputDim: number, prefix: string): void {
    const opts = { group: 'task' as const, task: this.name };
    // the names of the siamese-only head of earlier versions, so their saved weights load
    this.l1 = new Dense(store, `${prefix}.hidden`, this.headInputDim(inputDim), this.hidden, opts);
    this.l2 = new Dense(store, `${prefix}.out`, this.hidden, 1, opts);
    // side features also reach the output linearly (wide & deep): one standardised scalar among
    // hundreds of encoder dimensions is otherwise learnt slowly by the MLP
    // (zero at start: the model begins as the MLP alone)
    if (this.features.length)
      this.skip = store.add(`${prefix}.side.weight`, [this.features.length, 1], this.skipInit ?? 'zeros', { ...opts, decay: false });
  }

  /**
   * Standardised side features of one example. An example without `modelScore` (a pair scored
   * outside MLQE-PE, where the MT system's score is unknown) gets the training mean, i.e. 0: the
   * prediction then rests on the texts and the other features. Training examples must have it
   * (`prepare` checks).
   */
  sideFeatures(e: TranslationQualityExample): number[] {
    const st = this.featureStats ?? { mean: [], std: [] };
    return this.features.map((f, j) => {
      if (f === 'model-score' && (typeof e.modelScore !== 'number' || !Number.isFinite(e.modelScore))) return 0;
      return (sideFeature(f, e) - (st.mean[j] ?? 0)) / (st.std[j] ?? 1);
    });
  }

  makeBatch(examples: readonly TranslationQualityExample[], features: FeatureLookup, dim: number): TranslationQualityBatch {
    const n = examples.length;
    const blocks = (this.siamese ? 2 : 0) + (this.cross ? 1 : 0);
    const rows = new Float32Array(blocks * n * dim);
    const hasTargets = examples.every((e) => typeof e.score === 'number');
    const targets = hasTargets ? new Float32Array(n) : null;
    const k = this.features.length;
    const side = new Float32Array(n * k);
    const mean = this.targetMean ?? 0;
    const std = this.targetStd ?? 1;
    examples.forEach((e, i) => {
      let b = 0;
      if (this.siamese) {
        rows.set(features(e.source), (b++ * n + i) * dim);
        rows.set(features(e.translation), (b++ * n + i) * dim);
      }
      if (this.cross) rows.set(features(pairKey(e.source, e.translation)), (b * n + i) * dim);
      if (k) {
        try {
          side.set(this.sideFeatures(e), i * k);
        } catch (err) {
          throw new UserError(`task "${this.name}": example ${i}: ${(err as Error).message}`);
        }
      }
      if (targets) targets[i] = ((e.score as number) - mean) / std;
    });
    return { rows, numRows: blocks * n, size: n, hasTargets, targets, side };
  }

  forward(H: tf.Tensor2D, batch: TranslationQualityBatch, ctx: ForwardContext): tf.Tensor {
    if (!this.l1 || !this.l2) throw new Error(`task "${this.name}": head not built`);
    const n = batch.size;
    const parts: tf.Tensor2D[] = [];
    let b = 0;
    if (this.siamese) {
      const u = tf.slice(H, [b++ * n, 0], [n, -1]);
      const v = tf.slice(H, [b++ * n, 0], [n, -1]);
      parts.push(u, v, tf.abs(tf.sub(u, v)) as tf.Tensor2D, tf.mul(u, v) as tf.Tensor2D);
    }
    if (this.cross) parts.push(tf.slice(H, [b * n, 0], [n, -1]));
    const k = this.features.length;
    const side = k ? tf.tensor2d(batch.side, [n, k]) : null;
    if (side) parts.push(side);
    const f = (parts.length === 1 ? parts[0] : tf.concat(parts, 1)) as tf.Tensor2D;
    const h = dropout(gelu(this.l1.apply(f)), this.dropoutRate, ctx) as tf.Tensor2D;
    let y = this.l2.apply(h);
    if (side && this.skip) y = tf.add(y, tf.matMul(side, this.skip));
    return tf.reshape(y, [n]);
  }

  loss(out: tf.Tensor, batch: TranslationQualityBatch): tf.Scalar {
    if (!batch.targets) throw new Error(`task "${this.name}": batch has no scores`);
    return tf.mean(tf.squaredDifference(out, tf.tensor1d(batch.targets))) as tf.Scalar;
  }

  decode(out: tf.Tensor, batch: TranslationQualityBatch): TranslationQualityPrediction[] {
    const y = out.dataSync();
    const mean = this.targetMean ?? 0;
    const std = this.targetStd ?? 1;
    const res: number[] = [];
    for (let i = 0; i < batch.size; i++) res.push((y[i] as number) * std + mean);
    return res;
  }

  /**
   * `pearson`, `spearman`, `kendall` (τ-b) and `mse` (original scale); with language pairs also
   * `pearson@<pair>` etc. When the examples span more than one pair, `pearson` / `spearman` /
   * `kendall` are the unweighted MEAN OF THE PER-PAIR VALUES (pairs where the value is undefined,
   * fewer than 2 examples or constant predictions, are left out of the mean), since WMT QE reports
   * correlations per pair; the correlation over all examples pooled is then `pearson_pooled` etc.
   * With a single pair (or none), they are the plain correlations over all examples.
   */
  metrics(gold: readonly TranslationQualityExample[], pred: readonly TranslationQualityPrediction[]): Record<string, number> {
    return qualityMetrics(gold, pred, this.name);
  }

  toSpec(): TaskSpec {
    return {
      type: this.type,
      name: this.name,
      config: {
        hidden: this.hidden,
        dropout: this.dropoutRate,
        targetMean: this.targetMean,
        targetStd: this.targetStd,
        pairs: this.pairs,
        primaryMetric: this.primaryMetric,
        input: this.input,
        features: [...this.features],
        featureStats: this.featureStats,
        ...(this.daScale ? { daScale: this.daScale } : {}),
      },
    };
  }

  /** The task a saved spec describes (its config is the task's options). */
  static fromSpec(spec: TaskSpec): TranslationQualityTask {
    return new TranslationQualityTask({ ...(spec.config as TranslationQualityConfig), name: spec.name });
  }
}

export function translationQualityTask(config: TranslationQualityConfig = {}): TranslationQualityTask {
  return new TranslationQualityTask(config);
}
