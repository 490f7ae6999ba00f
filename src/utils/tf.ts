/**
 * TensorFlow.js for the whole package: `@tensorflow/tfjs-core` with the pure-JS `cpu` backend
 * registered (the fallback that always works). The faster backends (wasm, tfjs-node when
 * installed) are chosen in src/training/backend.ts. Depending on core + backends instead of the
 * `@tensorflow/tfjs` umbrella keeps layers, converter, data and webgl (~220 MB) out of installs.
 */
import '@tensorflow/tfjs-backend-cpu';
// the gradients of every op (the umbrella package registers them; core alone does not)
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';

export * from '@tensorflow/tfjs-core';
