/** Task type registry (type → factory from a saved spec), used when loading a model. */
import { ClassificationTask } from '../tasks/classification.js';
import { PairRegressionTask } from '../tasks/pair-regression.js';
import { SentimentTask } from '../tasks/sentiment.js';
import { SummarizationTask } from '../tasks/summarization.js';
import { TranslationQualityTask } from '../tasks/translation-quality.js';
import type { AnyTask, TaskFactory, TaskSpec } from '../tasks/types.js';

export const TASK_TYPES: Record<string, TaskFactory> = {
  classification: (spec) => ClassificationTask.fromSpec(spec),
  'pair-regression': (spec) => PairRegressionTask.fromSpec(spec),
  sentiment: (spec) => SentimentTask.fromSpec(spec),
  'translation-quality': (spec) => TranslationQualityTask.fromSpec(spec),
  summarization: (spec) => SummarizationTask.fromSpec(spec),
};

/** Register another task type (e.g. sentiment, translation quality, summarization). */
export function registerTaskType(type: string, factory: TaskFactory): void {
  TASK_TYPES[type] = factory;
}

export function taskFromSpec(spec: TaskSpec): AnyTask {
  const factory = TASK_TYPES[spec.type];
  if (!factory) throw new Error(`unknown task type "${spec.type}" for task "${spec.name}" (known: ${Object.keys(TASK_TYPES).join(', ')}); register it with registerTaskType()`);
  return factory(spec);
}
