/** Hard parameter sharing: one stack of shared layers for every task. */
import { z } from 'zod';
import type * as tf from '../utils/tf.js';
import { Stack, type ForwardContext } from '../nn/layers.js';
import type { Architecture, ArchitectureConfig, ArchitectureContext, ArchitectureFactory, TaskRelations } from './types.js';

/** `hard` sharing takes no options. */
export const hardOptions = z.object({}).strict();

class HardSharing implements Architecture {
  readonly type = 'hard' as const;
  readonly outputDim: number;
  private readonly stack: Stack;
  constructor(private readonly ctx: ArchitectureContext) {
    this.stack = new Stack(ctx.store, 'arch.shared', ctx.inputDim, ctx.shared, { group: 'shared' });
    this.outputDim = this.stack.outDim;
  }
  forward(_task: string, x: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    return this.stack.apply(x, ctx);
  }
  lastSharedParams(): string[] {
    const last = this.stack.blocks[this.stack.blocks.length - 1];
    return last ? [last.dense.weightName] : [];
  }
  relations(): TaskRelations {
    return { type: 'hard', tasks: [...this.ctx.tasks] };
  }
  afterStep(): void {}
  getState(): unknown {
    return null;
  }
  setState(): void {}
  config(): ArchitectureConfig {
    return { type: 'hard' };
  }
  dispose(): void {}
}

export const hard: ArchitectureFactory = (_config, ctx) => new HardSharing(ctx);
