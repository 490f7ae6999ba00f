/**
 * The three tasks (sentiment, translation quality, extractive summarization; a folder each), the
 * generic tasks they build on, what tasks share (options parsing, side features), and the task
 * registry (./registry.ts): one plug-in per task type. The glue from a
 * parsed task config (tasks/*.yaml) to a task and its data, {@link createTask} and
 * {@link loadTaskData}, lives in src/config/tasks.ts, above the config schema it reads.
 */
import type { SentimentExample } from './sentiment/index.js';
import type { SummarizationExample } from './summarization/index.js';
import type { TranslationQualityExample } from './translation-quality/index.js';

export {
  inputKey,
  textExample,
  type AnyTask,
  type CallOptions,
  type EncoderInput,
  type FeatureLookup,
  type InputKind,
  type MetricDirection,
  type Task,
  type TaskBatch,
  type TaskFactory,
  type TaskSpec,
} from './types.js';
export { FeatureStatsSchema, LabelSchema, distinctNames, parseTaskOptions } from './options.js';
export { discriminant, fitStandardiser, meanStd, standardise } from './side-features.js';
export { ClassificationOptions, ClassificationTask, classificationTask } from './classification.js';
export type {
  ClassificationBatch,
  ClassificationConfig,
  ClassificationExample,
  ClassificationPrediction,
  Label,
} from './classification.js';
export { PairRegressionOptions, PairRegressionTask, pairRegressionTask } from './pair-regression.js';
export type { PairRegressionBatch, PairRegressionConfig, PairRegressionExample, PairRegressionPrediction } from './pair-regression.js';
export {
  SENTIMENT_FEATURES,
  SENTIMENT_TYPE,
  SentimentTask,
  sentimentTask,
  sentimentYaml,
  type ConfusionReport,
  type SentimentBatch,
  type SentimentConfig,
  type SentimentExample,
  type SentimentFeature,
  type SentimentMetric,
  type SentimentPrediction,
} from './sentiment/index.js';
export {
  TRANSLATION_QUALITY_FEATURES,
  TRANSLATION_QUALITY_INPUTS,
  TRANSLATION_QUALITY_TYPE,
  TranslationQualityTask,
  fitDaScale,
  ridge,
  sideFeature,
  toDa,
  translationQualityTask,
  translationQualityYaml,
  type DaScale,
  type FeatureStats,
  type TranslationQualityBatch,
  type TranslationQualityConfig,
  type TranslationQualityExample,
  type TranslationQualityFeature,
  type TranslationQualityInput,
  type TranslationQualityMetric,
  type TranslationQualityPrediction,
} from './translation-quality/index.js';
export {
  GreedySelection,
  POSITION_FEATURES,
  SELECTION_FEATURES,
  SUMMARIZATION_FEATURES,
  SUMMARIZATION_SELECTIONS,
  SUMMARIZATION_TYPE,
  SummarizationTask,
  documentFeatures,
  positionFeatures,
  reselect,
  selectSentences,
  selectionFeatures,
  similarityMatrix,
  summarizationTask,
  summarizationYaml,
  type SelectedSentence,
  type SelectionOptions,
  type SummarizationBatch,
  type SummarizationConfig,
  type SummarizationExample,
  type SummarizationFeature,
  type SummarizationMetric,
  type SummarizationPrediction,
  type SummarizationSelection,
} from './summarization/index.js';
export { greedyOracle, oracleLabels, type OracleOptions, type OracleResult } from './oracle.js';
export {
  TASKS,
  TASK_TYPES,
  YAML_TASKS,
  registerTaskType,
  taskFromSpec,
  taskTypes,
  yamlTasks,
  type TaskEntry,
  type TaskPlugin,
  type YamlTaskName,
  type YamlTasks,
} from './registry.js';
export { TASK_LOSSES, taskYaml, type TaskLoss, type TaskYaml, type TaskYamlCommon } from './yaml.js';

export type TaskExample = SentimentExample | TranslationQualityExample | SummarizationExample;
