/**
 * Fine-tuning the encoder's top transformer layers: the layers above a cut are rebuilt from the
 * ONNX initializers as forward and backward ONNX graphs (run on ONNX Runtime) and trained with
 * AdamW in TypeScript (Float32AdamW). See ./top.ts for the API.
 */
export { TrainableTop } from './top.js';
export type { Tape, TrainableTopOptions } from './top.js';
export { Float32AdamW } from './adamw.js';
export type { Float32AdamWOptions, Float32AdamWState } from './adamw.js';
export { Autodiff, GRAD_INPUT, GRAD_OUTPUT, gradName } from './autodiff.js';
export { emitLayer, layerParams, type LayerShape } from './layer.js';
export { extractLayers, type ExtractedLayer } from './extract.js';
export type { ParamSource } from './read-linear.js';
