// Public API (Node). Each area's entry lists its exports explicitly (and is a subpath of its own:
// mtl-nlp/metrics, /data, /encoder, /training, /tasks, /config load that area alone); this entry
// gathers them with the experiment glue, the settings and the errors. src/index.browser.ts is the
// browser subset.
export * from './encoder/index.js';
export * from './training/index.js';
export * from './tasks/index.js';
export * from './metrics/index.js';
export * from './data/index.js';
export * from './config/index.js';
export * from './baselines/index.js';
export { encodeCommand, parseLines, type EncodeCommandOptions } from './experiment/encode-file.js';
export {
  createSampler,
  registerSampler,
  SAMPLERS,
  samplers,
  TaskBatcher,
  type SamplerPlugin,
  type SamplingConfig,
  type TaskSampler,
} from './sampling/index.js';
export { trainFromConfig, chooseData, type TrainRunOptions, type TrainReport, type TrainRun } from './experiment/train.js';
export { evaluate, type EvalOptions, type EvalResult } from './experiment/evaluate.js';
export { evaluateBaseline, baselinePredictions, BASELINES } from './experiment/baselines.js';
export { loadEncoder, resolveModelId } from './experiment/encoder.js';
export {
  encodeDistributed,
  evaluateDistributed,
  queueFeatureFiller,
  startWorker,
  queueStatus,
  type EncodeDistributedOptions,
  type EvaluateDistributedOptions,
  type QueueFeaturesResult,
  type StartWorkerOptions,
  type RunningWorker,
  type DistributedProgress,
  type EncodeSettings,
  type QueueStatus,
} from './distributed/index.js';
export { renderVegaLite, learningCurvesSpec, lambdaSpec, metricBarsSpec, heatmapSpec } from './report/plots.js';
export { UserError } from './errors.js';
export { Rng } from './utils/random.js';
export { env, type Env, type Logger } from './utils/env.js';
export type { Progress } from './utils/progress.js';
export { fmt, formatTaskTable, formatTrainReport, markdownTable } from './experiment/report.js';
export { datasetsDir, packageRoot } from './utils/paths.js';
