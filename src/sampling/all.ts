import { z } from 'zod';
import { CountingSampler, toRecord } from './common.js';
import type { SamplerContext, SamplerPlugin } from './types.js';

/** Every task gets one batch every step. Epoch = ceil(max nᵢ / batchSize): the largest task once. */
class AllSampler extends CountingSampler {
  constructor(ctx: SamplerContext) {
    super('all', ctx, (sizes, batchSize) => Math.ceil(Math.max(...sizes) / batchSize));
  }
  nextStep(): string[] {
    this.step++;
    return [...this.tasks];
  }
}

export const allSampler: SamplerPlugin<{ type: 'all' }> = {
  type: 'all',
  description: 'one batch of every task per step',
  options: z.object({}).strict(),
  validate: () => ({ type: 'all' }),
  create: (_config, ctx) => new AllSampler(ctx),
  probabilities: (_config, taskSizes) =>
    toRecord(
      Object.keys(taskSizes),
      Object.keys(taskSizes).map(() => 1),
    ),
};
