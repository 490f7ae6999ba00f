// Public API for browsers: the same Encoder API on onnxruntime-web (WebGPU, then wasm), saved
// multitask models loaded from URLs (MultiTaskModel.fromPretrained; heads on TensorFlow.js), plus
// the pure-TypeScript parts (metrics, sampling). Nothing here imports onnxruntime-node; the
// package.json `browser` field maps the node: modules of the Node-only data loaders (reached through
// the task modules, never called in a page) to empty modules (test/browser/bundle.test.ts).
// The area entries re-exported whole list their exports explicitly.
export * from './encoder/index.browser.js';
export * from './metrics/index.js';
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
export { registerTaskType, taskTypes, type TaskPlugin } from './tasks/registry.js';
export type { SentimentPrediction } from './tasks/sentiment/index.js';
export type { TranslationQualityPrediction } from './tasks/translation-quality/index.js';
export type { SummarizationPrediction, SelectionOptions } from './tasks/summarization/index.js';
export type { DaScale } from './tasks/translation-quality/index.js';
export { toDa } from './tasks/translation-quality/index.js';
export type { Progress } from './utils/progress.js';
