/**
 * The ground floor of the trainable model: named parameters, layers (Dense, LayerNorm, the shared
 * block) with seeded dropout, and the optimiser (AdamW, schedule, clipping). Tasks, architectures
 * and weightings build on these; nothing here imports anything above `utils/`.
 */
export {
  AttentionPooling,
  Block,
  Dense,
  LayerNorm,
  Stack,
  defaultSharedLayers,
  dropout,
  gelu,
  inferenceContext,
  linear,
  seededContext,
  variableFrom,
  type ForwardContext,
  type SharedLayersConfig,
} from './layers.js';
export { ParamStore, type AddParamOptions, type Init, type ParamEntry, type ParamGroup } from './params.js';
export { AdamW, clipByGlobalNorm, learningRate, type OptimizerConfig, type ScheduleConfig, type SerializedTensor } from './optimizer.js';
