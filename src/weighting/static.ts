/** Fixed λ per task (a task missing from `lambdas` gets 0). */
import { BaseWeighting } from './common.js';
import type { WeightingConfig, WeightingFactory } from './types.js';

class StaticWeighting extends BaseWeighting {
  readonly type = 'static' as const;
  constructor(tasks: string[], private readonly given: Record<string, number>) {
    super(tasks);
    for (const [t, l] of Object.entries(given)) {
      if (!tasks.includes(t)) throw new Error(`static weighting: λ given for unknown task "${t}" (tasks: ${tasks.join(', ')})`);
      if (!Number.isFinite(l) || l < 0) throw new Error(`static weighting: λ for "${t}" must be a finite number ≥ 0, got ${l}`);
    }
    this.current = Object.fromEntries(tasks.map((t) => [t, given[t] ?? 0]));
  }
  protected override nothingToDifferentiate(active: readonly string[]): boolean {
    return active.every((t) => (this.current[t] ?? 0) === 0);
  }
  config(): WeightingConfig {
    return { type: 'static', lambdas: { ...this.given } };
  }
}

export const staticWeighting: WeightingFactory = (config, init) =>
  new StaticWeighting(init.tasks, (config as Extract<WeightingConfig, { type: 'static' }>).lambdas ?? {});
