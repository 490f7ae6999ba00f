/**
 * Loss-weighting registry: name → { factory, options schema }. Adding a strategy = one new file
 * (its factory and its zod options schema) + one line here; the training YAML's
 * `training.weighting` accepts `{ type: <name>, ...options }` for every registered strategy.
 */
import type { z } from 'zod';
import { dwa, dwaOptions } from './dwa.js';
import { equal, equalOptions } from './equal.js';
import { gradnorm, gradnormOptions } from './gradnorm.js';
import { pcgrad, pcgradOptions } from './pcgrad.js';
import { rlw, rlwOptions } from './rlw.js';
import { staticOptions, staticWeighting } from './static.js';
import { uncertainty, uncertaintyOptions } from './uncertainty.js';
import type { Weighting, WeightingConfig, WeightingFactory, WeightingInit } from './types.js';
import { UserError } from '../errors.js';

export type { BackwardResult, Grads, GradInfo, LossFn, StepInfo, TrainableParams, Weighting, WeightingConfig, WeightingFactory, WeightingInit, WeightingType } from './types.js';
export { dwaLambdas } from './dwa.js';
export { pcgradCoefficients, pcgradProject, gramMatrix } from './pcgrad.js';
export { dwaOptions, equalOptions, gradnormOptions, pcgradOptions, rlwOptions, staticOptions, uncertaintyOptions };

export interface WeightingPlugin {
  create: WeightingFactory;
  /** The strategy's options (the config without `type`); a strict zod object, defaults left to the factory. */
  options: z.ZodObject;
}

export const WEIGHTINGS: Record<string, WeightingPlugin> = {
  static: { create: staticWeighting, options: staticOptions },
  equal: { create: equal, options: equalOptions },
  uncertainty: { create: uncertainty, options: uncertaintyOptions },
  dwa: { create: dwa, options: dwaOptions },
  gradnorm: { create: gradnorm, options: gradnormOptions },
  rlw: { create: rlw, options: rlwOptions },
  pcgrad: { create: pcgrad, options: pcgradOptions },
};

/**
 * Add (or replace) a strategy; the training config schema picks it up at the next parse.
 * @example
 * registerWeighting('first-task', { options: z.object({ factor: z.number().default(2) }).strict(), create: (config, init) => … });
 * // now valid in a training YAML: training.weighting: { type: first-task, factor: 3 } (docs/develop/extending.md)
 */
export function registerWeighting(type: string, plugin: WeightingPlugin): void {
  WEIGHTINGS[type] = plugin;
}

export function createWeighting(config: WeightingConfig, init: WeightingInit): Weighting {
  const plugin = Object.prototype.hasOwnProperty.call(WEIGHTINGS, config.type) ? WEIGHTINGS[config.type] : undefined;
  if (!plugin) throw new UserError(`unknown weighting "${String(config.type)}" (known: ${Object.keys(WEIGHTINGS).join(', ')})`);
  return plugin.create(config, init);
}
