/** The translation-quality task's types, its side features and its options schema (one declaration with the defaults). */
import { z } from 'zod';
import { lengthRatioFeature } from '../../baselines/translation-quality.js';
import { FeatureStatsSchema, distinctNames } from '../options.js';
import type { TaskBatch } from '../types.js';
import { UserError } from '../../errors.js';

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
    throw new UserError(
      `the model uses the MT system's score (feature "model-score"), but the example has no finite modelScore; give every input its modelScore, or train the task without the model-score feature`,
    );
  }
  return e.modelScore;
}

export interface TranslationQualityBatch extends TaskBatch {
  /** Standardised targets [size] when hasTargets. */
  targets: Float32Array | null;
  /** Standardised side features [size × features] (empty without features). */
  side: Float32Array;
}

/** The task's options with their defaults (the constructor's {@link TranslationQualityConfig}). */
export const TranslationQualityOptions = z
  .object({
    /** Task name. */
    name: z.string().default('translation-quality'),
    /** Hidden width of the regressor. */
    hidden: z.number().int().positive().default(128),
    dropout: z.number().min(0).lt(1).default(0.1),
    /** Target standardisation; fitted on the training data when absent. */
    targetMean: z.number().nullish(),
    targetStd: z.number().nullish(),
    /** Language pairs expected in the data (adds `pearson@<pair>` … to the metric directions). */
    pairs: z.array(z.string()).default([]),
    primaryMetric: z.enum(['pearson', 'spearman', 'kendall']).default('pearson'),
    /** Input mode (see ./index.ts). */
    input: z.enum(TRANSLATION_QUALITY_INPUTS as [TranslationQualityInput, ...TranslationQualityInput[]]).default('siamese'),
    /** Side features, in this order. */
    features: distinctNames(TRANSLATION_QUALITY_FEATURES).default([]),
    /** Side-feature standardisation; fitted on the training data when absent. */
    featureStats: FeatureStatsSchema.nullish(),
    /** The 0–100 DA scale of z-score predictions; fitted on the training rows with `da` when absent. */
    daScale: z.object({ intercept: z.number(), slope: z.number(), r: z.number(), n: z.number() }).strict().nullish(),
  })
  .strict();

/** The constructor's options (every field optional; defaults in {@link TranslationQualityOptions}). */
export type TranslationQualityConfig = z.input<typeof TranslationQualityOptions>;
