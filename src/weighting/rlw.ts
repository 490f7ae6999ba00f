/**
 * Random Loss Weighting (Lin et al. 2021): each step λ = softmax(z), z ~ N(0, I) drawn from the
 * weighting's seeded stream (so λ sums to 1 over the tasks with a batch this step, as in LibMTL).
 */
import { z } from 'zod';
import type * as tf from '../utils/tf.js';
import type { Rng } from '../utils/random.js';
import { BaseWeighting, weightedSum } from './common.js';
import type { StepInfo, WeightingConfig, WeightingFactory } from './types.js';

/** `rlw` weighting takes no options. */
export const rlwOptions = z.object({}).strict();

class RlwWeighting extends BaseWeighting {
  readonly type = 'rlw' as const;
  constructor(
    tasks: string[],
    private readonly rng: Rng,
  ) {
    super(tasks);
    this.current = Object.fromEntries(tasks.map((t) => [t, 1 / tasks.length]));
  }
  override combine(losses: Map<string, tf.Scalar>, _info: StepInfo): tf.Scalar {
    const names = [...losses.keys()];
    const z = names.map(() => this.rng.normal());
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    this.current = Object.fromEntries(this.tasks.map((t) => [t, 0]));
    names.forEach((t, i) => (this.current[t] = (e[i] as number) / s));
    return weightedSum(losses, this.current);
  }
  override getState(): unknown {
    return { rng: this.rng.getState(), lambdas: { ...this.current } };
  }
  override setState(s: unknown): void {
    const st = s as { rng: number[]; lambdas: Record<string, number> } | null;
    if (!st) return;
    this.rng.setState(st.rng);
    this.current = { ...st.lambdas };
  }
  config(): WeightingConfig {
    return { type: 'rlw' };
  }
}

export const rlw: WeightingFactory = (_config, init) => new RlwWeighting(init.tasks, init.rng);
