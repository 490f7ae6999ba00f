/** Loss-weighting registry: name → factory. Adding a strategy = one new file + one line here. */
import { dwa } from './dwa.js';
import { equal } from './equal.js';
import { gradnorm } from './gradnorm.js';
import { pcgrad } from './pcgrad.js';
import { rlw } from './rlw.js';
import { staticWeighting } from './static.js';
import { uncertainty } from './uncertainty.js';
import type { Weighting, WeightingConfig, WeightingFactory, WeightingInit } from './types.js';

export type { BackwardResult, Grads, GradInfo, LossFn, StepInfo, TrainableParams, Weighting, WeightingConfig, WeightingFactory, WeightingInit, WeightingType } from './types.js';
export { dwaLambdas } from './dwa.js';
export { pcgradCoefficients, pcgradProject, gramMatrix } from './pcgrad.js';

export const WEIGHTINGS: Record<string, WeightingFactory> = {
  static: staticWeighting,
  equal,
  uncertainty,
  dwa,
  gradnorm,
  rlw,
  pcgrad,
};

export function createWeighting(config: WeightingConfig, init: WeightingInit): Weighting {
  const factory = WEIGHTINGS[config.type];
  if (!factory) throw new Error(`unknown weighting "${String(config.type)}" (known: ${Object.keys(WEIGHTINGS).join(', ')})`);
  return factory(config, init);
}
