/**
 * Loss-weighting plug-in. The trainer's step is `weighting.backward(losses, params, info)` then the
 * optimiser's update: the weighting turns the active tasks' losses into one gradient.
 *
 * - Loss-level weightings (static, equal, uncertainty, dwa, rlw) differentiate L = Σ λᵢ·Lᵢ once
 *   (`combine`, inside the gradient tape; static is just that with fixed λ). Terms whose λ is
 *   exactly 0 are dropped, so such a task's head gets no gradient (and, since the optimiser skips
 *   parameters without a gradient, no weight decay); when every active λ is 0 nothing is
 *   differentiated.
 * - Gradient-level weightings (gradnorm, pcgrad) take one gradient per task and merge them.
 */
import type * as tf from '../utils/tf.js';
import type { ParamEntry, ParamStore } from '../nn/params.js';
import type { Rng } from '../utils/random.js';

export type WeightingConfig =
  /** Fixed λ per task: absent, every task 1; given, a task missing from it 0. */
  | { type: 'static'; lambdas?: Record<string, number> }
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

/** One active task's loss on this step's batch; the weighting calls it inside its gradient tape. */
export type LossFn = () => tf.Scalar;

/** What the weighting differentiates with respect to. */
export interface TrainableParams {
  /** Every trainable variable (the model's, then the weighting's own), in a fixed order. */
  variables: readonly tf.Variable[];
  /** Parameter name of a variable (gradients are keyed by parameter name). */
  nameOf(variable: tf.Variable): string;
  /** Names of parameters shared between tasks (PCGrad projects these). */
  shared: ReadonlySet<string>;
  /** Parameters of the last shared layer (GradNorm). */
  lastShared: readonly string[];
}

export interface BackwardResult {
  /** Gradient per parameter name (new tensors: the caller disposes them). */
  grads: Grads;
  /** Each active task's loss value. */
  losses: Record<string, number>;
}

export interface Weighting {
  readonly type: WeightingType;
  /** Whether the weighting works on the total loss or on per-task gradients (for diagnostics). */
  readonly mode: 'loss' | 'grad';
  /** Trainable parameters owned by the weighting (uncertainty's log σ²), optimised with the model. */
  params(): ParamEntry[];
  /** The step's gradient from the active tasks' losses (their order is the step's task order). */
  backward(losses: ReadonlyMap<string, LossFn>, params: TrainableParams, info: StepInfo): BackwardResult;
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
