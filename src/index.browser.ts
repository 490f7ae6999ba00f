// Public API for browsers: the same Encoder API on onnxruntime-web (WebGPU, then wasm), plus the
// pure-TypeScript parts (metrics, sampling). Nothing here imports onnxruntime-node or node: modules.
// The area entries re-exported whole list their exports explicitly.
export * from './encoder/index.browser.js';
export * from './metrics/index.js';
export { createSampler, SAMPLERS, TaskBatcher, type SamplingConfig, type TaskSampler } from './sampling/index.js';
export { Rng } from './utils/random.js';
export { env, type Env, type Logger } from './utils/env.js';
