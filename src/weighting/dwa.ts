/**
 * Dynamic Weight Average (Liu, Johns & Davison 2019): per epoch, wᵢ = Lᵢ(t−1)/Lᵢ(t−2) from the mean
 * training loss of each of the two previous epochs, λᵢ = K·exp(wᵢ/T)/Σⱼ exp(wⱼ/T) (K tasks, T = 2).
 * λ = 1 during the first two epochs. A task whose loss falls more slowly gets a larger λ.
 */
import { z } from 'zod';
import { BaseWeighting } from './common.js';
import type { StepInfo, WeightingConfig, WeightingFactory } from './types.js';
import { UserError } from '../errors.js';

/** Options of `dwa` weighting. */
export const dwaOptions = z
  .object({
    /** Temperature T (default 2). */
    T: z.number().positive().optional(),
  })
  .strict();

interface DwaState {
  lambdas: Record<string, number>;
  sums: Record<string, number>;
  counts: Record<string, number>;
  history: Record<string, number>[];
}

export function dwaLambdas(
  tasks: readonly string[],
  prev: Record<string, number>,
  prev2: Record<string, number>,
  T: number,
): Record<string, number> {
  const w = tasks.map((t) => {
    const a = prev[t];
    const b = prev2[t];
    return a !== undefined && b !== undefined && b > 0 ? a / b : 1;
  });
  const m = Math.max(...w.map((x) => x / T));
  const e = w.map((x) => Math.exp(x / T - m));
  const z = e.reduce((x, y) => x + y, 0);
  return Object.fromEntries(tasks.map((t, i) => [t, (tasks.length * (e[i] as number)) / z]));
}

class DwaWeighting extends BaseWeighting {
  readonly type = 'dwa' as const;
  private sums: Record<string, number> = {};
  private counts: Record<string, number> = {};
  private history: Record<string, number>[] = [];
  constructor(
    tasks: string[],
    private readonly T: number,
  ) {
    super(tasks);
    if (!(T > 0)) throw new UserError(`dwa: temperature T must be > 0, got ${T}`);
  }
  override afterStep(losses: Record<string, number>, _info: StepInfo): void {
    for (const [t, l] of Object.entries(losses)) {
      this.sums[t] = (this.sums[t] ?? 0) + l;
      this.counts[t] = (this.counts[t] ?? 0) + 1;
    }
  }
  override onEpochEnd(_epoch: number): void {
    const mean: Record<string, number> = {};
    for (const t of this.tasks) if (this.counts[t]) mean[t] = (this.sums[t] as number) / (this.counts[t] as number);
    // a task without batches this epoch keeps its previous mean
    const last = this.history[this.history.length - 1];
    for (const t of this.tasks) if (mean[t] === undefined && last?.[t] !== undefined) mean[t] = last[t] as number;
    this.history.push(mean);
    if (this.history.length > 2) this.history.shift();
    this.sums = {};
    this.counts = {};
    if (this.history.length === 2)
      this.current = dwaLambdas(this.tasks, this.history[1] as Record<string, number>, this.history[0] as Record<string, number>, this.T);
  }
  override getState(): DwaState {
    return {
      lambdas: { ...this.current },
      sums: { ...this.sums },
      counts: { ...this.counts },
      history: this.history.map((h) => ({ ...h })),
    };
  }
  override setState(s: unknown): void {
    const st = s as DwaState | null;
    if (!st) return;
    this.current = { ...st.lambdas };
    this.sums = { ...st.sums };
    this.counts = { ...st.counts };
    this.history = st.history.map((h) => ({ ...h }));
  }
  config(): WeightingConfig {
    return { type: 'dwa', T: this.T };
  }
}

export const dwa: WeightingFactory = (config, init) =>
  new DwaWeighting(init.tasks, (config as Extract<WeightingConfig, { type: 'dwa' }>).T ?? 2);
