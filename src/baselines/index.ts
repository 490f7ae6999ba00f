// Non-neural baselines, scored by the same evaluator as the models.
export * from './sentiment.js';
export * from './translation-quality.js';
export * from './summarization.js';
