/**
 * TensorFlow.js for the whole package, from one place. It is the `@tensorflow/tfjs` umbrella, not
 * `@tensorflow/tfjs-core` + backends: core's ESM files import each other without file extensions,
 * so in Node's ESM loader `@tensorflow/tfjs-core/dist/register_all_gradients` cannot load, and only
 * the umbrella's Node bundle registers the gradients training needs (found by the packed-install
 * test, test/package/install.test.ts). The faster backends (wasm, tfjs-node when installed) are
 * chosen in src/training/backend.ts.
 */
export * from '@tensorflow/tfjs';
