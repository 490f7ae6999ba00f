/**
 * Architecture plug-in: how the tasks share the trainable layers between the frozen encoder
 * features and the task heads. Each architecture maps a batch of one task's rows [N, d] to that
 * task's representation [N, outputDim]; a batch only passes through what its task needs.
 */
import type * as tf from '../utils/tf.js';
import type { ForwardContext, SharedLayersConfig } from '../nn/layers.js';
import type { ParamStore } from '../nn/params.js';

export type ArchitectureConfig =
  | { type: 'hard' }
  | {
      type: 'cross-stitch';
      /** Initial diagonal of each α (off-diagonal = (1 − self)/(T − 1)); default 0.9. */
      selfWeight?: number;
    }
  | {
      type: 'mmoe';
      /** Number of shared experts (each a stack with the shared-layer config); default 4. */
      experts?: number;
      /** Batches per task over which gate usage is averaged; default 50. */
      window?: number;
    };

export type ArchitectureType = ArchitectureConfig['type'];

export type TaskRelations =
  | { type: 'hard'; tasks: string[] }
  | {
      type: 'cross-stitch';
      tasks: string[];
      /** One T×T matrix per layer; row i = how task i's tower mixes the towers (α[i][j]). */
      alphas: number[][][];
    }
  | {
      type: 'mmoe';
      tasks: string[];
      experts: number;
      /** Mean gate weight per expert, per task, over the last `window` training batches of that task. */
      gates: Record<string, number[]>;
      /** Number of batches averaged per task (0 = untrained: uniform weights reported). */
      batches: Record<string, number>;
    };

export interface ArchitectureContext {
  /** Task names in fixed order. */
  tasks: string[];
  inputDim: number;
  shared: SharedLayersConfig;
  store: ParamStore;
}

export interface Architecture {
  readonly type: ArchitectureType;
  readonly outputDim: number;
  /** Representation of one task's rows. */
  forward(task: string, x: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D;
  /**
   * Parameters of the last shared layer (GradNorm measures task gradient norms on these).
   * Empty when there is no shared layer.
   */
  lastSharedParams(): string[];
  /** Learned task relations (cross-stitch α, MMoE gate usage). */
  relations(): TaskRelations;
  /** Called after each optimisation step (e.g. to read gate statistics). */
  afterStep(): void;
  /** Non-parameter state (gate statistics), JSON-serialisable. */
  getState(): unknown;
  setState(s: unknown): void;
  config(): ArchitectureConfig;
  dispose(): void;
}

export type ArchitectureFactory = (config: ArchitectureConfig, ctx: ArchitectureContext) => Architecture;
