import type { z } from 'zod';
import type { Rng } from '../utils/random.js';
import { UserError } from '../errors.js';

/**
 * How a multitask trainer picks which tasks get a batch at each optimisation step.
 *
 * - `all`: every task gets one batch every step.
 * - `proportional`: one task per step, P(task i) = nᵢ / Σ nⱼ.
 * - `temperature`: one task per step, P(task i) ∝ nᵢ^(1/T). T = 1 is proportional, T → ∞ uniform
 *   (`T: Infinity` is accepted), T < 1 sharpens towards the largest task.
 * - `round-robin`: one task per step, cycling the tasks in their fixed order.
 * - `uniform`: one task per step, P(task i) = 1 / (number of tasks).
 */
export type SamplingConfig =
  { type: 'all' } | { type: 'proportional' } | { type: 'temperature'; T: number } | { type: 'round-robin' } | { type: 'uniform' };

export type SamplingType = SamplingConfig['type'];

export interface TaskSampler {
  readonly name: string;
  /** Task names that get a batch at this step, in the fixed task order. */
  nextStep(): string[];
  /**
   * Steps in one epoch. For `all`: ceil(max nᵢ / batchSize), i.e. the largest task is seen once
   * (smaller tasks restart through their TaskBatcher). For the one-task-per-step samplers:
   * ceil(Σ nᵢ / batchSize), i.e. as many batches as one pass over every task's data, so that under
   * `proportional` each example is seen once in expectation (and exactly once under round-robin
   * when sizes are equal).
   */
  stepsPerEpoch(): number;
  /** JSON-serialisable snapshot; `setState` of it continues exactly the same sequence. */
  getState(): unknown;
  setState(s: unknown): void;
}

export interface SamplerContext {
  /**
   * Examples per task, keyed by task name. The key order is the fixed task order. A task trained in
   * batches of its own size b is given as n · batchSize / b (the trainer's setup), so the samplers
   * weigh tasks by their batches.
   */
  taskSizes: Record<string, number>;
  batchSize: number;
  /**
   * Seed source. A sampler draws one number from it at construction to seed its own private
   * stream, so later draws by the caller on this Rng do not change the task sequence and
   * `setState` on the sampler never touches the caller's Rng.
   */
  rng: Rng;
}

/** One strategy of the registry. */
export interface SamplerPlugin<C extends { type: string } = SamplingConfig> {
  /** The `type` of its configs. */
  readonly type: string;
  readonly description: string;
  /**
   * The strategy's options (the config without `type`) as a strict zod object: the training YAML's
   * `training.sampling` is built from these, so every option is settable and validated there.
   */
  readonly options: z.ZodObject;
  /** Throws a SamplingConfigError naming the problem; returns the normalised config. */
  validate(config: Record<string, unknown>): C;
  create(config: C, ctx: SamplerContext): TaskSampler;
  /** Long-run fraction of steps in which each task gets a batch. */
  probabilities(config: C, taskSizes: Record<string, number>): Record<string, number>;
}

/** A sampling option the user set wrongly: the CLI prints it as one line and exits 1. */
export class SamplingConfigError extends UserError {
  override name = 'SamplingConfigError';
}
