import { checkContext, checkState, checkTasks, toRecord } from './common.js';
import type { SamplerContext, SamplerPlugin, TaskSampler } from './types.js';

/** One task per step, cycling the tasks in their fixed (taskSizes key) order. */
class RoundRobinSampler implements TaskSampler {
  readonly name = 'round-robin';
  readonly tasks: readonly string[];
  private readonly steps: number;
  private step = 0;

  constructor(ctx: SamplerContext) {
    const { names, sizes } = checkContext(ctx);
    this.tasks = names;
    this.steps = Math.ceil(sizes.reduce((a, b) => a + b, 0) / ctx.batchSize);
  }
  nextStep(): string[] {
    const task = this.tasks[this.step % this.tasks.length] as string;
    this.step++;
    return [task];
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

export const roundRobinSampler: SamplerPlugin<{ type: 'round-robin' }> = {
  name: 'round-robin',
  description: 'one task per step, cycling the tasks in a fixed order',
  validate: () => ({ type: 'round-robin' }),
  create: (_config, ctx) => new RoundRobinSampler(ctx),
  probabilities: (_config, taskSizes) => {
    const { names } = checkTasks(taskSizes);
    return toRecord(names, names.map(() => 1 / names.length));
  },
};
