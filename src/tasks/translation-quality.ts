/**
 * Translation quality estimation (sentence-level direct assessment, WMT20 MLQE-PE): a source and
 * its machine translation → a quality score, without a reference.
 *
 * Input modes (`input` in the task config; saved with the model):
 *  - `siamese`: source and translation are encoded apart (rows [sources…, translations…]); the head
 *    sees [u, v, |u−v|, u⊙v] as COMET-QE does. The default of models saved without the option.
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
import { z } from 'zod';
import { DataError } from '../data/errors.js';
import { loadMlqe } from '../data/mlqe.js';
import { genericSourceRows, isGenericFormat, requireField } from '../data/source.js';
import { kendallTauB, mse, pearson, spearman } from '../metrics/correlation.js';
import { taskYaml } from './yaml.js';
import * as tf from '../utils/tf.js';
import { lengthRatioFeature } from '../baselines/translation-quality.js';
import { pairKey } from '../encoder/pairs.js';
import { Dense, dropout, gelu, type ForwardContext, type ParamStore } from '../nn/layers.js';
import type { FeatureLookup, MetricDirection, Task, TaskBatch, TaskSpec } from './types.js';

export const TRANSLATION_QUALITY_TYPE = 'translation-quality';

export interface TranslationQualityExample {
  source: string;
  translation: string;
  /** Gold quality score (MLQE: z_mean); omit for prediction. */
  score?: number;
  /** Language pair, e.g. `en-de`; metrics are also reported per pair. */
  pair?: string;
  /** The translating model's own score (MLQE `model_scores`); needed by models with the `model-score` feature. */
  modelScore?: number;
  /** The raw DA rating (MLQE `mean`, 0–100) beside a z-score target: fits the model's {@link DaScale}. */
  da?: number;
  id?: string;
}

/**
 * The 0–100 direct-assessment scale of a model trained on z-scores of DA (MLQE `z_mean`): the least-
 * squares line DA ≈ intercept + slope · z over the training rows that have both, saved with the model.
 * z-scores are per-annotator normalised, so the line is an approximation (`r` says how close).
 */
export interface DaScale {
  intercept: number;
  slope: number;
  /** Pearson r of z and DA on the rows it was fitted on. */
  r: number;
  n: number;
}

/** The DA scale from (z, DA) pairs; null with fewer than 2 pairs or a constant z. */
export function fitDaScale(rows: readonly { score?: number; da?: number }[]): DaScale | null {
  const xy = rows.filter((e) => Number.isFinite(e.score) && Number.isFinite(e.da)) as { score: number; da: number }[];
  const n = xy.length;
  if (n < 2) return null;
  const mx = xy.reduce((a, e) => a + e.score, 0) / n;
  const my = xy.reduce((a, e) => a + e.da, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const e of xy) {
    sxx += (e.score - mx) ** 2;
    sxy += (e.score - mx) * (e.da - my);
    syy += (e.da - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { intercept: my - slope * mx, slope, r: syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0, n };
}

/** A predicted z-score on the 0–100 DA scale (clamped to it). */
export function toDa(z: number, scale: DaScale): number {
  return Math.min(100, Math.max(0, scale.intercept + scale.slope * z));
}

/** Predicted score, in the scale of the training target. */
export type TranslationQualityPrediction = number;

export type TranslationQualityMetric = 'pearson' | 'spearman' | 'kendall';

/** How source and translation reach the head (see the file comment). */
export type TranslationQualityInput = 'siamese' | 'cross' | 'cross+siamese';
export const TRANSLATION_QUALITY_INPUTS: readonly TranslationQualityInput[] = ['siamese', 'cross', 'cross+siamese'];

/** Numeric side features appended to the head's input. */
export type TranslationQualityFeature = 'model-score' | 'length-ratio';
export const TRANSLATION_QUALITY_FEATURES: readonly TranslationQualityFeature[] = ['model-score', 'length-ratio'];

/** Raw (unstandardised) value of a side feature for one example. */
export function sideFeature(name: TranslationQualityFeature, e: TranslationQualityExample): number {
  if (name === 'length-ratio') return lengthRatioFeature(e.source, e.translation);
  if (typeof e.modelScore !== 'number' || !Number.isFinite(e.modelScore)) {
    throw new Error(`the model uses the MT system's score (feature "model-score"), but the example has no finite modelScore`);
  }
  return e.modelScore;
}

/** Standardisation of the side features, fitted on the training data, saved with the model. */
export interface FeatureStats {
  mean: number[];
  std: number[];
}

export interface TranslationQualityBatch extends TaskBatch {
  /** Standardised targets [size] when hasTargets. */
  targets: Float32Array | null;
  /** Standardised side features [size × features] (empty without features). */
  side: Float32Array;
}

export interface TranslationQualityConfig {
  /** Task name (default 'translation-quality'). */
  name?: string;
  /** Hidden width of the regressor. Default 128. */
  hidden?: number;
  /** Default 0.1. */
  dropout?: number;
  /** Target standardisation; fitted on the training data when omitted. */
  targetMean?: number;
  targetStd?: number;
  /** The 0–100 DA scale of z-score predictions; fitted on the training data (rows with `da`) when omitted. */
  daScale?: DaScale;
  /** Language pairs expected in the data (adds `pearson@<pair>` … to the metric directions). */
  pairs?: string[];
  /** Default 'pearson'. */
  primaryMetric?: TranslationQualityMetric;
  /** Input mode. Default 'siamese' (what models saved before the option use). */
  input?: TranslationQualityInput;
  /** Side features, in this order. Default none. */
  features?: TranslationQualityFeature[];
  /** Side-feature standardisation; fitted on the training data when omitted. */
  featureStats?: FeatureStats;
}

const CORRELATIONS = { pearson, spearman, kendall: kendallTauB } as const;

/** argmin_w Σ(Xw − y)² + λ‖w‖² for a few columns (normal equations, Gauss–Jordan); λ = 1e-6·n. */
export function ridge(X: readonly (readonly number[])[], y: readonly number[], k: number): number[] {
  const n = X.length;
  const A = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  for (let r = 0; r < n; r++) {
    const x = X[r] as readonly number[];
    for (let i = 0; i < k; i++) {
      const row = A[i] as number[];
      for (let j = 0; j < k; j++) row[j]! += (x[i] as number) * (x[j] as number);
      row[k]! += (x[i] as number) * (y[r] as number);
    }
  }
  for (let i = 0; i < k; i++) (A[i] as number[])[i]! += 1e-6 * Math.max(n, 1);
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs((A[r] as number[])[c]!) > Math.abs((A[p] as number[])[c]!)) p = r;
    [A[c], A[p]] = [A[p] as number[], A[c] as number[]];
    const pivot = (A[c] as number[])[c]!;
    if (Math.abs(pivot) < 1e-12) continue;
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = (A[r] as number[])[c]! / pivot;
      for (let j = c; j <= k; j++) (A[r] as number[])[j]! -= f * (A[c] as number[])[j]!;
    }
  }
  return A.map((row, i) => (Math.abs(row[i]!) < 1e-12 ? 0 : row[k]! / row[i]!));
}
/** Group key of examples without a `pair`. */
const NO_PAIR = '';

/** A correlation, NaN when undefined (fewer than 2 examples, or a constant side). */
function correlation(kind: keyof typeof CORRELATIONS, g: readonly number[], p: readonly number[]): number {
  if (g.length < 2) return NaN;
  return CORRELATIONS[kind](g, p);
}

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
    this.name = config.name ?? 'translation-quality';
    this.primaryMetric = config.primaryMetric ?? 'pearson';
    if (!(this.primaryMetric in CORRELATIONS)) throw new Error(`task "${this.name}": primaryMetric must be one of pearson, spearman, kendall, got "${String(this.primaryMetric)}"`);
    this.pairs = [...(config.pairs ?? [])];
    const dirs: Record<string, MetricDirection> = { pearson: 'higher', spearman: 'higher', kendall: 'higher', mse: 'lower' };
    for (const p of this.pairs) for (const k of Object.keys(CORRELATIONS)) dirs[`${k}@${p}`] = 'higher';
    this.metricDirections = dirs;
    this.hidden = config.hidden ?? 128;
    this.dropoutRate = config.dropout ?? 0.1;
    this.input = config.input ?? 'siamese';
    if (!TRANSLATION_QUALITY_INPUTS.includes(this.input)) throw new Error(`task "${this.name}": input must be one of ${TRANSLATION_QUALITY_INPUTS.join(', ')}, got "${String(this.input)}"`);
    this.features = [...(config.features ?? [])];
    for (const f of this.features) {
      if (!TRANSLATION_QUALITY_FEATURES.includes(f)) throw new Error(`task "${this.name}": unknown feature "${String(f)}" (known: ${TRANSLATION_QUALITY_FEATURES.join(', ')})`);
    }
    if (new Set(this.features).size !== this.features.length) throw new Error(`task "${this.name}": a feature is listed twice`);
    this.targetMean = config.targetMean ?? null;
    this.targetStd = config.targetStd ?? null;
    this.daScale = config.daScale ?? null;
    this.featureStats = config.featureStats ?? (this.features.length === 0 ? { mean: [], std: [] } : null);
    if (this.featureStats && (this.featureStats.mean.length !== this.features.length || this.featureStats.std.length !== this.features.length)) {
      throw new Error(`task "${this.name}": featureStats has ${this.featureStats.mean.length} means for ${this.features.length} features`);
    }
  }

  private get siamese(): boolean {
    return this.input !== 'cross';
  }

  private get cross(): boolean {
    return this.input !== 'siamese';
  }

  texts(e: TranslationQualityExample): string[] {
    const out: string[] = [];
    if (this.siamese) out.push(e.source, e.translation);
    if (this.cross) out.push(pairKey(e.source, e.translation));
    return out;
  }

  /** Fit the target and side-feature mean / standard deviation on the training data (unless configured). */
  prepare(train: readonly TranslationQualityExample[]): void {
    for (let i = 0; i < train.length; i++) {
      const s = (train[i] as TranslationQualityExample).score;
      if (s !== undefined && !Number.isFinite(s)) throw new Error(`task "${this.name}": example ${i} has a non-finite score ${s}`);
    }
    const stats = (xs: readonly number[]): [number, number] => {
      const mean = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
      const variance = xs.length ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length : 1;
      return [mean, Math.sqrt(variance) || 1];
    };
    this.daScale ??= fitDaScale(train);
    if (this.targetMean === null || this.targetStd === null) {
      [this.targetMean, this.targetStd] = stats(train.map((e) => e.score).filter((s): s is number => typeof s === 'number'));
    }
    if (this.featureStats === null) {
      const fs: FeatureStats = { mean: [], std: [] };
      for (const f of this.features) {
        const xs = train.map((e, i) => {
          try {
            return sideFeature(f, e);
          } catch (err) {
            throw new Error(`task "${this.name}": training example ${i}: ${(err as Error).message}`);
          }
        });
        const [m, sd] = stats(xs);
        fs.mean.push(m);
        fs.std.push(sd);
      }
      this.featureStats = fs;
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
    if (this.features.length) this.skip = store.add(`${prefix}.side.weight`, [this.features.length, 1], this.skipInit ?? 'zeros', { ...opts, decay: false });
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
          throw new Error(`task "${this.name}": example ${i}: ${(err as Error).message}`);
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
    if (gold.length !== pred.length) throw new Error(`task "${this.name}": ${gold.length} gold examples but ${pred.length} predictions`);
    if (gold.length === 0) return {};
    const g = gold.map((e, i) => {
      if (typeof e.score !== 'number') throw new Error(`task "${this.name}": example ${i} has no gold score`);
      return e.score;
    });
    const p = [...pred];
    const out: Record<string, number> = {};
    const groups = new Map<string, { g: number[]; p: number[] }>();
    gold.forEach((e, i) => {
      const key = e.pair ?? NO_PAIR;
      let grp = groups.get(key);
      if (!grp) groups.set(key, (grp = { g: [], p: [] }));
      grp.g.push(g[i] as number);
      grp.p.push(p[i] as number);
    });
    const kinds = Object.keys(CORRELATIONS) as (keyof typeof CORRELATIONS)[];
    const perPair: Record<string, number[]> = { pearson: [], spearman: [], kendall: [] };
    for (const [pair, grp] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      for (const k of kinds) {
        const v = correlation(k, grp.g, grp.p);
        if (pair !== NO_PAIR) out[`${k}@${pair}`] = v;
        if (Number.isFinite(v)) (perPair[k] as number[]).push(v);
      }
    }
    for (const k of kinds) {
      const pooled = correlation(k, g, p);
      if (groups.size > 1) {
        const vals = perPair[k] as number[];
        out[k] = vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : NaN;
        out[`${k}_pooled`] = pooled;
      } else {
        out[k] = pooled;
      }
    }
    out.mse = mse(p, g);
    return out;
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

  static fromSpec(spec: TaskSpec): TranslationQualityTask {
    const c = spec.config as {
      hidden?: number;
      dropout?: number;
      targetMean?: number | null;
      targetStd?: number | null;
      pairs?: string[];
      primaryMetric?: TranslationQualityMetric;
      input?: TranslationQualityInput;
      features?: TranslationQualityFeature[];
      featureStats?: FeatureStats | null;
      daScale?: DaScale;
    };
    const cfg: TranslationQualityConfig = { name: spec.name };
    if (c.hidden !== undefined) cfg.hidden = c.hidden;
    if (c.dropout !== undefined) cfg.dropout = c.dropout;
    if (typeof c.targetMean === 'number') cfg.targetMean = c.targetMean;
    if (typeof c.targetStd === 'number') cfg.targetStd = c.targetStd;
    if (c.pairs) cfg.pairs = c.pairs;
    if (c.primaryMetric !== undefined) cfg.primaryMetric = c.primaryMetric;
    // saved before the input modes and side features: siamese, no features (already prepared)
    cfg.input = c.input ?? 'siamese';
    cfg.features = c.features ?? [];
    if (c.featureStats) cfg.featureStats = c.featureStats;
    if (c.daScale) cfg.daScale = c.daScale;
    return new TranslationQualityTask(cfg);
  }
}

export function translationQualityTask(config: TranslationQualityConfig = {}): TranslationQualityTask {
  return new TranslationQualityTask(config);
}

/**
 * Translation quality in a task YAML: `loss: mse`, no options of its own (the language pairs come
 * from the data sources' `pairs`); data from MLQE-PE or a generic file with `source`,
 * `translation` and the target column (default `score`; optional `pair`).
 */
export const translationQualityYaml = taskYaml({
  loss: 'mse',
  options: z.object({
    /**
     * How source and translation reach the encoder (`mode`: siamese, apart, the default; cross, one
     * sequence [CLS] src [SEP] mt [SEP]; cross+siamese, both) and numeric side features for the head
     * (`model-score`, `length-ratio`, standardised on train).
     */
    input: z
      .object({
        mode: z.enum(TRANSLATION_QUALITY_INPUTS as [TranslationQualityInput, ...TranslationQualityInput[]]).optional(),
        features: z.array(z.enum(TRANSLATION_QUALITY_FEATURES as [TranslationQualityFeature, ...TranslationQualityFeature[]])).default([]),
      })
      .strict()
      .optional(),
  }),
  fields: ['source', 'translation', 'score'],
  create: (config) => {
    const pairs = config.data.train.pairs ?? config.data.dev.pairs;
    return new TranslationQualityTask({
      name: config.name,
      hidden: config.head.hidden,
      dropout: config.head.dropout,
      primaryMetric: config.primaryMetric as TranslationQualityMetric,
      ...(pairs ? { pairs } : {}),
      ...(config.input ? { input: config.input.mode ?? 'siamese', features: config.input.features } : {}),
    });
  },
  load: (_config, path, source) => {
    if (source.format === 'mlqe') {
      const target = source.target ?? 'z_mean';
      if (target !== 'z_mean' && target !== 'mean') throw new DataError(path, undefined, `mlqe target must be "z_mean" or "mean", got "${target}"`);
      const r = loadMlqe(path, { mode: source.mode, target, ...(source.pairs ? { pairs: source.pairs } : {}) });
      return {
        ...r,
        rows: r.rows.map((x): TranslationQualityExample => ({
          source: x.source,
          translation: x.translation,
          score: x.score,
          pair: x.pair,
          modelScore: x.modelScore,
          id: x.id,
          // the raw DA beside a z-score target: the model's 0–100 scale
          ...(target === 'z_mean' && x.da !== undefined ? { da: x.da } : {}),
        })),
      };
    }
    if (isGenericFormat(source.format)) {
      const target = source.target ?? 'score';
      const r = genericSourceRows(path, source, target);
      return {
        ...r,
        rows: r.rows.map((x, i) => {
          const e: TranslationQualityExample = {
            source: String(requireField(x, 'source', path, i)),
            translation: String(requireField(x, 'translation', path, i)),
            score: Number(requireField(x, target, path, i)),
          };
          if (x.pair !== undefined) e.pair = String(x.pair);
          if (x.modelScore !== undefined && String(x.modelScore).trim() !== '') e.modelScore = Number(x.modelScore);
          return e;
        }),
      };
    }
    throw new DataError(path, undefined, `task "translation-quality" cannot read format "${source.format}" (mlqe, csv, tsv, jsonl)`);
  },
});
