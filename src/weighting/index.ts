/**
 * Loss-weighting registry (src/utils/registry.ts): plug-ins { type, options schema, factory }.
 * Adding a strategy = one new file (its factory and its zod options schema) + one line here; the training YAML's
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
import { Registry, type Plugin } from '../utils/registry.js';

export type {
  BackwardResult,
  Grads,
  GradInfo,
  LossFn,
  StepInfo,
  TrainableParams,
  Weighting,
  WeightingConfig,
  WeightingFactory,
  WeightingInit,
  WeightingType,
} from './types.js';
export { dwaLambdas } from './dwa.js';
export { pcgradCoefficients, pcgradProject, gramMatrix } from './pcgrad.js';
export { dwaOptions, equalOptions, gradnormOptions, pcgradOptions, rlwOptions, staticOptions, uncertaintyOptions };

export interface WeightingPlugin extends Plugin {
  create: WeightingFactory;
  /** The strategy's options (the config without `type`); a strict zod object, defaults left to the factory. */
  options: z.ZodObject;
}

/** The weighting registry (`register(plugin)`); the training config schema reads it at every parse. */
export const weightings = new Registry<WeightingPlugin>('weighting', [
  { type: 'static', create: staticWeighting, options: staticOptions },
  { type: 'equal', create: equal, options: equalOptions },
  { type: 'uncertainty', create: uncertainty, options: uncertaintyOptions },
  { type: 'dwa', create: dwa, options: dwaOptions },
  { type: 'gradnorm', create: gradnorm, options: gradnormOptions },
  { type: 'rlw', create: rlw, options: rlwOptions },
  { type: 'pcgrad', create: pcgrad, options: pcgradOptions },
]);

/** Live view `type → plug-in` of {@link weightings}. */
export const WEIGHTINGS = weightings.asRecord();

/**
 * Add (or replace) a strategy: `weightings.register({ type, ...plugin })`; the training config schema
 * picks it up at the next parse.
 * @example
 * registerWeighting('first-task', { options: z.object({ factor: z.number().default(2) }).strict(), create: (config, init) => … });
 * // now valid in a training YAML: training.weighting: { type: first-task, factor: 3 } (docs/develop/extending.md)
 */
export function registerWeighting(type: string, plugin: Omit<WeightingPlugin, 'type'>): void {
  weightings.register({ ...plugin, type });
}

export function createWeighting(config: WeightingConfig, init: WeightingInit): Weighting {
  return weightings.require(config.type).create(config, init);
}
