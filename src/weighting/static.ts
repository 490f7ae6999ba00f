/** Fixed λ per task (a task missing from `lambdas` gets 0). */
import { z } from 'zod';
import { BaseWeighting } from './common.js';
import type { WeightingConfig, WeightingFactory } from './types.js';
import { UserError } from '../errors.js';

/** Options of `static` weighting. */
export const staticOptions = z
  .object({
    /** λ per task (a task missing here gets 0); from YAML, merged over the tasks' own `lambda`. */
    lambdas: z.record(z.string(), z.number().nonnegative()).optional(),
  })
  .strict();

class StaticWeighting extends BaseWeighting {
  readonly type = 'static' as const;
  constructor(
    tasks: string[],
    private readonly given: Record<string, number>,
  ) {
    super(tasks);
    for (const [t, l] of Object.entries(given)) {
      if (!tasks.includes(t)) throw new UserError(`static weighting: λ given for unknown task "${t}" (tasks: ${tasks.join(', ')})`);
      if (!Number.isFinite(l) || l < 0) throw new UserError(`static weighting: λ for "${t}" must be a finite number ≥ 0, got ${l}`);
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
