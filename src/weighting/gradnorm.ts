/**
 * GradNorm (Chen et al. 2018). Task weights wᵢ (init 1) are learned so that the weighted gradient
 * norms Gᵢ = ‖∇_W wᵢLᵢ‖ on the last shared layer's weights W approach Ḡ·rᵢ^α, where
 * rᵢ = L̃ᵢ / mean(L̃), L̃ᵢ = Lᵢ(t)/Lᵢ(0) (relative inverse training rate). The gradient-norm loss
 * Σ|Gᵢ − Ḡ rᵢ^α| (target held constant, as in the paper) is linear in wᵢ, so its gradient is
 * sign(Gᵢ − targetᵢ)·‖∇_W Lᵢ‖ — computed exactly without second-order autodiff. w is updated by Adam
 * (lr 0.025) and renormalised so Σw over the active tasks is unchanged (Σ = T when all are active).
 * The model's gradient this step is Σ wᵢ∇Lᵢ with the weights before the update.
 */
import { z } from 'zod';
import * as tf from '../utils/tf.js';
import { GradWeighting, sumGrads } from './common.js';
import type { GradInfo, Grads, WeightingConfig, WeightingFactory } from './types.js';
import { UserError } from '../errors.js';

/** Options of `gradnorm` weighting. */
export const gradnormOptions = z
  .object({
    /** Restoring-force strength α (default 1.5). */
    alpha: z.number().nonnegative().optional(),
    /** Adam learning rate of the task weights (default 0.025). */
    lr: z.number().positive().optional(),
  })
  .strict();

interface GradNormState {
  w: Record<string, number>;
  initialLoss: Record<string, number>;
  m: Record<string, number>;
  v: Record<string, number>;
  t: number;
  norms: Record<string, number>;
}

class GradNormWeighting extends GradWeighting {
  readonly type = 'gradnorm' as const;
  private initialLoss: Record<string, number> = {};
  private m: Record<string, number> = {};
  private v: Record<string, number> = {};
  private t = 0;
  private norms: Record<string, number> = {};

  constructor(
    tasks: string[],
    private readonly alpha: number,
    private readonly lr: number,
  ) {
    super(tasks);
    if (!(alpha >= 0)) throw new UserError(`gradnorm: alpha must be ≥ 0, got ${alpha}`);
    for (const t of tasks) {
      this.m[t] = 0;
      this.v[t] = 0;
    }
  }

  protected combineGrads(perTask: Map<string, Grads>, losses: Record<string, number>, info: GradInfo): Grads {
    if (info.lastShared.length === 0) throw new UserError('gradnorm needs a shared layer: set sharedLayers.depth ≥ 1 in the config');
    const active = [...perTask.keys()];
    const normValues = tf.tidy(() =>
      tf.stack(
        active.map((t) => {
          const gs = info.lastShared.map((p) => perTask.get(t)?.get(p)).filter((g): g is tf.Tensor => g !== undefined);
          return gs.length ? tf.sqrt(tf.addN(gs.map((g) => tf.sum(tf.square(g))))) : tf.scalar(0);
        }),
      ),
    );
    const norms = Array.from(normValues.dataSync());
    normValues.dispose();
    const w = active.map((t) => this.current[t] as number);
    // model gradient with the current weights
    const combined = sumGrads(perTask, (task) => this.current[task] as number);

    for (const [i, t] of active.entries()) {
      if (this.initialLoss[t] === undefined) this.initialLoss[t] = Math.max(losses[t] as number, 1e-12);
      this.norms[t] = norms[i] as number;
    }
    if (active.length > 1) {
      const G = active.map((_, i) => (w[i] as number) * (norms[i] as number));
      const Gbar = G.reduce((a, b) => a + b, 0) / G.length;
      const ratio = active.map((t) => (losses[t] as number) / (this.initialLoss[t] as number));
      const meanRatio = ratio.reduce((a, b) => a + b, 0) / ratio.length;
      const target = ratio.map((r) => Gbar * Math.pow(r / meanRatio, this.alpha));
      const before = w.reduce((a, b) => a + b, 0);
      this.t++;
      const b1 = 0.9;
      const b2 = 0.999;
      const next = active.map((t, i) => {
        const g = Math.sign((G[i] as number) - (target[i] as number)) * (norms[i] as number);
        this.m[t] = b1 * (this.m[t] ?? 0) + (1 - b1) * g;
        this.v[t] = b2 * (this.v[t] ?? 0) + (1 - b2) * g * g;
        const mh = (this.m[t] as number) / (1 - Math.pow(b1, this.t));
        const vh = (this.v[t] as number) / (1 - Math.pow(b2, this.t));
        return Math.max((w[i] as number) - (this.lr * mh) / (Math.sqrt(vh) + 1e-8), 1e-3);
      });
      const after = next.reduce((a, b) => a + b, 0);
      active.forEach((t, i) => (this.current[t] = ((next[i] as number) * before) / after));
    }
    return combined;
  }

  override diagnostics(): Record<string, unknown> {
    const weighted: Record<string, number> = {};
    for (const [t, n] of Object.entries(this.norms)) weighted[t] = n * (this.current[t] as number);
    return { gradNorms: { ...this.norms }, weightedGradNorms: weighted };
  }

  /** Last measured ‖∇_W Lᵢ‖ (unweighted). */
  gradNorms(): Record<string, number> {
    return { ...this.norms };
  }

  override getState(): GradNormState {
    return {
      w: { ...this.current },
      initialLoss: { ...this.initialLoss },
      m: { ...this.m },
      v: { ...this.v },
      t: this.t,
      norms: { ...this.norms },
    };
  }
  override setState(s: unknown): void {
    const st = s as GradNormState | null;
    if (!st) return;
    this.current = { ...st.w };
    this.initialLoss = { ...st.initialLoss };
    this.m = { ...st.m };
    this.v = { ...st.v };
    this.t = st.t;
    this.norms = { ...st.norms };
  }
  config(): WeightingConfig {
    return { type: 'gradnorm', alpha: this.alpha, lr: this.lr };
  }
}

export const gradnorm: WeightingFactory = (config, init) => {
  const c = config as Extract<WeightingConfig, { type: 'gradnorm' }>;
  return new GradNormWeighting(init.tasks, c.alpha ?? 1.5, c.lr ?? 0.025);
};
