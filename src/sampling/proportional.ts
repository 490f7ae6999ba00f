import { z } from 'zod';
import { checkTasks, normalise, toRecord, WeightedSampler } from './common.js';
import type { SamplerPlugin } from './types.js';

/** One task per step with P(i) = nᵢ / Σ nⱼ. */
export const proportionalSampler: SamplerPlugin<{ type: 'proportional' }> = {
  type: 'proportional',
  description: 'one task per step, probability proportional to its size',
  options: z.object({}).strict(),
  validate: () => ({ type: 'proportional' }),
  create: (_config, ctx) => new WeightedSampler('proportional', checkTasks(ctx.taskSizes).sizes, ctx),
  probabilities: (_config, taskSizes) => {
    const { names, sizes } = checkTasks(taskSizes);
    return toRecord(names, normalise(sizes));
  },
};
