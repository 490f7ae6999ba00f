/**
 * Loss-weighting plug-in. Total loss L = Σ λᵢ·Lᵢ over the tasks that have a batch this step.
 *
 * Two modes:
 *  - `loss`: `combine` builds the weighted total inside the gradient tape (static, equal,
 *    uncertainty, dwa, rlw). Terms whose λ is exactly 0 are dropped, so such a task's head gets no
 *    gradient (and, since the optimiser skips parameters without a gradient, no weight decay).
 *  - `grad`: the trainer computes one gradient per task and `combineGrads` merges them (gradnorm,
 *    pcgrad).
 */
import type * as tf from '../utils/tf.js';
import type { ParamEntry, ParamStore } from '../nn/layers.js';
import type { Rng } from '../utils/random.js';

export type WeightingConfig =
  | { type: 'static'; lambdas: Record<string, number> }
  | { type: 'equal' }
  | { type: 'uncertainty' }
  | { type: 'dwa'; T?: number }
  | { type: 'gradnorm'; alpha?: number; lr?: number }
  | { type: 'rlw' }
  | { type: 'pcgrad' };

export type WeightingType = WeightingConfig['type'];

export interface WeightingInit {
  /** All task names in fixed order. */
  tasks: string[];
  /** Kind of each task's loss. */
  lossKinds: Record<string, 'classification' | 'regression' | 'binary'>;
  /** Seeded stream owned by the weighting (its state is saved by the weighting). */
  rng: Rng;
}

export interface StepInfo {
  step: number;
  epoch: number;
  /** Tasks with a batch this step. */
  active: string[];
}

export interface GradInfo extends StepInfo {
  /** Names of parameters shared between tasks (PCGrad projects these). */
  shared: ReadonlySet<string>;
  /** Parameters of the last shared layer (GradNorm). */
  lastShared: readonly string[];
}

/** Gradients keyed by parameter name. */
export type Grads = Map<string, tf.Tensor>;

export interface Weighting {
  readonly type: WeightingType;
  readonly mode: 'loss' | 'grad';
  /** Trainable parameters owned by the weighting (uncertainty's log σ²), optimised with the model. */
  params(): ParamEntry[];
  /** `loss` mode: weighted total of the active tasks' losses (called inside the gradient tape). */
  combine(losses: Map<string, tf.Scalar>, info: StepInfo): tf.Scalar;
  /**
   * `grad` mode: merge per-task gradients into one. New tensors are returned; the caller disposes
   * both the inputs and the result.
   */
  combineGrads?(perTask: Map<string, Grads>, losses: Record<string, number>, info: GradInfo): Grads;
  /** After each step, with the active tasks' loss values. */
  afterStep(losses: Record<string, number>, info: StepInfo): void;
  /** At the end of each epoch (DWA updates here). */
  onEpochEnd(epoch: number): void;
  /** Current λ per task. */
  lambdas(): Record<string, number>;
  /** Extra per-step numbers worth logging (e.g. gradient norms). */
  diagnostics(): Record<string, unknown>;
  getState(): unknown;
  setState(s: unknown): void;
  config(): WeightingConfig;
  dispose(): void;
}

export type WeightingFactory = (config: WeightingConfig, init: WeightingInit) => Weighting;

export type { ParamStore };
