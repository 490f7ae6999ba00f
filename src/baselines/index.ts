// Non-neural baselines, scored by the same evaluator as the models.
export {
  fitSentimentBaseline,
  inferPolarity,
  lexiconScore,
  tokenizeForLexicon,
  type LabeledText,
  type SentimentBaseline,
  type SentimentBaselineName,
  type SentimentBaselineOptions,
  type SentimentPolarity,
} from './sentiment.js';
export {
  fitTranslationQualityBaseline,
  lengthRatioFeature,
  type TranslationQualityBaseline,
  type TranslationQualityBaselineName,
  type TranslationQualityOptions,
  type TranslationQualityRow,
  type TranslationQualityTrainRow,
} from './translation-quality.js';
export {
  cosineSimilarity,
  lead,
  lead1,
  lead3,
  pagerank,
  summarizeBaseline,
  textrank,
  type ExtractiveSummary,
  type PageRankOptions,
  type PageRankResult,
  type SummarizationBaselineName,
  type TextRankOptions,
} from './summarization.js';
