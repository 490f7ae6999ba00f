/**
 * The task registry (src/utils/registry.ts): one plug-in per task type, `{ type, options, create,
 * yaml? }`. `create` rebuilds a task from the spec a saved model's manifest stores; `options` is the
 * task's options schema (its constructor's, which a spec's config is parsed by); `yaml`, for the
 * tasks a task YAML can declare, gives the loss, the task's own YAML options, and how a parsed
 * config becomes the task and its data (see ./yaml.ts). The task YAML schema
 * (src/config/schema.ts `taskConfigSchema()`), the known task names of errors and the generic-file
 * fields read the registry when used, so a task type registered at run time (`taskTypes.register`,
 * or {@link registerTaskType}) loads from saved models and, with a `yaml`, from task YAML files.
 */
import { UserError } from '../errors.js';
import type { z } from 'zod';
import { Registry, type Plugin } from '../utils/registry.js';
import { ClassificationOptions, ClassificationTask } from './classification.js';
import { PairRegressionOptions, PairRegressionTask } from './pair-regression.js';
import { SentimentOptions, SentimentTask, sentimentYaml } from './sentiment/index.js';
import { SummarizationOptions, SummarizationTask, summarizationYaml } from './summarization/index.js';
import { TranslationQualityOptions, TranslationQualityTask, translationQualityYaml } from './translation-quality/index.js';
import type { AnyTask, TaskFactory, TaskSpec } from './types.js';
import type { TaskYaml } from './yaml.js';

export interface TaskPlugin extends Plugin {
  /** The task's options schema (what its constructor takes; a saved spec's config is parsed by it). */
  options?: z.ZodType;
  /** Rebuild the task from a saved spec. */
  create: TaskFactory;
  /** Present when a task YAML can declare the task (`name: <type>`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  yaml?: TaskYaml<any, any>;
}

/** A plug-in without its `type` (the key of {@link TASKS}). */
export type TaskEntry = Omit<TaskPlugin, 'type'>;

/** The built-in task types (typed: the task YAML's types derive from the entries with a `yaml`). */
export const TASKS = {
  classification: { options: ClassificationOptions, create: (spec) => ClassificationTask.fromSpec(spec) },
  'pair-regression': { options: PairRegressionOptions, create: (spec) => PairRegressionTask.fromSpec(spec) },
  sentiment: { options: SentimentOptions, create: (spec) => SentimentTask.fromSpec(spec), yaml: sentimentYaml },
  'translation-quality': {
    options: TranslationQualityOptions,
    create: (spec) => TranslationQualityTask.fromSpec(spec),
    yaml: translationQualityYaml,
  },
  summarization: { options: SummarizationOptions, create: (spec) => SummarizationTask.fromSpec(spec), yaml: summarizationYaml },
} satisfies Record<string, TaskEntry>;

type Tasks = typeof TASKS;
/** The built-in task types a task YAML can declare (its `name`). */
export type YamlTaskName = { [K in keyof Tasks]: Tasks[K] extends { yaml: TaskYaml } ? K : never }[keyof Tasks];
export type YamlTasks = { [K in YamlTaskName]: Tasks[K]['yaml'] };

/** The task registry: the built-in task types, then those registered at run time. */
export const taskTypes = new Registry<TaskPlugin>(
  'task type',
  Object.entries(TASKS as Record<string, TaskEntry>).map(([type, entry]) => ({ type, ...entry })),
);

/** The YAML declarations of the built-in configurable tasks, in registry order (typed; {@link yamlTasks} reads the registry). */
export const YAML_TASKS = Object.fromEntries(
  Object.entries(TASKS as Record<string, TaskEntry>).flatMap(([type, entry]) => (entry.yaml ? [[type, entry.yaml]] : [])),
) as YamlTasks;

/** The task types a task YAML can declare now (the registry's plug-ins with a `yaml`), in registry order. */
export function yamlTasks(): [string, TaskYaml][] {
  return taskTypes.values().flatMap((p) => (p.yaml ? [[p.type, p.yaml as TaskYaml] as [string, TaskYaml]] : []));
}

/** Live view `type → plug-in` of {@link taskTypes}. */
export const TASK_TYPES = taskTypes.asRecord();

/**
 * Register a task type: `registerTaskType({ type, create, options?, yaml? })` (the same as
 * `taskTypes.register`), or `registerTaskType(type, factory)` for a factory from a saved spec.
 * @example
 * registerTaskType('topic', (spec) => TopicTask.fromSpec(spec));
 * await MultiTaskModel.fromPretrained('runs/topic'); // a saved model whose manifest has { type: 'topic', … }
 */
export function registerTaskType(plugin: TaskPlugin): void;
export function registerTaskType(type: string, factory: TaskFactory): void;
export function registerTaskType(a: string | TaskPlugin, factory?: TaskFactory): void {
  if (typeof a === 'string') {
    if (typeof factory !== 'function')
      throw new UserError(`registerTaskType("${a}", factory): the factory must be a function (spec) => task`);
    taskTypes.register({ type: a, create: factory });
  } else taskTypes.register(a);
}

export function taskFromSpec(spec: TaskSpec): AnyTask {
  const plugin = taskTypes.get(spec.type);
  if (!plugin)
    throw new UserError(
      `unknown task type "${spec.type}" for task "${spec.name}" (known: ${taskTypes.types().join(', ')}); register it with registerTaskType()`,
    );
  return plugin.create(spec);
}
