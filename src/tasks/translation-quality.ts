/**
 * Translation quality estimation (sentence-level direct assessment, WMT20 MLQE-PE): a source and
 * its machine translation → a quality score, without a reference.
 *
 * Built on the generic {@link PairRegressionTask}: source and translation both go through the
 * shared encoder and the shared layers (rows [sources…, translations…]); the head sees
 * [u, v, |u−v|, u⊙v] as COMET-QE does and regresses the standardised target with MSE; predictions
 * come back in the original target scale. This task adds the example shape, metrics from
 * src/metrics (Pearson r, Spearman ρ, Kendall τ-b) per language pair and averaged over pairs.
 */
import { z } from 'zod';
import type * as tf from '../utils/tf.js';
import { DataError } from '../data/errors.js';
import { loadMlqe } from '../data/mlqe.js';
import { genericSourceRows, isGenericFormat, requireField } from '../data/source.js';
import { kendallTauB, mse, pearson, spearman } from '../metrics/correlation.js';
import type { ForwardContext, ParamStore } from '../nn/layers.js';
import { PairRegressionTask, type PairRegressionBatch, type PairRegressionConfig, type PairRegressionExample } from './pair-regression.js';
import type { FeatureLookup, MetricDirection, Task, TaskSpec } from './types.js';
import { taskYaml } from './yaml.js';

export const TRANSLATION_QUALITY_TYPE = 'translation-quality';

export interface TranslationQualityExample {
  source: string;
  translation: string;
  /** Gold quality score (MLQE: z_mean); omit for prediction. */
  score?: number;
  /** Language pair, e.g. `en-de`; metrics are also reported per pair. */
  pair?: string;
  /** The translating model's own score (MLQE `model_scores`), unused by the model. */
  modelScore?: number;
  id?: string;
}

/** Predicted score, in the scale of the training target. */
export type TranslationQualityPrediction = number;

export type TranslationQualityMetric = 'pearson' | 'spearman' | 'kendall';

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
  /** Language pairs expected in the data (adds `pearson@<pair>` … to the metric directions). */
  pairs?: string[];
  /** Default 'pearson'. */
  primaryMetric?: TranslationQualityMetric;
}

const CORRELATIONS = { pearson, spearman, kendall: kendallTauB } as const;
/** Group key of examples without a `pair`. */
const NO_PAIR = '';

/** A correlation, NaN when undefined (fewer than 2 examples, or a constant side). */
function correlation(kind: keyof typeof CORRELATIONS, g: readonly number[], p: readonly number[]): number {
  if (g.length < 2) return NaN;
  return CORRELATIONS[kind](g, p);
}

export class TranslationQualityTask implements Task<TranslationQualityExample, TranslationQualityPrediction, PairRegressionBatch> {
  readonly type = TRANSLATION_QUALITY_TYPE;
  readonly inputKind = 'pair' as const;
  readonly lossKind = 'regression' as const;
  readonly metricDirections: Readonly<Record<string, MetricDirection>>;
  readonly name: string;
  readonly primaryMetric: TranslationQualityMetric;
  readonly pairs: string[];
  /** The generic pair regressor doing the work. */
  readonly inner: PairRegressionTask;

  constructor(config: TranslationQualityConfig = {}) {
    this.name = config.name ?? 'translation-quality';
    this.primaryMetric = config.primaryMetric ?? 'pearson';
    if (!(this.primaryMetric in CORRELATIONS)) throw new Error(`task "${this.name}": primaryMetric must be one of pearson, spearman, kendall, got "${String(this.primaryMetric)}"`);
    this.pairs = [...(config.pairs ?? [])];
    const dirs: Record<string, MetricDirection> = { pearson: 'higher', spearman: 'higher', kendall: 'higher', mse: 'lower' };
    for (const p of this.pairs) for (const k of Object.keys(CORRELATIONS)) dirs[`${k}@${p}`] = 'higher';
    this.metricDirections = dirs;
    const inner: PairRegressionConfig = { name: this.name, hidden: config.hidden ?? 128, dropout: config.dropout ?? 0.1 };
    if (config.targetMean !== undefined) inner.targetMean = config.targetMean;
    if (config.targetStd !== undefined) inner.targetStd = config.targetStd;
    this.inner = new PairRegressionTask(inner);
  }

  private static toPair(e: TranslationQualityExample): PairRegressionExample {
    const p: PairRegressionExample = { a: e.source, b: e.translation };
    if (typeof e.score === 'number') p.score = e.score;
    return p;
  }

  get targetMean(): number | null {
    return this.inner.targetMean;
  }

  get targetStd(): number | null {
    return this.inner.targetStd;
  }

  texts(e: TranslationQualityExample): string[] {
    return [e.source, e.translation];
  }

  /** Fit the target mean / standard deviation on the training scores (unless configured). */
  prepare(train: readonly TranslationQualityExample[]): void {
    for (let i = 0; i < train.length; i++) {
      const s = (train[i] as TranslationQualityExample).score;
      if (s !== undefined && !Number.isFinite(s)) throw new Error(`task "${this.name}": example ${i} has a non-finite score ${s}`);
    }
    this.inner.prepare(train.map(TranslationQualityTask.toPair));
  }

  isPrepared(): boolean {
    return this.inner.isPrepared();
  }

  buildHead(store: ParamStore, inputDim: number, prefix: string): void {
    this.inner.buildHead(store, inputDim, prefix);
  }

  makeBatch(examples: readonly TranslationQualityExample[], features: FeatureLookup, dim: number): PairRegressionBatch {
    return this.inner.makeBatch(examples.map(TranslationQualityTask.toPair), features, dim);
  }

  forward(H: tf.Tensor2D, batch: PairRegressionBatch, ctx: ForwardContext): tf.Tensor {
    return this.inner.forward(H, batch, ctx);
  }

  loss(out: tf.Tensor, batch: PairRegressionBatch): tf.Scalar {
    return this.inner.loss(out, batch);
  }

  decode(out: tf.Tensor, batch: PairRegressionBatch): TranslationQualityPrediction[] {
    return this.inner.decode(out, batch).map((p) => p.score);
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
    const inner = this.inner.toSpec().config;
    return { type: this.type, name: this.name, config: { ...inner, pairs: this.pairs, primaryMetric: this.primaryMetric } };
  }

  static fromSpec(spec: TaskSpec): TranslationQualityTask {
    const c = spec.config as {
      hidden?: number;
      dropout?: number;
      targetMean?: number | null;
      targetStd?: number | null;
      pairs?: string[];
      primaryMetric?: TranslationQualityMetric;
    };
    const cfg: TranslationQualityConfig = { name: spec.name };
    if (c.hidden !== undefined) cfg.hidden = c.hidden;
    if (c.dropout !== undefined) cfg.dropout = c.dropout;
    if (typeof c.targetMean === 'number') cfg.targetMean = c.targetMean;
    if (typeof c.targetStd === 'number') cfg.targetStd = c.targetStd;
    if (c.pairs) cfg.pairs = c.pairs;
    if (c.primaryMetric !== undefined) cfg.primaryMetric = c.primaryMetric;
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
  options: z.object({}),
  fields: ['source', 'translation', 'score'],
  create: (config) => {
    const pairs = config.data.train.pairs ?? config.data.dev.pairs;
    return new TranslationQualityTask({
      name: config.name,
      hidden: config.head.hidden,
      dropout: config.head.dropout,
      primaryMetric: config.primaryMetric as TranslationQualityMetric,
      ...(pairs ? { pairs } : {}),
    });
  },
  load: (_config, path, source) => {
    if (source.format === 'mlqe') {
      const target = source.target ?? 'z_mean';
      if (target !== 'z_mean' && target !== 'mean') throw new DataError(path, undefined, `mlqe target must be "z_mean" or "mean", got "${target}"`);
      const r = loadMlqe(path, { mode: source.mode, target, ...(source.pairs ? { pairs: source.pairs } : {}) });
      return {
        ...r,
        rows: r.rows.map((x): TranslationQualityExample => ({ source: x.source, translation: x.translation, score: x.score, pair: x.pair, modelScore: x.modelScore, id: x.id })),
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
          return e;
        }),
      };
    }
    throw new DataError(path, undefined, `task "translation-quality" cannot read format "${source.format}" (mlqe, csv, tsv, jsonl)`);
  },
});
