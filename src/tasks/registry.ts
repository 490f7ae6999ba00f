/**
 * The task registry: one entry per task type. `fromSpec` rebuilds a task from the spec a saved
 * model's manifest stores (`type` → factory); `yaml`, for the tasks a task YAML can declare, gives
 * the loss, the task's own YAML options, and how a parsed config becomes the task and its data
 * (see ./yaml.ts). TASK_NAMES, the task YAML schema (src/config/schema.ts) and the expected losses
 * derive from this list, so adding a task is its file plus one line here.
 */
import { ClassificationTask } from './classification.js';
import { PairRegressionTask } from './pair-regression.js';
import { SentimentTask, sentimentYaml } from './sentiment/index.js';
import { SummarizationTask, summarizationYaml } from './summarization/index.js';
import { TranslationQualityTask, translationQualityYaml } from './translation-quality/index.js';
import type { AnyTask, TaskFactory, TaskSpec } from './types.js';
import type { TaskYaml } from './yaml.js';

export interface TaskEntry {
  /** Rebuild the task from a saved spec. */
  fromSpec: TaskFactory;
  /** Present when a task YAML can declare the task (`name: <type>`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  yaml?: TaskYaml<any, any>;
}

export const TASKS = {
  classification: { fromSpec: (spec) => ClassificationTask.fromSpec(spec) },
  'pair-regression': { fromSpec: (spec) => PairRegressionTask.fromSpec(spec) },
  sentiment: { fromSpec: (spec) => SentimentTask.fromSpec(spec), yaml: sentimentYaml },
  'translation-quality': { fromSpec: (spec) => TranslationQualityTask.fromSpec(spec), yaml: translationQualityYaml },
  summarization: { fromSpec: (spec) => SummarizationTask.fromSpec(spec), yaml: summarizationYaml },
} satisfies Record<string, TaskEntry>;

type Tasks = typeof TASKS;
/** The task types a task YAML can declare (its `name`). */
export type YamlTaskName = { [K in keyof Tasks]: Tasks[K] extends { yaml: TaskYaml } ? K : never }[keyof Tasks];
export type YamlTasks = { [K in YamlTaskName]: Tasks[K]['yaml'] };

/** The YAML declarations of the configurable tasks, in registry order. */
export const YAML_TASKS = Object.fromEntries(
  Object.entries(TASKS as Record<string, TaskEntry>).flatMap(([type, entry]) => (entry.yaml ? [[type, entry.yaml]] : [])),
) as YamlTasks;

/** Task type → factory from a saved spec (used when loading a model); {@link registerTaskType} adds to it. */
export const TASK_TYPES: Record<string, TaskFactory> = Object.fromEntries(Object.entries(TASKS).map(([type, entry]) => [type, entry.fromSpec as TaskFactory]));

/** Register another task type for loading saved models (its spec's `type` → factory). */
export function registerTaskType(type: string, factory: TaskFactory): void {
  TASK_TYPES[type] = factory;
}

export function taskFromSpec(spec: TaskSpec): AnyTask {
  const factory = Object.prototype.hasOwnProperty.call(TASK_TYPES, spec.type) ? TASK_TYPES[spec.type] : undefined;
  if (!factory) throw new Error(`unknown task type "${spec.type}" for task "${spec.name}" (known: ${Object.keys(TASK_TYPES).join(', ')}); register it with registerTaskType()`);
  return factory(spec);
}
