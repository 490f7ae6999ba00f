/**
 * Task sampling for multitask training: which tasks get a batch at each step.
 *
 * Epoch definition (see TaskSampler.stepsPerEpoch):
 * - `all`: ceil(max nᵢ / batchSize) steps — the largest task is seen once; smaller tasks restart.
 * - one-task-per-step samplers (`proportional`, `temperature`, `round-robin`, `uniform`):
 *   ceil(Σ nᵢ / batchSize) steps — as many batches as one pass over all data (each example
 *   once in expectation under `proportional`).
 * Unequal task sizes are handled by TaskBatcher, which reshuffles and restarts an exhausted task.
 *
 * Strategies are plug-ins (one file each, `{ type, options, validate, create, probabilities }`)
 * collected in the registry {@link samplers} (src/utils/registry.ts).
 */
import { allSampler } from './all.js';
import { proportionalSampler } from './proportional.js';
import { roundRobinSampler } from './round-robin.js';
import { temperatureSampler } from './temperature.js';
import { uniformSampler } from './uniform.js';
import { Registry } from '../utils/registry.js';
import { SamplingConfigError, type SamplerContext, type SamplerPlugin, type SamplingConfig, type TaskSampler } from './types.js';

export { TaskBatcher, type TaskBatcherState } from './batcher.js';
export { temperatureWeights } from './temperature.js';
export { SamplingConfigError } from './types.js';
export type { SamplingConfig, SamplingType, TaskSampler, SamplerContext, SamplerPlugin } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyPlugin = SamplerPlugin<any>;

/** The sampler registry (`register(plugin)`); the training config schema reads it at every parse. */
export const samplers = new Registry<AnyPlugin>('sampling type', [
  allSampler,
  proportionalSampler,
  temperatureSampler,
  roundRobinSampler,
  uniformSampler,
]);

/** Live view `type → plug-in` of {@link samplers}. */
export const SAMPLERS = samplers.asRecord();

/**
 * Add (or replace) a strategy: `samplers.register(plugin)`.
 * @example
 * registerSampler({ type: 'first-only', description: 'the first k tasks', options: z.object({ k: z.number().int() }).strict(), validate, create, probabilities });
 * // now valid in a training YAML: training.sampling: { type: first-only, k: 2 } (docs/develop/extending.md)
 */
export function registerSampler(plugin: AnyPlugin): void {
  samplers.register(plugin);
}

function pluginFor(config: unknown): { plugin: AnyPlugin; raw: Record<string, unknown> } {
  if (!config || typeof config !== 'object' || Array.isArray(config)) {
    throw new SamplingConfigError(`Sampling config must be an object like { type: "proportional" }, got ${JSON.stringify(config)}`);
  }
  const raw = config as Record<string, unknown>;
  const known = samplers.types().join(', ');
  if (typeof raw.type !== 'string') throw new SamplingConfigError(`Sampling config needs a "type"; known types: ${known}`);
  const plugin = samplers.get(raw.type);
  if (!plugin) throw new SamplingConfigError(`Unknown sampling type "${raw.type}"; known types: ${known}`);
  return { plugin, raw };
}

/** Validate an untyped config (e.g. from YAML/JSON); throws SamplingConfigError with a clear message. */
export function parseSamplingConfig(config: unknown): SamplingConfig {
  const { plugin, raw } = pluginFor(config);
  return plugin.validate(raw) as SamplingConfig;
}

export function createSampler(config: SamplingConfig, ctx: SamplerContext): TaskSampler {
  const { plugin, raw } = pluginFor(config);
  return plugin.create(plugin.validate(raw), ctx);
}

/**
 * Long-run fraction of steps in which each task gets a batch under `config`
 * (1 for every task under `all`; 1/K under `round-robin` and `uniform`).
 */
export function samplingProbabilities(config: SamplingConfig, taskSizes: Record<string, number>): Record<string, number> {
  const { plugin, raw } = pluginFor(config);
  return plugin.probabilities(plugin.validate(raw), taskSizes);
}
