// Evaluation metrics: classification, correlation/regression, ROUGE (rouge-score compatible), Δm.
export * from './classification.js';
export * from './correlation.js';
export * from './rouge.js';
export * from './porter.js';
export * from './delta-m.js';
