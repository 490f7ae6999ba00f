import { Rng } from '../utils/random.js';
import { SamplingConfigError, type SamplerContext, type TaskSampler } from './types.js';

/** Validated task names (fixed order) and sizes. */
export function checkTasks(taskSizes: Record<string, number>): { names: string[]; sizes: number[] } {
  if (!taskSizes || typeof taskSizes !== 'object')
    throw new SamplingConfigError('taskSizes must be an object of task name → number of examples');
  const names = Object.keys(taskSizes);
  if (names.length === 0) throw new SamplingConfigError('No tasks: taskSizes is empty');
  const sizes = names.map((name) => {
    const n = taskSizes[name];
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
      throw new SamplingConfigError(`Task "${name}" has size ${String(n)}; every task needs a positive integer number of examples`);
    }
    return n;
  });
  return { names, sizes };
}

export function checkContext(ctx: SamplerContext): { names: string[]; sizes: number[] } {
  if (!ctx || typeof ctx !== 'object') throw new SamplingConfigError('Sampler context is required');
  const { batchSize } = ctx;
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize <= 0) {
    throw new SamplingConfigError(`batchSize must be a positive integer, got ${String(batchSize)}`);
  }
  if (!ctx.rng || typeof (ctx.rng as Rng).nextUint32 !== 'function') throw new SamplingConfigError('Sampler context needs an Rng');
  return checkTasks(ctx.taskSizes);
}

interface WeightedState {
  sampler: string;
  tasks: string[];
  step: number;
  rng: number[];
}

/** Shared state checks: same sampler kind, same tasks in the same order. */
export function checkState(s: unknown, name: string, tasks: readonly string[]): Record<string, unknown> {
  if (!s || typeof s !== 'object') throw new SamplingConfigError(`${name}.setState: state must be an object`);
  const st = s as Record<string, unknown>;
  if (st.sampler !== name) throw new SamplingConfigError(`${name}.setState: state was saved by sampler "${String(st.sampler)}"`);
  const saved = st.tasks;
  if (!Array.isArray(saved) || saved.length !== tasks.length || saved.some((t, i) => t !== tasks[i])) {
    throw new SamplingConfigError(`${name}.setState: state is for tasks [${String(saved)}], this sampler has [${tasks.join(', ')}]`);
  }
  if (typeof st.step !== 'number' || !Number.isInteger(st.step) || st.step < 0) throw new SamplingConfigError(`${name}.setState: bad step`);
  return st;
}

/** A sampler without randomness: its whole state is the step count (all, round-robin). */
export abstract class CountingSampler implements TaskSampler {
  readonly tasks: readonly string[];
  protected step = 0;
  private readonly steps: number;

  constructor(
    readonly name: string,
    ctx: SamplerContext,
    stepsPerEpoch: (sizes: number[], batchSize: number) => number,
  ) {
    const { names, sizes } = checkContext(ctx);
    this.tasks = names;
    this.steps = stepsPerEpoch(sizes, ctx.batchSize);
  }
  abstract nextStep(): string[];
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

/** One task per step, drawn independently with fixed probabilities. */
export class WeightedSampler implements TaskSampler {
  readonly tasks: readonly string[];
  /** Normalised probability of each task, in task order. */
  readonly probs: readonly number[];
  private readonly rng: Rng;
  private readonly totalSize: number;
  private step = 0;

  constructor(
    readonly name: string,
    weights: readonly number[],
    ctx: SamplerContext,
    private readonly batchSize = ctx.batchSize,
  ) {
    const { names, sizes } = checkContext(ctx);
    const total = weights.reduce((a, b) => a + b, 0);
    if (!(total > 0) || !Number.isFinite(total))
      throw new SamplingConfigError(`${name}: task weights must sum to a positive finite number`);
    this.tasks = names;
    this.probs = weights.map((w) => w / total);
    this.totalSize = sizes.reduce((a, b) => a + b, 0);
    this.rng = new Rng(ctx.rng.nextUint32());
  }

  nextStep(): string[] {
    this.step++;
    return [this.tasks[this.rng.choice(this.probs)] as string];
  }

  stepsPerEpoch(): number {
    return Math.ceil(this.totalSize / this.batchSize);
  }

  getState(): WeightedState {
    return { sampler: this.name, tasks: [...this.tasks], step: this.step, rng: this.rng.getState() };
  }

  setState(s: unknown): void {
    const st = checkState(s, this.name, this.tasks);
    if (!Array.isArray(st.rng)) throw new SamplingConfigError(`${this.name}.setState: bad rng state`);
    this.rng.setState(st.rng as number[]);
    this.step = st.step as number;
  }
}

export function toRecord(names: readonly string[], values: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  names.forEach((n, i) => (out[n] = values[i] as number));
  return out;
}

export function normalise(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}
