/** Multitask training: model, trainer, backend, features, checkpoints, save format. */
export { MultiTaskModel, MANIFEST_FILE, WEIGHTS_FILE } from './model.js';
export { packageVersion } from '../utils/paths.js';
export type { CreateOptions, LoadOptions as ModelLoadOptions, Manifest, EncoderIdentity, SyntheticEncoder } from './model.js';
export type { EncoderFinetune, FinetuneOptions } from './finetune.js';
export type {
  FitOptions,
  TrainingHistory,
  StepRecord,
  EvalRecord,
  ProgressEvent,
  EarlyStoppingConfig,
  CheckpointConfig,
  TrainerCallback,
  TrainingRun,
  StepEnd,
} from './trainer.js';
export { initBackend, availableBackends, type BackendName, type BackendPreference } from './backend.js';
export { FeatureStore } from './features.js';
export { checkpointPath, readPointer } from './checkpoint.js';
export { AdamW, learningRate, clipByGlobalNorm, type OptimizerConfig, type ScheduleConfig } from '../nn/optimizer.js';
export { encodeSafetensors, decodeSafetensors } from './safetensors.js';
export { ParamStore } from '../nn/params.js';
export type { SharedLayersConfig } from '../nn/layers.js';
export { registerTaskType, taskFromSpec, taskTypes, TASK_TYPES, type TaskPlugin } from '../tasks/registry.js';
export { deltaMOverBaselines, type Baselines } from '../metrics/delta-m.js';
export { ClassificationTask, classificationTask } from '../tasks/classification.js';
export { PairRegressionTask, pairRegressionTask } from '../tasks/pair-regression.js';
export type {
  Task,
  TaskBatch,
  TaskSpec,
  AnyTask,
  InputKind,
  FeatureLookup,
  TokenLookup,
  MetricDirection,
  EncoderInput,
  CallOptions,
} from '../tasks/types.js';
export {
  ARCHITECTURES,
  architectures,
  createArchitecture,
  registerArchitecture,
  type ArchitectureConfig,
  type ArchitecturePlugin,
  type TaskRelations,
} from '../architectures/index.js';
export {
  WEIGHTINGS,
  weightings,
  createWeighting,
  registerWeighting,
  type WeightingConfig,
  type WeightingPlugin,
} from '../weighting/index.js';
export { Registry, type Plugin } from '../utils/registry.js';
/** What a task of one's own builds its head with: the package's TensorFlow.js (the model's engine) and its layers. */
export * as tf from '../utils/tf.js';
export { Dense, dropout, gelu, inferenceContext, type ForwardContext } from '../nn/layers.js';
