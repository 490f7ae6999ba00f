import { checkContext, checkState, toRecord } from './common.js';
import type { SamplerContext, SamplerPlugin, TaskSampler } from './types.js';

/** Every task gets one batch every step. Epoch = ceil(max nᵢ / batchSize): the largest task once. */
class AllSampler implements TaskSampler {
  readonly name = 'all';
  readonly tasks: readonly string[];
  private readonly steps: number;
  private step = 0;

  constructor(ctx: SamplerContext) {
    const { names, sizes } = checkContext(ctx);
    this.tasks = names;
    this.steps = Math.ceil(Math.max(...sizes) / ctx.batchSize);
  }
  nextStep(): string[] {
    this.step++;
    return [...this.tasks];
  }
  stepsPerEpoch(): number {
    return this.steps;
  }
  getState(): unknown {
    return { sampler: this.name, tasks: [...this.tasks], step: this.step };
  }
  setState(s: unknown): void {
    this.step = checkState(s, this.name, this.tasks).step as number;
  }
}

export const allSampler: SamplerPlugin<{ type: 'all' }> = {
  name: 'all',
  description: 'one batch of every task per step',
  validate: () => ({ type: 'all' }),
  create: (_config, ctx) => new AllSampler(ctx),
  probabilities: (_config, taskSizes) => toRecord(Object.keys(taskSizes), Object.keys(taskSizes).map(() => 1)),
};
