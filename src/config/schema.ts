/**
 * Declarative task and training configs (the YAML files in the top-level `tasks/` folder).
 * The same files drive the library, the CLI and the benchmarks.
 *
 * Nothing here lists tasks or plug-ins by hand: the task YAML schema is built from the task
 * registry (src/tasks/registry.ts: the common fields below plus each task's own options), and the
 * `architecture`, `training.weighting` and `training.sampling` sections from the plug-in
 * registries (`architectures`, `weightings`, `samplers`: `{ type, ...that plug-in's options }`).
 * {@link taskConfigSchema} and {@link trainingConfigSchema} read the registries when called, so a
 * plug-in registered at run time (`register(plugin)` on a registry) is configurable from YAML;
 * `loadTaskConfig` and `loadTrainingConfig` call them at every parse.
 */
import { z } from 'zod';
import { architectures } from '../architectures/index.js';
import { DataSourceSchema, type DataSource } from '../data/source.js';
import { FINETUNE_DEFAULTS } from '../training/finetune-options.js';
import { samplers } from '../sampling/index.js';
import { YAML_TASKS, yamlTasks, type YamlTaskName, type YamlTasks } from '../tasks/registry.js';
import { TASK_LOSSES, type TaskLoss } from '../tasks/yaml.js';
import { weightings } from '../weighting/index.js';

export { DataSourceSchema, type DataSource };

/** The built-in task types a task YAML can declare (`name:`), in registry order (typed; `yamlTasks()` reads the registry). */
export const TASK_NAMES = Object.keys(YAML_TASKS) as [YamlTaskName, ...YamlTaskName[]];
export type TaskName = YamlTaskName;

/** The loss each configurable task trains with (a task YAML must name it). */
export const EXPECTED_LOSS = Object.fromEntries(TASK_NAMES.map((name) => [name, YAML_TASKS[name].loss])) as Record<TaskName, TaskLoss>;

/** zod's enum message, for a discriminator that matches no member. */
function expectedOneOf(values: readonly string[]): string {
  return `Invalid option: expected one of ${values.map((v) => JSON.stringify(v)).join('|')}`;
}

/**
 * `{ [key]: literal, ...options }` per registry entry, as a discriminated union on `key`; an unknown
 * value of `key` gets zod's enum message listing the registered names.
 */
function unionOf(key: string, entries: [string, z.ZodObject][]): z.ZodType<PluginConfig> {
  if (entries.length === 0) throw new Error(`config schema: no ${key} registered`);
  const members = entries.map(([name, options]) => options.extend({ [key]: z.literal(name) }).strict());
  const names = entries.map(([name]) => name);
  return z.discriminatedUnion(key, members as unknown as [z.ZodObject, ...z.ZodObject[]], {
    error: (issue) =>
      issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator' ? expectedOneOf(names) : undefined,
  }) as unknown as z.ZodType<PluginConfig>;
}

/** A parsed plug-in section: its `type` and that plug-in's options. */
export type PluginConfig = { type: string } & Record<string, unknown>;

/** `training.weighting`: one member per registered weighting (read now). */
export function weightingConfigSchema(): z.ZodType<PluginConfig> {
  return unionOf(
    'type',
    weightings.values().map((p) => [p.type, p.options]),
  );
}

/** `training.sampling`: one member per registered sampler (read now). */
export function samplingConfigSchema(): z.ZodType<PluginConfig> {
  return unionOf(
    'type',
    samplers.values().map((p) => [p.type, p.options]),
  );
}

/** `architecture`: one member per registered architecture (read now). */
export function architectureConfigSchema(): z.ZodType<PluginConfig> {
  return unionOf(
    'type',
    architectures.values().map((p) => [p.type, p.options]),
  );
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
type TaskConfigInputOf<K extends TaskName> = z.input<typeof TaskConfigCommonSchema> & { name: K } & Fields<
    z.input<YamlTasks[K]['options']>
  >;
/** A parsed task YAML: the common fields, `name` (the task type) and that task's own options. */
export type TaskConfig = { [K in TaskName]: TaskConfigOf<K> }[TaskName];

/**
 * Task YAML: `name` picks the task in the registry, whose options join the common fields. Built from
 * the task registry as it is when called (a task type registered with a `yaml` is declarable).
 */
export function taskConfigSchema(): z.ZodType<TaskConfig, { [K in TaskName]: TaskConfigInputOf<K> }[TaskName]> {
  const tasks = yamlTasks();
  const names = tasks.map(([name]) => name);
  return z.discriminatedUnion(
    'name',
    tasks.map(([name, t]) => TaskConfigCommonSchema.extend({ name: z.literal(name), ...t.options.shape }).strict()) as unknown as [
      z.ZodObject,
      ...z.ZodObject[],
    ],
    {
      error: (issue) =>
        issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator' ? expectedOneOf(names) : undefined,
    },
  ) as unknown as z.ZodType<TaskConfig, { [K in TaskName]: TaskConfigInputOf<K> }[TaskName]>;
}

/** The task YAML schema of the built-in tasks (loadTaskConfig builds a fresh one per parse). */
export const TaskConfigSchema = taskConfigSchema();

export const EncoderConfigSchema = z
  .object({
    /** Hub id, local folder, or `fixture:<variant>` for a generated offline encoder. */
    model: z.string().min(1),
    /** The ONNX file: `auto` (the default) takes what the model has (q8 on a CPU with VNNI/AMX when both exist, else fp32). */
    dtype: z.enum(['auto', 'fp32', 'fp16', 'q8', 'q4']).default('auto'),
    pooling: z.enum(['auto', 'mean', 'cls', 'max']).default('auto'),
    normalize: z.boolean().default(false),
    maxLength: z.number().int().positive().optional(),
    /** Read the features from this layer: 0 = embeddings, k = after layer k, negative from the end (Encoder's `layer`). */
    layer: z.number().int().optional(),
    /** Node, CPU: encode the datasets' texts in this many worker threads at once (Encoder's `workers`); not part of the saved model. */
    workers: z.number().int().positive().optional(),
    /** Train the encoder's top layers with the heads (MultiTaskModel's `finetune`); layers 0 = frozen. */
    finetune: z
      .object({
        /** Top transformer layers trained with the heads (0: the encoder stays frozen). */
        layers: z.number().int().min(0).default(0),
        /** Peak learning rate of the top (its own AdamW, apart from the heads'). */
        lr: z.number().positive().default(FINETUNE_DEFAULTS.lr),
        /** Fraction of the steps warming the top's learning rate up; then linear decay to 0. */
        warmup: z.number().min(0).max(1).default(FINETUNE_DEFAULTS.warmup),
        /** Layer-wise decay: layer L − i learns at lr · layerDecay^i (1: the same rate). */
        layerDecay: z.number().gt(0).max(1).default(FINETUNE_DEFAULTS.layerDecay),
        /** Dropout of the top in training (hidden and attention). */
        dropout: z.number().min(0).lt(1).default(FINETUNE_DEFAULTS.dropout),
        /** Decoupled weight decay of the top's AdamW. */
        weightDecay: z.number().min(0).default(FINETUNE_DEFAULTS.weightDecay),
        /** Memory budget (MiB) of the cached bottom token states; 0 recomputes them every batch. */
        cacheMB: z.number().min(0).default(FINETUNE_DEFAULTS.cacheMB),
      })
      .strict()
      .optional(),
  })
  .strict();

/**
 * Training YAML. The plug-in sections are built from the registries as they are when this is
 * called (see the file comment); {@link TrainingConfigSchema} is the schema of the built-in plug-ins.
 */
export function trainingConfigSchema() {
  return z
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
              /** Read this task's features from this layer of the encoder (0 = embeddings, negative from the end); default the encoder's own. */
              layer: z.number().int().optional(),
              /** This task's batch size (default training.batchSize); the samplers count its batches, not its examples. */
              batchSize: z.number().int().positive().optional(),
            })
            .strict(),
        )
        .min(1),
      // `architecture: {}` or one without `type` is hard sharing, as before the registry
      architecture: z
        .preprocess(
          (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && !('type' in v) ? { type: 'hard', ...v } : v),
          architectureConfigSchema(),
        )
        .default({ type: 'hard' }),
      sharedLayers: z
        .object({
          depth: z.number().int().nonnegative().default(1),
          width: z.number().int().positive().default(256),
          dropout: z.number().min(0).lt(1).default(FINETUNE_DEFAULTS.dropout),
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
          weighting: weightingConfigSchema().default({ type: 'static' }),
          sampling: samplingConfigSchema().default({ type: 'all' }),
          clipNorm: z.number().positive().optional(),
          evalEvery: z.number().int().positive().optional(),
          earlyStopping: z.object({ metric: z.string(), patience: z.number().int().positive() }).strict().optional(),
          seed: z.number().int().default(42),
        })
        .strict()
        .prefault({}), // parsed, so the fields get their defaults (zod 4 returns a .default() value as is)
    })
    .strict();
}

/** The training YAML schema of the built-in plug-ins (loadTrainingConfig builds a fresh one per parse). */
export const TrainingConfigSchema = trainingConfigSchema();
export type TrainingConfig = z.infer<ReturnType<typeof trainingConfigSchema>>;

/** `training.weighting` / `training.sampling` / `architecture` of the built-in plug-ins. */
export const WeightingConfigSchema = weightingConfigSchema();
export const SamplingConfigSchema = samplingConfigSchema();
export const ArchitectureConfigSchema = architectureConfigSchema();
