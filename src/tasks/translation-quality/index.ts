/** Translation quality estimation (see ./task.ts). */
export {
  TRANSLATION_QUALITY_FEATURES,
  TRANSLATION_QUALITY_INPUTS,
  TRANSLATION_QUALITY_TYPE,
  TranslationQualityOptions,
  sideFeature,
  type TranslationQualityBatch,
  type TranslationQualityConfig,
  type TranslationQualityExample,
  type TranslationQualityFeature,
  type TranslationQualityInput,
  type TranslationQualityMetric,
  type TranslationQualityPrediction,
} from './config.js';
export { type FeatureStats, ridge } from '../side-features.js';
export { type DaScale, fitDaScale, toDa } from './da-scale.js';
export { qualityMetrics } from './metrics.js';
export { TranslationQualityTask, translationQualityTask } from './task.js';
export { translationQualityYaml } from './yaml.js';
