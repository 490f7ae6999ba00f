/** λᵢ = 1 for every task. */
import { BaseWeighting } from './common.js';
import type { WeightingConfig, WeightingFactory } from './types.js';

class EqualWeighting extends BaseWeighting {
  readonly type = 'equal' as const;
  config(): WeightingConfig {
    return { type: 'equal' };
  }
}

export const equal: WeightingFactory = (_config, init) => new EqualWeighting(init.tasks);
