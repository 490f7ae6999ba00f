/**
 * TensorFlow.js for the whole package, from one place: `@tensorflow/tfjs-core` with the pure-JS
 * `cpu` backend (always available; the faster backends, wasm and tfjs-node when installed, are
 * chosen in src/training/backend.ts), plus the gradient registrations training needs, which core's
 * main entry does not register. Not the `@tensorflow/tfjs` umbrella (≈230 MB more in an app's
 * node_modules: layers, converter, data, webgl, bundles; the toolkit uses none of them).
 *
 * The import order matters: core first, then the cpu backend, then the gradients.
 */
export * from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import './tf-gradients.js';
