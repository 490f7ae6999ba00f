/**
 * The summarization task's types: examples, predictions, selection options, its options schema
 * (one declaration with the defaults; constructor, saved spec and task YAML parse through it) and
 * its batch.
 */
import { z } from 'zod';
import { distinctNames } from '../options.js';
import type { TaskBatch } from '../types.js';

export const SUMMARIZATION_TYPE = 'summarization';

export interface SummarizationExample {
  /** The document, split into sentences. */
  sentences: string[];
  /** Reference summary (its sentences joined by "\n"), or several references. */
  summary?: string | string[];
  /** 0/1 per sentence; computed by the oracle from `summary` when omitted. */
  labels?: number[];
  id?: string;
}

export interface SelectedSentence {
  text: string;
  /** Index in the document. */
  index: number;
  /** Model probability that the sentence belongs to the summary. */
  score: number;
}

export interface SummarizationPrediction {
  /** Selected sentences in document order, joined by "\n". */
  summary: string;
  /** Selected sentences in document order. */
  sentences: SelectedSentence[];
  /** Score of every scored sentence (the first `maxSentences`), for re-selection with other options. */
  scores: number[];
}

export interface SelectionOptions {
  /** Most sentences to select. Default 3 when neither `ratio` nor `words` is given. */
  sentences?: number;
  /** Most sentences as a fraction of the document's sentences: ⌈ratio · n⌉ (at least 1). */
  ratio?: number;
  /**
   * Word budget (whitespace-separated words): sentences are taken in score order while the total
   * stays within the budget, stopping at the first one that does not fit (the first selected
   * sentence is always taken).
   */
  words?: number;
  /** Skip a candidate sharing a trigram with an already selected sentence (default true). */
  trigramBlocking?: boolean;
}

export type SummarizationMetric = 'rouge1' | 'rouge2' | 'rougeL' | 'rougeLsum';

export type SummarizationSelection = 'independent' | 'conditional';
export const SUMMARIZATION_SELECTIONS: readonly SummarizationSelection[] = ['independent', 'conditional'];

export type SummarizationFeature = 'textrank' | 'centrality' | 'redundancy';
export const SUMMARIZATION_FEATURES: readonly SummarizationFeature[] = ['textrank', 'centrality', 'redundancy'];

/** Selection limits (see {@link SelectionOptions}); trigram blocking unless turned off. */
export const SelectionOptionsSchema = z
  .object({
    sentences: z.number().int().positive().optional(),
    ratio: z.number().gt(0).lte(1).optional(),
    words: z.number().int().positive().optional(),
    trigramBlocking: z.boolean().optional(),
  })
  .strict();

/** The task's options with their defaults (the constructor's `SummarizationConfig`). */
export const SummarizationOptions = z
  .object({
    /** Task name. */
    name: z.string().default('summarization'),
    /** Hidden width of the sentence scorer. */
    hidden: z.number().int().positive().default(128),
    dropout: z.number().min(0).lt(1).default(0.1),
    /** Sentences per document that are scored (the rest are never selected). */
    maxSentences: z.number().int().positive().default(40),
    /** Most sentences the oracle selects for the labels (BertSumExt: 3). */
    oracleSentences: z.number().int().positive().default(3),
    /** Default selection at inference (trigram blocking on unless turned off). */
    inference: SelectionOptionsSchema.default({}).transform((s): SelectionOptions => ({ trigramBlocking: true, ...s })),
    primaryMetric: z.enum(['rouge1', 'rouge2', 'rougeL', 'rougeLsum']).default('rouge2'),
    /** Document-context features per sentence (see the module comment). */
    features: distinctNames(SUMMARIZATION_FEATURES).default([]),
    /** 'conditional': score each sentence given those already selected. */
    selection: z.enum(SUMMARIZATION_SELECTIONS as [SummarizationSelection, ...SummarizationSelection[]]).default('independent'),
  })
  .strict();

/** The constructor's options (every field optional; defaults in {@link SummarizationOptions}). */
export type SummarizationConfig = z.input<typeof SummarizationOptions>;

export interface SummarizationBatch extends TaskBatch {
  /** Padded sentences per document (≥ 1). */
  maxN: number;
  /** Real (scored) sentences per document. */
  counts: number[];
  /** 1 for real sentences, 0 for padding, [size × maxN]. */
  mask: Float32Array;
  /** Position features and then the document-context features, [size × maxN × (POSITION_FEATURES + features)]. */
  positions: Float32Array;
  /** 0/1 oracle / gold labels [size × maxN] when hasTargets. */
  targets: Float32Array | null;
  /** The documents' sentences (for decoding). */
  documents: string[][];
  /** Conditional selection: each document's {@link similarityMatrix} of its scored sentences. */
  similarities: number[][][] | null;
  /**
   * Conditional selection with targets: the teacher-forced states (oracle prefixes), `steps` per
   * document (padded), state features [size × steps × maxN × SELECTION_FEATURES] and loss weights
   * [size × steps × maxN] (1 for a real sentence not selected in a state the document has).
   */
  states: { steps: number; features: Float32Array; weights: Float32Array } | null;
}
