/**
 * The three tasks (sentiment, translation quality, extractive summarization), the generic tasks
 * they build on, and the task registry (./registry.ts): one entry per task type. The glue from a
 * parsed task config (tasks/*.yaml) to a task and its data, {@link createTask} and
 * {@link loadTaskData}, lives in src/config/tasks.ts, above the config schema it reads.
 */
import type { SentimentExample } from './sentiment.js';
import type { SummarizationExample } from './summarization.js';
import type { TranslationQualityExample } from './translation-quality.js';

export * from './types.js';
export { ClassificationTask, classificationTask } from './classification.js';
export type { ClassificationBatch, ClassificationConfig, ClassificationExample, ClassificationPrediction, Label } from './classification.js';
export { PairRegressionTask, pairRegressionTask } from './pair-regression.js';
export type { PairRegressionBatch, PairRegressionConfig, PairRegressionExample, PairRegressionPrediction } from './pair-regression.js';
export * from './sentiment.js';
export * from './translation-quality.js';
export * from './summarization.js';
export * from './oracle.js';
export * from './registry.js';
export * from './yaml.js';

export type TaskExample = SentimentExample | TranslationQualityExample | SummarizationExample;
