/** The sentiment task's types and its options schema (one declaration with the defaults). */
import { z } from 'zod';
import type { ClassificationBatch, Label } from '../classification.js';
import type { ClassScores } from '../../metrics/classification.js';
import { FeatureStatsSchema, LabelSchema, distinctNames } from '../options.js';
import type { TokenStates } from '../types.js';

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

export type SentimentPooling = 'mean' | 'attention';
export const SENTIMENT_POOLINGS: readonly SentimentPooling[] = ['mean', 'attention'];

export type SentimentFeature = 'lexicon';
export const SENTIMENT_FEATURES: readonly SentimentFeature[] = ['lexicon'];

/** The task's options with their defaults (the constructor's {@link SentimentConfig}). */
export const SentimentOptions = z
  .object({
    /** Task name. */
    name: z.string().default('sentiment'),
    /** Label map, in class-index order; inferred (sorted) from the training data when absent. */
    labels: z.array(LabelSchema).nullish(),
    /** Hidden layer before the softmax (0 = linear head). */
    hidden: z.number().int().nonnegative().default(128),
    /** Dropout after the hidden layer. */
    dropout: z.number().min(0).lt(1).default(0.1),
    primaryMetric: z.enum(['accuracy', 'macro_f1']).default('accuracy'),
    /** Side features appended before the head. */
    features: distinctNames(SENTIMENT_FEATURES).default([]),
    /** Their standardisation; fitted on the training data when absent. */
    featureStats: FeatureStatsSchema.nullish(),
    /**
     * 'mean': the head reads the encoder's sentence vector (after the shared layers) only;
     * 'attention': it also pools the token states with learned attention.
     */
    pooling: z.enum(SENTIMENT_POOLINGS as [SentimentPooling, ...SentimentPooling[]]).default('mean'),
    /** Width of the attention scorer (pooling 'attention'). */
    attentionDim: z.number().int().positive().default(64),
  })
  .strict();

/** The constructor's options (every field optional; defaults in {@link SentimentOptions}). */
export type SentimentConfig = z.input<typeof SentimentOptions>;

/** A classification batch plus the standardised side features [size × features] and, with attention pooling, the token states. */
export interface SentimentBatch extends ClassificationBatch {
  side: Float32Array;
  /** Pooling 'attention': token states [size, maxLen, dim] (zero at padding) and the mask [size, maxLen]. */
  tokens?: TokenStates;
}

export interface ConfusionReport {
  labels: string[];
  /** `matrix[g][p]`: examples of gold label g predicted as p. */
  matrix: number[][];
  perClass: (ClassScores & { label: string })[];
}
