import { z } from 'zod';
import { checkTasks, normalise, toRecord, WeightedSampler } from './common.js';
import { SamplingConfigError, type SamplerPlugin } from './types.js';

type TemperatureConfig = { type: 'temperature'; T: number };

/**
 * Weights nᵢ^(1/T), computed in log space relative to the largest task so that a small T
 * cannot overflow. T = Infinity gives all weights 1 (uniform).
 */
export function temperatureWeights(sizes: readonly number[], T: number): number[] {
  const logMax = Math.log(Math.max(...sizes));
  return sizes.map((n) => (T === Infinity ? 1 : Math.exp((Math.log(n) - logMax) / T)));
}

/** One task per step with P(i) ∝ nᵢ^(1/T). */
export const temperatureSampler: SamplerPlugin<TemperatureConfig> = {
  type: 'temperature',
  description: 'one task per step, probability proportional to size^(1/T) (T=1 proportional, T→∞ uniform)',
  options: z.object({ T: z.number().positive() }).strict(),
  validate: (config) => {
    const T = config.T;
    if (T === undefined)
      throw new SamplingConfigError('Sampling type "temperature" needs a temperature T > 0, e.g. { type: "temperature", T: 2 }');
    if (typeof T !== 'number' || Number.isNaN(T) || T <= 0) {
      throw new SamplingConfigError(`Sampling temperature T must be a number > 0 (Infinity allowed for uniform), got ${String(T)}`);
    }
    return { type: 'temperature', T };
  },
  create: (config, ctx) => new WeightedSampler('temperature', temperatureWeights(checkTasks(ctx.taskSizes).sizes, config.T), ctx),
  probabilities: (config, taskSizes) => {
    const { names, sizes } = checkTasks(taskSizes);
    return toRecord(names, normalise(temperatureWeights(sizes, config.T)));
  },
};
