import { UserError } from '../errors.js';
/**
 * AdamW on Float32Array parameters, for the trainable top's weights (they live outside tfjs, so the
 * tfjs AdamW of src/nn/optimizer.ts, the same rule on tf.Variables, does not apply; the options carry
 * the same names). As torch.optim.AdamW computes it: decoupled weight decay
 * (p ← p · (1 − lr·λ) before the Adam update), bias-corrected moments, ε added to √v̂:
 *
 *   m ← β1·m + (1 − β1)·g        v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 *
 * Defaults are torch's: lr 1e-3, β (0.9, 0.999), ε 1e-8, weight decay 1e-2.
 */
export interface Float32AdamWOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export interface Float32AdamWState {
  step: number;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

export class Float32AdamW {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private t = 0;
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();

  constructor(options: Float32AdamWOptions = {}) {
    this.lr = options.lr ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 1e-2;
    for (const [k, x] of Object.entries({
      lr: this.lr,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
    })) {
      if (!Number.isFinite(x) || x < 0 || (k.startsWith('beta') && x >= 1))
        throw new UserError(`AdamW: ${k} = ${x} is out of range (lr, eps, weightDecay ≥ 0; betas in [0, 1))`);
    }
  }

  /** Steps taken. */
  get steps(): number {
    return this.t;
  }

  /** One update of every parameter in `params` (in place) by its gradient in `grads`. */
  step(params: ReadonlyMap<string, Float32Array>, grads: ReadonlyMap<string, Float32Array>): void {
    this.t += 1;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2Sqrt = Math.sqrt(1 - this.beta2 ** this.t);
    const stepSize = this.lr / bc1;
    const decay = 1 - this.lr * this.weightDecay;
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (!g) throw new Error(`AdamW: no gradient for parameter ${name}`);
      if (g.length !== p.length) throw new Error(`AdamW: gradient of ${name} has ${g.length} values, the parameter ${p.length}`);
      let m = this.m.get(name);
      let v = this.v.get(name);
      if (!m || !v) {
        m = new Float32Array(p.length);
        v = new Float32Array(p.length);
        this.m.set(name, m);
        this.v.set(name, v);
      }
      const b1 = this.beta1;
      const b2 = this.beta2;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] as number;
        const mi = (m[i] = b1 * (m[i] as number) + (1 - b1) * gi);
        const vi = (v[i] = b2 * (v[i] as number) + (1 - b2) * gi * gi);
        p[i] = (p[i] as number) * decay - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + this.eps);
      }
    }
  }

  /** The moments and step count (copies), for checkpoints. */
  state(): Float32AdamWState {
    const copy = (m: Map<string, Float32Array>) => Object.fromEntries([...m].map(([k, a]) => [k, a.slice()]));
    return { step: this.t, m: copy(this.m), v: copy(this.v) };
  }

  load(state: Float32AdamWState): void {
    if (!Number.isInteger(state.step) || state.step < 0) throw new UserError(`AdamW.load: step ${state.step} is not a count`);
    this.t = state.step;
    this.m.clear();
    this.v.clear();
    for (const [k, a] of Object.entries(state.m)) this.m.set(k, Float32Array.from(a));
    for (const [k, a] of Object.entries(state.v)) this.v.set(k, Float32Array.from(a));
  }
}
