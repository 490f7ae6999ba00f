/** YAML configs: loading with line-numbered errors, the schemas (built from the plug-in registries), and config → task and data. */
export { lineOf, loadTaskConfig, loadTrainingConfig, loadYaml, type ResolvedTrainingConfig } from './load.js';
export {
  ArchitectureConfigSchema,
  DataSourceSchema,
  EXPECTED_LOSS,
  EncoderConfigSchema,
  HeadSchema,
  SamplingConfigSchema,
  TASK_NAMES,
  TaskConfigCommonSchema,
  TaskConfigSchema,
  TrainingConfigSchema,
  WeightingConfigSchema,
  architectureConfigSchema,
  samplingConfigSchema,
  trainingConfigSchema,
  weightingConfigSchema,
  type DataSource,
  type PluginConfig,
  type TaskConfig,
  type TaskName,
  type TrainingConfig,
} from './schema.js';
export { createTask, idFraction, inDevSplit, loadTaskData, loadTaskDataResult, type LoadTaskDataOptions, type TaskData } from './tasks.js';
