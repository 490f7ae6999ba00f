import { z } from 'zod';
import { checkTasks, CountingSampler, toRecord } from './common.js';
import type { SamplerContext, SamplerPlugin } from './types.js';

/** One task per step, cycling the tasks in their fixed (taskSizes key) order. */
class RoundRobinSampler extends CountingSampler {
  constructor(ctx: SamplerContext) {
    super('round-robin', ctx, (sizes, batchSize) => Math.ceil(sizes.reduce((a, b) => a + b, 0) / batchSize));
  }
  nextStep(): string[] {
    const task = this.tasks[this.step % this.tasks.length] as string;
    this.step++;
    return [task];
  }
}

export const roundRobinSampler: SamplerPlugin<{ type: 'round-robin' }> = {
  type: 'round-robin',
  description: 'one task per step, cycling the tasks in a fixed order',
  options: z.object({}).strict(),
  validate: () => ({ type: 'round-robin' }),
  create: (_config, ctx) => new RoundRobinSampler(ctx),
  probabilities: (_config, taskSizes) => {
    const { names } = checkTasks(taskSizes);
    return toRecord(
      names,
      names.map(() => 1 / names.length),
    );
  },
};
