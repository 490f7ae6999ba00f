/**
 * Declarative task and training configs (the YAML files in the top-level `tasks/` folder).
 * The same files drive the library, the CLI and the benchmarks.
 */
import { z } from 'zod';

export const TASK_NAMES = ['sentiment', 'translation-quality', 'summarization'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

const columns = z.record(z.string(), z.string());

/** Where one split of a task's data comes from; `path` is relative to the data root. */
export const DataSourceSchema = z
  .object({
    format: z.enum(['sst2', 'xlmt', 'mlqe', 'bbc', 'scitldr', 'csv', 'tsv', 'jsonl']),
    path: z.string().min(1),
    /** xlmt: languages (folders); mlqe: language pairs (files). */
    languages: z.array(z.string()).optional(),
    pairs: z.array(z.string()).optional(),
    /** mlqe: the target column (default z_mean). */
    target: z.string().optional(),
    /** generic formats: field name in the file for each field the task needs. */
    columns: columns.optional(),
    /** bbc has no dev split: a deterministic hash split of the documents. */
    split: z.object({ part: z.enum(['train', 'dev']), devFraction: z.number().gt(0).lt(1) }).optional(),
    /** Use at most this many examples (deterministic prefix after loading). */
    limit: z.number().int().positive().optional(),
    mode: z.enum(['strict', 'lenient']).default('strict'),
  })
  .strict();
export type DataSource = z.infer<typeof DataSourceSchema>;

const SplitsSchema = z.object({ train: DataSourceSchema, dev: DataSourceSchema }).strict();

export const HeadSchema = z
  .object({
    hidden: z.number().int().positive().default(128),
    dropout: z.number().min(0).lt(1).default(0.1),
  })
  .strict();

export const TaskConfigSchema = z
  .object({
    name: z.enum(TASK_NAMES),
    description: z.string().optional(),
    /** Label map for classification tasks, in class-index order. */
    labels: z.array(z.string()).min(2).optional(),
    /** Real data, relative to the data dir (default ../shared/datasets). */
    data: SplitsSchema,
    /** Self-written samples, relative to the package root; used offline and by the demo. */
    sample: SplitsSchema,
    head: HeadSchema.default({ hidden: 128, dropout: 0.1 }),
    loss: z.enum(['cross-entropy', 'mse', 'binary-cross-entropy']),
    metrics: z.array(z.string()).min(1),
    /** The metric used for model selection and Δm; `task.metric` in reports. */
    primaryMetric: z.string(),
    baselines: z.array(z.string()).default([]),
    /**
     * Translation quality: how source and translation reach the encoder (`mode` siamese: apart, the
     * default; cross: one sequence [CLS] src [SEP] mt [SEP]; cross+siamese: both). Numeric side
     * features for the head: translation quality `model-score`, `length-ratio` (standardised on
     * train); sentiment `lexicon` (standardised); summarization `textrank`, `centrality`, `redundancy`
     * (document context from the encoder vectors).
     */
    input: z
      .object({
        mode: z.enum(['siamese', 'cross', 'cross+siamese']).optional(),
        features: z.array(z.enum(['model-score', 'length-ratio', 'lexicon', 'textrank', 'centrality', 'redundancy'])).default([]),
      })
      .strict()
      .optional(),
    /** Summarization inference defaults. */
    inference: z
      .object({
        sentences: z.number().int().positive().optional(),
        ratio: z.number().gt(0).lte(1).optional(),
        words: z.number().int().positive().optional(),
        trigramBlocking: z.boolean().default(true),
      })
      .strict()
      .optional(),
  })
  .strict();
export type TaskConfig = z.infer<typeof TaskConfigSchema>;

export const EncoderConfigSchema = z
  .object({
    /** Hub id, local folder, or `fixture:<variant>` for a generated offline encoder. */
    model: z.string().min(1),
    dtype: z.enum(['fp32', 'fp16', 'q8', 'q4']).default('fp32'),
    pooling: z.enum(['auto', 'mean', 'cls', 'max']).default('auto'),
    normalize: z.boolean().default(false),
    maxLength: z.number().int().positive().optional(),
  })
  .strict();

export const WeightingConfigSchema = z
  .object({
    type: z.enum(['static', 'equal', 'uncertainty', 'dwa', 'gradnorm', 'rlw', 'pcgrad']),
    /** dwa: temperature. */
    T: z.number().positive().optional(),
    /** gradnorm: restoring-force strength α. */
    alpha: z.number().nonnegative().optional(),
  })
  .strict();

export const SamplingConfigSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('all') }).strict(),
  z.object({ type: z.literal('proportional') }).strict(),
  z.object({ type: z.literal('temperature'), T: z.number().positive() }).strict(),
  z.object({ type: z.literal('round-robin') }).strict(),
  z.object({ type: z.literal('uniform') }).strict(),
]);

export const TrainingConfigSchema = z
  .object({
    encoder: EncoderConfigSchema,
    tasks: z
      .array(
        z
          .object({
            /** Path of a task config, relative to this file. */
            config: z.string(),
            /** λ for static weighting. */
            lambda: z.number().nonnegative().default(1),
          })
          .strict(),
      )
      .min(1),
    architecture: z
      .object({
        type: z.enum(['hard', 'cross-stitch', 'mmoe']).default('hard'),
        /** mmoe: number of shared experts. */
        experts: z.number().int().positive().optional(),
        /** cross-stitch: initial diagonal of the task-relation matrix. */
        selfWeight: z.number().gt(0).lte(1).optional(),
      })
      .strict()
      .default({ type: 'hard' }),
    sharedLayers: z
      .object({
        depth: z.number().int().nonnegative().default(1),
        width: z.number().int().positive().default(256),
        dropout: z.number().min(0).lt(1).default(0.1),
      })
      .strict()
      .default({ depth: 1, width: 256, dropout: 0.1 }),
    training: z
      .object({
        epochs: z.number().int().positive().optional(),
        steps: z.number().int().positive().optional(),
        batchSize: z.number().int().positive().default(32),
        optimizer: z
          .object({
            type: z.literal('adamw').default('adamw'),
            lr: z.number().positive().default(1e-3),
            weightDecay: z.number().nonnegative().default(0.01),
          })
          .strict()
          .default({ type: 'adamw', lr: 1e-3, weightDecay: 0.01 }),
        schedule: z
          .object({ warmup: z.number().nonnegative().default(0), decay: z.enum(['none', 'linear', 'cosine']).default('linear') })
          .strict()
          .default({ warmup: 0, decay: 'linear' }),
        weighting: WeightingConfigSchema.default({ type: 'static' }),
        sampling: SamplingConfigSchema.default({ type: 'all' }),
        clipNorm: z.number().positive().optional(),
        evalEvery: z.number().int().positive().optional(),
        earlyStopping: z.object({ metric: z.string(), patience: z.number().int().positive() }).strict().optional(),
        seed: z.number().int().default(42),
      })
      .strict()
      .prefault({}), // parsed, so the fields get their defaults (zod 4 returns a .default() value as is)
  })
  .strict();
export type TrainingConfig = z.infer<typeof TrainingConfigSchema>;
