// Public API (Node). Each area has its own index; src/index.browser.ts is the browser subset.
export { Encoder, encodeNpy, decodeNpy } from './encoder/index.js';
export { encodeCommand, parseLines, type EncodeCommandOptions } from './experiment/encode-file.js';
export type { EncoderLoadOptions } from './encoder/index.js';
export {
  type Device, type Dtype, type EncodeOptions, type EncodeProgress, type EncodeResult,
  type EncoderCacheOptions, type EncoderInfo, type EncoderOptions, type Pooling,
  type SentenceEncoder, type TokenEncodeResult
} from './encoder/types.js';
export {
  ARCHITECTURES, AdamW, ClassificationTask, FeatureStore, MANIFEST_FILE, MultiTaskModel,
  PairRegressionTask, ParamStore, TASK_TYPES, WEIGHTINGS, WEIGHTS_FILE, availableBackends,
  checkpointPath, classificationTask, clipByGlobalNorm, createArchitecture, createWeighting,
  decodeSafetensors, deltaMOverBaselines, encodeSafetensors, initBackend, learningRate,
  packageVersion, pairRegressionTask, readPointer, registerArchitecture, registerTaskType,
  registerWeighting, taskFromSpec, type AnyTask, type ArchitectureConfig, type ArchitecturePlugin,
  type BackendName, type BackendPreference, type Baselines, type CheckpointConfig,
  type CreateOptions, type EarlyStoppingConfig, type EncoderIdentity, type EvalRecord,
  type FeatureLookup, type FitOptions, type InputKind, type Manifest, type MetricDirection,
  type ModelLoadOptions, type OptimizerConfig, type ProgressEvent, type ScheduleConfig,
  type SharedLayersConfig, type StepRecord, type SyntheticEncoder, type Task, type TaskBatch,
  type TaskRelations, type TaskSpec, type TrainingHistory, type WeightingConfig,
  type WeightingPlugin
} from './training/index.js';
export {
  POSITION_FEATURES, SENTIMENT_TYPE, SUMMARIZATION_TYPE, SentimentTask, SummarizationTask, TASKS,
  TASK_LOSSES, TRANSLATION_QUALITY_TYPE, TranslationQualityTask, YAML_TASKS, greedyOracle,
  oracleLabels, positionFeatures, reselect, selectSentences, sentimentTask, sentimentYaml,
  summarizationTask, summarizationYaml, taskYaml, translationQualityTask, translationQualityYaml,
  type ClassificationBatch, type ClassificationConfig, type ClassificationExample,
  type ClassificationPrediction, type ConfusionReport, type Label, type OracleOptions,
  type OracleResult, type PairRegressionBatch, type PairRegressionConfig,
  type PairRegressionExample, type PairRegressionPrediction, type SelectedSentence,
  type SelectionOptions, type SentimentConfig, type SentimentExample, type SentimentMetric,
  type SentimentPrediction, type SummarizationBatch, type SummarizationConfig,
  type SummarizationExample, type SummarizationMetric, type SummarizationPrediction,
  type TaskEntry, type TaskExample, type TaskFactory, type TaskLoss, type TaskYaml,
  type TaskYamlCommon, type TranslationQualityConfig, type TranslationQualityExample,
  type TranslationQualityMetric, type TranslationQualityPrediction, type YamlTaskName,
  type YamlTasks
} from './tasks/index.js';
export {
  DEFAULT_ROUGE_TYPES, PorterStemmerNltk, accuracy, averageRanks, bootstrapRouge, confusionMatrix,
  corpusRouge, deltaM, formatConfusionMatrix, kendallTauB, lcsIndices, macroF1,
  macroF1FromConfusion, macroPrecision, macroRecall, mae, mse, pearson, perClassScores, porterStem,
  rougeFmeasure, rougeLFromTokens, rougeLsumFromTokens, rougeNFromTokens, scoreRouge,
  scoreRougeSingle, spearman, splitRougeSentences, tokenizeForRouge, type ClassScores,
  type CorpusRougeResult, type CorpusRougeType, type MacroOptions, type MetricRow,
  type RougeInterval, type RougeOptions, type RougePair, type RougeScore, type RougeScores,
  type RougeType, type TaskDirectionTable, type TaskMetricTable
} from './metrics/index.js';
export {
  BBC_CATEGORIES, DataError, MLQE_PAIRS, ProblemCollector, SST2_LABELS, XLMT_LABELS,
  XLMT_LANGUAGES, alignSummarySentences, bbcRoot, decodeText, detectFormat, loadBbc, loadDataset,
  loadGeneric, loadMlqe, loadSciTldr, loadSst2, loadXlmt, mlqePath, resolveMode, scitldrPath,
  splitSentences, sst2Path, unescapeTweet, xlmtRoot, type BbcExample, type BbcOptions,
  type DatasetFormat, type DatasetRow, type DatasetSpec, type GenericFormat, type GenericOptions,
  type GenericRow, type LoadMode, type LoadOptions, type LoadResult, type MlqeExample,
  type MlqeOptions, type Problem, type SciTldrExample, type Sst2Example, type Sst2Label,
  type XlmtExample, type XlmtLabel, type XlmtOptions
} from './data/index.js';
export {
  fitSentimentBaseline, inferPolarity, lexiconScore, tokenizeForLexicon, type LabeledText,
  type SentimentBaseline, type SentimentBaselineName, type SentimentBaselineOptions,
  type SentimentPolarity
} from './baselines/sentiment.js';
export {
  fitTranslationQualityBaseline, lengthRatioFeature, type TranslationQualityBaseline,
  type TranslationQualityBaselineName, type TranslationQualityOptions, type TranslationQualityRow,
  type TranslationQualityTrainRow
} from './baselines/translation-quality.js';
export {
  cosineSimilarity, lead, lead1, lead3, pagerank, summarizeBaseline, textrank,
  type ExtractiveSummary, type PageRankOptions, type PageRankResult,
  type SummarizationBaselineName, type TextRankOptions
} from './baselines/summarization.js';
export {
  createSampler, registerSampler, SAMPLERS, TaskBatcher, type SamplerPlugin, type SamplingConfig,
  type TaskSampler
} from './sampling/index.js';
export { loadTaskConfig, loadTrainingConfig, loadYaml } from './config/load.js';
export {
  ArchitectureConfigSchema, DataSourceSchema, EXPECTED_LOSS, EncoderConfigSchema, HeadSchema,
  SamplingConfigSchema, TASK_NAMES, TaskConfigCommonSchema, TaskConfigSchema, TrainingConfigSchema,
  WeightingConfigSchema, architectureConfigSchema, samplingConfigSchema, trainingConfigSchema,
  weightingConfigSchema, type DataSource, type PluginConfig, type TaskConfig, type TaskName,
  type TrainingConfig
} from './config/schema.js';
export {
  createTask, idFraction, inDevSplit, loadTaskData, loadTaskDataResult, type LoadTaskDataOptions,
  type TaskData
} from './config/tasks.js';
export { trainFromConfig, chooseData, type TrainRunOptions, type TrainReport, type TrainRun } from './experiment/train.js';
export { evaluate, type EvalOptions, type EvalResult } from './experiment/evaluate.js';
export { evaluateBaseline, baselinePredictions, BASELINES } from './experiment/baselines.js';
export { loadEncoder, resolveModelId } from './experiment/encoder.js';
export { renderVegaLite, learningCurvesSpec, lambdaSpec, metricBarsSpec, heatmapSpec } from './report/plots.js';
export { UserError } from './errors.js';
export { Rng } from './utils/random.js';
export { env, type Env, type Logger } from './utils/env.js';
export type { Progress } from './utils/progress.js';
