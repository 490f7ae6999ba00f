/** Sentiment: n-class sentence classification (see ./task.ts). */
export {
  SENTIMENT_FEATURES,
  SENTIMENT_POOLINGS,
  SENTIMENT_TYPE,
  SentimentOptions,
  type ConfusionReport,
  type SentimentBatch,
  type SentimentConfig,
  type SentimentExample,
  type SentimentFeature,
  type SentimentMetric,
  type SentimentPooling,
  type SentimentPrediction,
} from './config.js';
export { SentimentTask, sentimentTask } from './task.js';
export { sentimentYaml } from './yaml.js';
