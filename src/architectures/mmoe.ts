/**
 * Multi-gate Mixture-of-Experts (Ma et al. 2018): E shared experts (each a stack with the
 * shared-layer config) and one softmax gate per task over the experts, computed from the input:
 * rep_t(x) = Σₑ g_t(x)ₑ · expertₑ(x). Mean gate weights per task over the last `window` training
 * batches are recorded and exposed as the task relations.
 */
import { z } from 'zod';
import * as tf from '../utils/tf.js';
import { Dense, Stack, type ForwardContext } from '../nn/layers.js';
import type { Architecture, ArchitectureConfig, ArchitectureContext, ArchitectureFactory, TaskRelations } from './types.js';
import { UserError } from '../errors.js';

/** Options of `mmoe`. */
export const mmoeOptions = z
  .object({
    /** Number of shared experts (default 4). */
    experts: z.number().int().positive().optional(),
    /** Batches per task over which gate usage is averaged (default 50). */
    window: z.number().int().positive().optional(),
  })
  .strict();

class MMoE implements Architecture {
  readonly type = 'mmoe' as const;
  readonly outputDim: number;
  private readonly experts: Stack[];
  private readonly gates = new Map<string, Dense>();
  private readonly numExperts: number;
  private readonly window: number;
  private pending: { task: string; mean: tf.Tensor }[] = [];
  private usage: Record<string, number[][]> = {};

  constructor(
    private readonly ctx: ArchitectureContext,
    config: Extract<ArchitectureConfig, { type: 'mmoe' }>,
  ) {
    if (ctx.shared.depth < 1) throw new UserError('mmoe needs sharedLayers.depth ≥ 1 (experts are stacks of shared layers)');
    this.numExperts = config.experts ?? 4;
    this.window = config.window ?? 50;
    if (!Number.isInteger(this.numExperts) || this.numExperts < 1)
      throw new UserError(`mmoe: experts must be a positive integer, got ${this.numExperts}`);
    this.experts = Array.from(
      { length: this.numExperts },
      (_, e) => new Stack(ctx.store, `arch.experts.${e}`, ctx.inputDim, ctx.shared, { group: 'shared' }),
    );
    this.outputDim = this.experts[0]!.outDim;
    for (const t of ctx.tasks) {
      this.gates.set(t, new Dense(ctx.store, `arch.gates.${t}`, ctx.inputDim, this.numExperts, { group: 'task', task: t }));
      this.usage[t] = [];
    }
  }

  forward(task: string, x: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    const gate = this.gates.get(task);
    if (!gate) throw new Error(`mmoe: unknown task "${task}"`);
    const g = tf.softmax(gate.apply(x)) as tf.Tensor2D; // [N, E]
    if (ctx.training) this.pending.push({ task, mean: tf.keep(tf.mean(g, 0)) });
    const outs = this.experts.map((e) => e.apply(x, ctx));
    const weights = tf.split(g, this.numExperts, 1);
    return tf.addN(outs.map((o, e) => tf.mul(o, weights[e] as tf.Tensor2D))) as tf.Tensor2D;
  }

  lastSharedParams(): string[] {
    const l = this.ctx.shared.depth - 1;
    return this.experts.map((e) => e.blocks[l]!.dense.weightName);
  }

  afterStep(): void {
    for (const { task, mean } of this.pending) {
      const list = this.usage[task] ?? (this.usage[task] = []);
      list.push(Array.from(mean.dataSync()));
      if (list.length > this.window) list.shift();
      mean.dispose();
    }
    this.pending = [];
  }

  relations(): TaskRelations {
    const gates: Record<string, number[]> = {};
    const batches: Record<string, number> = {};
    for (const t of this.ctx.tasks) {
      const list = this.usage[t] ?? [];
      const mean = new Array<number>(this.numExperts).fill(0);
      for (const row of list) row.forEach((v, e) => (mean[e]! += v / list.length));
      gates[t] = list.length ? mean : new Array<number>(this.numExperts).fill(1 / this.numExperts);
      batches[t] = list.length;
    }
    return { type: 'mmoe', tasks: [...this.ctx.tasks], experts: this.numExperts, gates, batches };
  }

  getState(): unknown {
    return { usage: this.usage };
  }
  setState(s: unknown): void {
    const st = s as { usage?: Record<string, number[][]> } | null;
    if (st?.usage) this.usage = JSON.parse(JSON.stringify(st.usage)) as Record<string, number[][]>;
  }
  config(): ArchitectureConfig {
    return { type: 'mmoe', experts: this.numExperts, window: this.window };
  }
  dispose(): void {
    for (const p of this.pending) p.mean.dispose();
    this.pending = [];
  }
}

export const mmoe: ArchitectureFactory = (config, ctx) => new MMoE(ctx, config as Extract<ArchitectureConfig, { type: 'mmoe' }>);
