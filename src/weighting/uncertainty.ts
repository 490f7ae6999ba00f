/**
 * Homoscedastic uncertainty weighting (Kendall, Gal & Cipolla 2018) with learned sᵢ = log σᵢ²
 * (init 0): L = Σᵢ exp(−sᵢ)·Lᵢ + sᵢ, the same form for regression and classification — no ½ factors
 * (LibMTL's UW, ½·exp(−sᵢ)Lᵢ + ½·sᵢ, differs only by an overall factor ½). λᵢ = exp(−sᵢ) = 1/σᵢ²; at
 * the optimum sᵢ = log Lᵢ, so a noisier task (larger irreducible loss) settles at a larger σ.
 */
import { z } from 'zod';
import * as tf from '../utils/tf.js';
import { ParamStore, type ParamEntry } from '../nn/params.js';
import { BaseWeighting } from './common.js';
import type { StepInfo, WeightingConfig, WeightingFactory } from './types.js';

/** `uncertainty` weighting takes no options. */
export const uncertaintyOptions = z.object({}).strict();

class UncertaintyWeighting extends BaseWeighting {
  readonly type = 'uncertainty' as const;
  private readonly store = new ParamStore('weighting');
  constructor(tasks: string[]) {
    super(tasks);
    for (const t of tasks) this.store.add(this.paramName(t), [], 'zeros', { group: 'weighting', decay: false });
  }
  private paramName(t: string): string {
    return `weighting.uncertainty.logvar.${t}`;
  }
  override params(): ParamEntry[] {
    return this.store.list();
  }
  override combine(losses: Map<string, tf.Scalar>, _info: StepInfo): tf.Scalar {
    const terms: tf.Scalar[] = [];
    for (const [task, loss] of losses) {
      const s = this.store.get(this.paramName(task));
      terms.push(tf.add(tf.mul(tf.exp(tf.neg(s)), loss), s) as tf.Scalar);
    }
    return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
  }
  logVariances(): Record<string, number> {
    return Object.fromEntries(this.tasks.map((t) => [t, this.store.get(this.paramName(t)).dataSync()[0] as number]));
  }
  override lambdas(): Record<string, number> {
    const s = this.logVariances();
    return Object.fromEntries(this.tasks.map((t) => [t, Math.exp(-(s[t] as number))]));
  }
  override diagnostics(): Record<string, unknown> {
    return { logVariance: this.logVariances() };
  }
  override getState(): unknown {
    return { logVariance: this.logVariances() };
  }
  override setState(s: unknown): void {
    const st = s as { logVariance?: Record<string, number> } | null;
    if (!st?.logVariance) return;
    for (const t of this.tasks) {
      const v = st.logVariance[t];
      if (typeof v === 'number') tf.tidy(() => this.store.get(this.paramName(t)).assign(tf.scalar(v)));
    }
  }
  config(): WeightingConfig {
    return { type: 'uncertainty' };
  }
  override dispose(): void {
    this.store.dispose();
  }
}

export const uncertainty: WeightingFactory = (_config, init) => new UncertaintyWeighting(init.tasks);
