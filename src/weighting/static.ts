/**
 * Fixed λ per task. Without `lambdas` every task weighs 1 (as `equal`); with them, a task missing
 * from the map gets 0 (a way to switch a task off). λ = 0 for every task is refused: nothing would train.
 */
import { z } from 'zod';
import { BaseWeighting } from './common.js';
import type { WeightingConfig, WeightingFactory } from './types.js';
import { UserError } from '../errors.js';

/** Options of `static` weighting. */
export const staticOptions = z
  .object({
    /** λ per task (absent: every task 1; a task missing from it gets 0); from YAML, merged over the tasks' own `lambda`. */
    lambdas: z.record(z.string(), z.number().nonnegative()).optional(),
  })
  .strict();

class StaticWeighting extends BaseWeighting {
  readonly type = 'static' as const;
  constructor(
    tasks: string[],
    private readonly given: Record<string, number> | undefined,
  ) {
    super(tasks);
    for (const [t, l] of Object.entries(given ?? {})) {
      if (!tasks.includes(t)) throw new UserError(`static weighting: λ given for unknown task "${t}" (tasks: ${tasks.join(', ')})`);
      if (!Number.isFinite(l) || l < 0) throw new UserError(`static weighting: λ for "${t}" must be a finite number ≥ 0, got ${l}`);
    }
    this.current = Object.fromEntries(tasks.map((t) => [t, given ? (given[t] ?? 0) : 1]));
    if (tasks.length > 0 && tasks.every((t) => this.current[t] === 0))
      throw new UserError(
        `static weighting: lambdas ${JSON.stringify(given)} give every task (${tasks.join(', ')}) λ 0, so training would change nothing; give at least one task a positive λ (a task missing from lambdas gets 0), or leave lambdas out for λ 1 each`,
      );
  }
  protected override nothingToDifferentiate(active: readonly string[]): boolean {
    return active.every((t) => (this.current[t] ?? 0) === 0);
  }
  config(): WeightingConfig {
    return this.given ? { type: 'static', lambdas: { ...this.given } } : { type: 'static' };
  }
}

export const staticWeighting: WeightingFactory = (config, init) =>
  new StaticWeighting(init.tasks, (config as Extract<WeightingConfig, { type: 'static' }>).lambdas);
