/** λᵢ = 1 for every task. */
import { z } from 'zod';
import { BaseWeighting } from './common.js';
import type { WeightingConfig, WeightingFactory } from './types.js';

/** `equal` weighting takes no options. */
export const equalOptions = z.object({}).strict();

class EqualWeighting extends BaseWeighting {
  readonly type = 'equal' as const;
  config(): WeightingConfig {
    return { type: 'equal' };
  }
}

export const equal: WeightingFactory = (_config, init) => new EqualWeighting(init.tasks);
