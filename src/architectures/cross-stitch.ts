/**
 * Cross-stitch networks (Misra et al. 2016): one tower per task; after every layer a learned
 * task-relation matrix α (T×T, initialised near identity) mixes the towers: h̃ᵢ = Σⱼ αᵢⱼ hⱼ.
 * A batch of task t runs all towers on that batch, mixes after each layer and keeps row t at the end.
 */
import { z } from 'zod';
import * as tf from '../utils/tf.js';
import { Stack, type ForwardContext } from '../nn/layers.js';
import type { Architecture, ArchitectureConfig, ArchitectureContext, ArchitectureFactory, TaskRelations } from './types.js';
import { UserError } from '../errors.js';

/** Options of `cross-stitch`. */
export const crossStitchOptions = z
  .object({
    /** Initial diagonal of each task-relation matrix α (default 0.9). */
    selfWeight: z.number().gt(0).lte(1).optional(),
  })
  .strict();

class CrossStitch implements Architecture {
  readonly type = 'cross-stitch' as const;
  readonly outputDim: number;
  private readonly towers: Stack[];
  private readonly alphaNames: string[] = [];
  private readonly selfWeight: number;

  constructor(
    private readonly ctx: ArchitectureContext,
    config: Extract<ArchitectureConfig, { type: 'cross-stitch' }>,
  ) {
    if (ctx.shared.depth < 1) throw new UserError('cross-stitch needs sharedLayers.depth ≥ 1 (one tower layer per mixing step)');
    const T = ctx.tasks.length;
    this.selfWeight = config.selfWeight ?? 0.9;
    this.towers = ctx.tasks.map((t) => new Stack(ctx.store, `arch.towers.${t}`, ctx.inputDim, ctx.shared, { group: 'shared' }));
    this.outputDim = this.towers[0]!.outDim;
    const off = T > 1 ? (1 - this.selfWeight) / (T - 1) : 0;
    for (let l = 0; l < ctx.shared.depth; l++) {
      const init = new Float32Array(T * T);
      for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) init[i * T + j] = i === j ? (T > 1 ? this.selfWeight : 1) : off;
      const name = `arch.alpha.${l}`;
      ctx.store.add(name, [T, T], init, { group: 'shared', decay: false });
      this.alphaNames.push(name);
    }
  }

  forward(task: string, x: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    const t = this.ctx.tasks.indexOf(task);
    if (t < 0) throw new Error(`cross-stitch: unknown task "${task}"`);
    const T = this.towers.length;
    const depth = this.ctx.shared.depth;
    const N = x.shape[0];
    let hs: tf.Tensor2D[] = this.towers.map(() => x);
    for (let l = 0; l < depth; l++) {
      const outs = this.towers.map((tower, j) => tower.blocks[l]!.apply(hs[j] as tf.Tensor2D, ctx));
      const h = outs[0]!.shape[1];
      const stacked = tf.reshape(tf.stack(outs), [T, N * h]);
      const alpha = this.ctx.store.get(this.alphaNames[l] as string);
      if (l === depth - 1) {
        const row = tf.slice(alpha, [t, 0], [1, T]);
        return tf.reshape(tf.matMul(row, stacked), [N, h]);
      }
      const mixed = tf.reshape(tf.matMul(alpha, stacked), [T, N, h]);
      hs = tf.unstack(mixed) as tf.Tensor2D[];
    }
    throw new Error('unreachable');
  }

  lastSharedParams(): string[] {
    const l = this.ctx.shared.depth - 1;
    return this.towers.map((tower) => tower.blocks[l]!.dense.weightName);
  }

  relations(): TaskRelations {
    const T = this.towers.length;
    const alphas = this.alphaNames.map((name) => {
      const d = this.ctx.store.get(name).dataSync();
      return Array.from({ length: T }, (_, i) => Array.from(d.subarray(i * T, (i + 1) * T)));
    });
    return { type: 'cross-stitch', tasks: [...this.ctx.tasks], alphas };
  }

  afterStep(): void {}
  getState(): unknown {
    return null;
  }
  setState(): void {}
  config(): ArchitectureConfig {
    return { type: 'cross-stitch', selfWeight: this.selfWeight };
  }
  dispose(): void {}
}

export const crossStitch: ArchitectureFactory = (config, ctx) =>
  new CrossStitch(ctx, config as Extract<ArchitectureConfig, { type: 'cross-stitch' }>);
