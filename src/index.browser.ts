// Public API for browsers: the same Encoder API on onnxruntime-web (WebGPU, then wasm), plus the
// pure-TypeScript parts (metrics, sampling). Nothing here imports onnxruntime-node or node: modules.
export {
  Encoder, decodeNpy, encodeNpy, type Backend, type BackendSession, type Device, type Dtype,
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
