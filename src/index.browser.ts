// Public API for browsers: the same Encoder API on onnxruntime-web (WebGPU, then wasm), saved
// multitask models loaded from URLs (MultiTaskModel.fromPretrained; heads on TensorFlow.js), plus
// the pure-TypeScript parts (metrics, sampling). Nothing here imports onnxruntime-node; the
// package.json `browser` field maps the node: modules of the Node-only data loaders (reached through
// the task modules, never called in a page) to empty modules (test/browser/bundle.test.ts).
export {
  Encoder, decodeNpy, encodeNpy, setOrtWasmPaths, type Backend, type BackendSession, type Device, type Dtype,
  type EncodeOptions, type EncodeProgress, type EncodeResult, type EncoderCacheOptions,
  type EncoderInfo, type EncoderLoadOptions, type EncoderOptions, type EncoderStats, type Pooling,
  type Provider, type SentenceEncoder, type TokenEncodeResult
} from './encoder/index.browser.js';
export {
  DEFAULT_ROUGE_TYPES, PorterStemmerNltk, accuracy, averageRanks, bootstrapRouge, confusionMatrix,
  corpusRouge, deltaM, deltaMOverBaselines, formatConfusionMatrix, kendallTauB, lcsIndices,
  macroF1, macroF1FromConfusion, macroPrecision, macroRecall, mae, mse, pearson, perClassScores,
  porterStem, rougeFmeasure, rougeLFromTokens, rougeLsumFromTokens, rougeNFromTokens, scoreRouge,
  scoreRougeSingle, spearman, splitRougeSentences, tokenizeForRouge, type Baselines,
  type ClassScores, type CorpusRougeResult, type CorpusRougeType, type MacroOptions,
  type MetricDirection, type MetricRow, type RougeInterval, type RougeOptions, type RougePair,
  type RougeScore, type RougeScores, type RougeType, type TaskDirectionTable, type TaskMetricTable
} from './metrics/index.js';
export { createSampler, SAMPLERS, TaskBatcher, type SamplingConfig, type TaskSampler } from './sampling/index.js';
export { Rng } from './utils/random.js';
export { env, type Env, type Logger } from './utils/env.js';
export { UserError } from './errors.js';
export {
  MultiTaskModel,
  type BrowserPretrainedOptions,
  type CreateOptions,
  type EncoderIdentity,
  type KnownTaskIO,
  type LoadOptions,
  type Manifest,
  type PredictOptions,
} from './training/model.browser.js';
export { setTfjsWasmPaths, type BackendName, type BackendPreference } from './training/backend.js';
export { splitSentences } from './data/sentences.js';
export type { SentimentPrediction } from './tasks/sentiment.js';
export type { TranslationQualityPrediction } from './tasks/translation-quality.js';
export type { SummarizationPrediction, SelectionOptions } from './tasks/summarization.js';
export type { Progress } from './utils/progress.js';
