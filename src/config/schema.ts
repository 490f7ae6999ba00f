/**
 * Declarative task and training configs (the YAML files in the top-level `tasks/` folder).
 * The same files drive the library, the CLI and the benchmarks.
 *
 * The task YAML schema is built from the task registry (src/tasks/registry.ts): the common fields
 * below plus each task's own options.
 */
import { z } from 'zod';
import { DataSourceSchema, type DataSource } from '../data/source.js';
import { YAML_TASKS, type YamlTaskName, type YamlTasks } from '../tasks/registry.js';
import { TASK_LOSSES, type TaskLoss } from '../tasks/yaml.js';

export { DataSourceSchema, type DataSource };

/** The task types a task YAML can declare (`name:`), in registry order. */
export const TASK_NAMES = Object.keys(YAML_TASKS) as [YamlTaskName, ...YamlTaskName[]];
export type TaskName = YamlTaskName;

/** The loss each configurable task trains with (a task YAML must name it). */
export const EXPECTED_LOSS = Object.fromEntries(TASK_NAMES.map((name) => [name, YAML_TASKS[name].loss])) as Record<TaskName, TaskLoss>;

/** zod's enum message, for a discriminator that matches no member. */
function expectedOneOf(values: readonly string[]): string {
  return `Invalid option: expected one of ${values.map((v) => JSON.stringify(v)).join('|')}`;
}

const SplitsSchema = z.object({ train: DataSourceSchema, dev: DataSourceSchema }).strict();

export const HeadSchema = z
  .object({
    hidden: z.number().int().positive().default(128),
    dropout: z.number().min(0).lt(1).default(0.1),
  })
  .strict();

/** The fields every task YAML has; each task adds its own options (its `yaml.options` in the registry). */
export const TaskConfigCommonSchema = z
  .object({
    description: z.string().optional(),
    /** Real data, relative to the data dir (default ../shared/datasets). */
    data: SplitsSchema,
    /** Self-written samples, relative to the package root; used offline and by the demo. */
    sample: SplitsSchema,
    head: HeadSchema.default({ hidden: 128, dropout: 0.1 }),
    loss: z.enum(TASK_LOSSES),
    metrics: z.array(z.string()).min(1),
    /** The metric used for model selection and Δm; `task.metric` in reports. */
    primaryMetric: z.string(),
    baselines: z.array(z.string()).default([]),
  })
  .strict();

/** `{}` for an options object without keys (zod types it as Record<string, never>). */
type Fields<T> = string extends keyof T ? {} : T; // eslint-disable-line @typescript-eslint/no-empty-object-type
type TaskConfigOf<K extends TaskName> = z.output<typeof TaskConfigCommonSchema> & { name: K } & Fields<z.output<YamlTasks[K]['options']>>;
type TaskConfigInputOf<K extends TaskName> = z.input<typeof TaskConfigCommonSchema> & { name: K } & Fields<z.input<YamlTasks[K]['options']>>;
/** A parsed task YAML: the common fields, `name` (the task type) and that task's own options. */
export type TaskConfig = { [K in TaskName]: TaskConfigOf<K> }[TaskName];

/** Task YAML: `name` picks the task in the registry, whose options join the common fields. */
export const TaskConfigSchema = z.discriminatedUnion(
  'name',
  TASK_NAMES.map((name) => TaskConfigCommonSchema.extend({ name: z.literal(name), ...YAML_TASKS[name].options.shape }).strict()) as unknown as [z.ZodObject, ...z.ZodObject[]],
  { error: (issue) => (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator' ? expectedOneOf(TASK_NAMES) : undefined) },
) as unknown as z.ZodType<TaskConfig, { [K in TaskName]: TaskConfigInputOf<K> }[TaskName]>;

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
