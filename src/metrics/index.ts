// Evaluation metrics: classification, correlation/regression, ROUGE (rouge-score compatible), Δm.
export {
  accuracy,
  confusionMatrix,
  formatConfusionMatrix,
  macroF1,
  macroF1FromConfusion,
  macroPrecision,
  macroRecall,
  perClassScores,
  type ClassScores,
  type MacroOptions,
} from './classification.js';
export { averageRanks, kendallTauB, mae, mse, pearson, spearman } from './correlation.js';
export {
  DEFAULT_ROUGE_TYPES,
  corpusRouge,
  rougeFmeasure,
  rougeLFromTokens,
  rougeLsumFromTokens,
  rougeNFromTokens,
  scoreRouge,
  scoreRougeSingle,
  splitRougeSentences,
  tokenizeForRouge,
  type CorpusRougeResult,
  type CorpusRougeType,
  type RougeOptions,
  type RougePair,
  type RougeScore,
  type RougeScores,
  type RougeType,
} from './rouge.js';
export { lcsIndices } from './rouge-lcs.js';
export { bootstrapRouge, type RougeInterval } from './rouge-bootstrap.js';
export { PorterStemmerNltk, porterStem } from './porter.js';
export {
  deltaM,
  deltaMOverBaselines,
  type Baselines,
  type MetricDirection,
  type MetricRow,
  type TaskDirectionTable,
  type TaskMetricTable,
} from './delta-m.js';
