/**
 * AdamW (Loshchilov & Hutter 2019) over plain tf.Variables with exactly saveable state, learning-rate
 * schedule (linear warm-up, then linear or cosine decay) and global-norm gradient clipping.
 *
 * Update per parameter with a gradient g (t counts that parameter's updates):
 *   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  m̂ = m/(1−β₁ᵗ);  v̂ = v/(1−β₂ᵗ)
 *   p ← p − lr·( m̂/(√v̂ + ε) + wd·p )          (decay only on parameters marked `decay`)
 * A parameter without a gradient this step is left untouched (no decay either).
 */
import * as tf from '../utils/tf.js';
import { variableFrom } from './layers.js';
import type { ParamEntry } from './params.js';
import { UserError } from '../errors.js';

export interface OptimizerConfig {
  type: 'adamw';
  lr: number;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export interface ScheduleConfig {
  /** Warm-up steps (a value < 1 is a fraction of the total steps). */
  warmup?: number;
  decay?: 'linear' | 'cosine' | 'none';
  /** Floor of the decayed learning rate, as a fraction of the peak. */
  minRatio?: number;
}

export interface SerializedTensor {
  shape: number[];
  data: Float32Array;
}

interface Slot {
  m: tf.Variable;
  v: tf.Variable;
  t: number;
}

/**
 * AdamW over a {@link ParamStore}'s variables (the update in the module notes); its state saves
 * exactly (`getState` / `setState`), which is what checkpoints keep.
 * @example
 * const params = new ParamStore();
 * const w = params.add('w', [2], new Float32Array([1, -1]), { group: 'shared', decay: true });
 * const opt = new AdamW({ type: 'adamw', lr: 0.1, weightDecay: 0.01 });
 * opt.apply(params.list(), new Map([['w', tf.tensor1d([0.5, -0.5])]]), 0.1);
 * w.dataSync() // Float32Array [0.899, -0.899]: 1 − 0.1·(m̂/√v̂ + 0.01·1) on the first step
 */
export class AdamW {
  readonly lr: number;
  readonly weightDecay: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private readonly slots = new Map<string, Slot>();

  constructor(config: OptimizerConfig) {
    if (config.type !== 'adamw') throw new UserError(`unknown optimizer "${String(config.type)}" (known: adamw)`);
    if (!(config.lr > 0)) throw new UserError(`optimizer.lr must be > 0, got ${config.lr}`);
    this.lr = config.lr;
    this.weightDecay = config.weightDecay ?? 0.01;
    this.beta1 = config.beta1 ?? 0.9;
    this.beta2 = config.beta2 ?? 0.999;
    this.eps = config.eps ?? 1e-8;
  }

  private slot(p: ParamEntry): Slot {
    let s = this.slots.get(p.name);
    if (!s) {
      const n = p.shape.reduce((a, b) => a * b, 1);
      s = { m: variableFrom(new Float32Array(n), p.shape, false), v: variableFrom(new Float32Array(n), p.shape, false), t: 0 };
      this.slots.set(p.name, s);
    }
    return s;
  }

  /** Apply one update with learning rate `lr` to every parameter that has a gradient. */
  apply(params: readonly ParamEntry[], grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    for (const p of params) {
      const g = grads.get(p.name);
      if (!g) continue;
      const s = this.slot(p);
      s.t++;
      const c1 = 1 - Math.pow(this.beta1, s.t);
      const c2 = 1 - Math.pow(this.beta2, s.t);
      const wd = p.decay ? this.weightDecay : 0;
      tf.tidy(() => {
        const m = tf.add(tf.mul(s.m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(s.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        s.m.assign(m);
        s.v.assign(v);
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), this.eps));
        const step = wd > 0 ? tf.add(update, tf.mul(p.variable, wd)) : update;
        p.variable.assign(tf.sub(p.variable, tf.mul(step, lr)));
      });
    }
  }

  config(): OptimizerConfig {
    return { type: 'adamw', lr: this.lr, weightDecay: this.weightDecay, beta1: this.beta1, beta2: this.beta2, eps: this.eps };
  }

  /** Moments as tensors (for a safetensors file) and step counts (JSON). */
  getState(): { tensors: Map<string, SerializedTensor>; steps: Record<string, number> } {
    const tensors = new Map<string, SerializedTensor>();
    const steps: Record<string, number> = {};
    for (const [name, s] of this.slots) {
      tensors.set(`${name}.m`, { shape: s.m.shape, data: s.m.dataSync().slice() as Float32Array });
      tensors.set(`${name}.v`, { shape: s.v.shape, data: s.v.dataSync().slice() as Float32Array });
      steps[name] = s.t;
    }
    return { tensors, steps };
  }

  setState(params: readonly ParamEntry[], state: { tensors: Map<string, SerializedTensor>; steps: Record<string, number> }): void {
    this.dispose();
    for (const p of params) {
      const t = state.steps[p.name];
      if (t === undefined) continue;
      const m = state.tensors.get(`${p.name}.m`);
      const v = state.tensors.get(`${p.name}.v`);
      if (!m || !v)
        throw new UserError(
          `optimizer state for "${p.name}" is incomplete (a damaged checkpoint, or one written by another model: start over with --overwrite)`,
        );
      if (m.data.length !== v.data.length || m.data.length !== p.shape.reduce((a, b) => a * b, 1)) {
        throw new UserError(
          `optimizer state for "${p.name}" has the wrong size (a checkpoint written by another model configuration: start over with --overwrite)`,
        );
      }
      this.slots.set(p.name, { m: variableFrom(m.data, p.shape, false), v: variableFrom(v.data, p.shape, false), t });
    }
  }

  dispose(): void {
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.slots.clear();
  }
}

/** Learning rate for 0-based `step` of `total`. */
export function learningRate(base: number, step: number, total: number, schedule: ScheduleConfig = {}): number {
  const warmup =
    schedule.warmup === undefined ? 0 : schedule.warmup < 1 ? Math.round(schedule.warmup * total) : Math.round(schedule.warmup);
  if (step < warmup) return (base * (step + 1)) / warmup;
  const decay = schedule.decay ?? 'none';
  if (decay === 'none') return base;
  const minRatio = schedule.minRatio ?? 0;
  const p = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  const f = decay === 'linear' ? 1 - p : 0.5 * (1 + Math.cos(Math.PI * p));
  return base * (minRatio + (1 - minRatio) * f);
}

/**
 * Global gradient norm, and (when `clipNorm` is set and exceeded) the gradients scaled to that norm.
 * Returns new tensors when clipping (the inputs are disposed), else the same map.
 */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, clipNorm?: number): { grads: Map<string, tf.Tensor>; norm: number } {
  if (grads.size === 0) return { grads, norm: 0 };
  const normT = tf.tidy(() => tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g))))));
  const norm = normT.dataSync()[0] as number;
  normT.dispose();
  if (clipNorm === undefined || !(clipNorm > 0) || norm <= clipNorm || !Number.isFinite(norm)) return { grads, norm };
  const scale = clipNorm / norm;
  const out = new Map<string, tf.Tensor>();
  for (const [name, g] of grads) {
    out.set(name, tf.mul(g, scale));
    g.dispose();
  }
  return { grads: out, norm };
}
