import { z } from 'zod';
import { checkTasks, normalise, toRecord, WeightedSampler } from './common.js';
import type { SamplerPlugin } from './types.js';

/** One task per step, each with probability 1 / (number of tasks). */
export const uniformSampler: SamplerPlugin<{ type: 'uniform' }> = {
  type: 'uniform',
  description: 'one task per step, every task equally likely',
  options: z.object({}).strict(),
  validate: () => ({ type: 'uniform' }),
  create: (_config, ctx) =>
    new WeightedSampler(
      'uniform',
      checkTasks(ctx.taskSizes).sizes.map(() => 1),
      ctx,
    ),
  probabilities: (_config, taskSizes) => {
    const { names, sizes } = checkTasks(taskSizes);
    return toRecord(names, normalise(sizes.map(() => 1)));
  },
};
