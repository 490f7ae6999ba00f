/**
 * PCGrad (Yu et al. 2020): per-task gradients on the shared parameters; for each task i, in a
 * random order over the other tasks j, if gᵢ'·gⱼ < 0 project gᵢ' ← gᵢ' − (gᵢ'·gⱼ/‖gⱼ‖²)·gⱼ; the
 * shared update is Σᵢ gᵢ'. Task-specific parameters get their own task's gradient.
 *
 * Every projected gᵢ' stays a linear combination Σₖ Aᵢₖ gₖ of the original gradients, so the whole
 * projection is done on the T×T Gram matrix (one read of T(T+1)/2 dot products per step) and the
 * update is Σₖ cₖ gₖ with cₖ = Σᵢ Aᵢₖ.
 */
import { z } from 'zod';
import * as tf from '../utils/tf.js';
import type { Rng } from '../utils/random.js';
import { GradWeighting, sumGrads } from './common.js';
import type { GradInfo, Grads, WeightingConfig, WeightingFactory } from './types.js';

/** `pcgrad` weighting takes no options. */
export const pcgradOptions = z.object({}).strict();

/** Projection coefficients A (gᵢ' = Σₖ Aᵢₖ gₖ) from the Gram matrix of the task gradients. */
export function pcgradCoefficients(gram: readonly (readonly number[])[], rng: Rng): number[][] {
  const T = gram.length;
  const A: number[][] = [];
  for (let i = 0; i < T; i++) {
    const a = new Array<number>(T).fill(0);
    a[i] = 1;
    const order = rng.shuffle([...Array(T).keys()].filter((j) => j !== i));
    for (const j of order) {
      let dot = 0;
      for (let k = 0; k < T; k++) dot += (a[k] as number) * (gram[k]![j] as number);
      const nj = gram[j]![j] as number;
      if (dot < 0 && nj > 0) a[j] = (a[j] as number) - dot / nj;
    }
    A.push(a);
  }
  return A;
}

/** Gram matrix of plain vectors. */
export function gramMatrix(vectors: readonly ArrayLike<number>[]): number[][] {
  return vectors.map((u) =>
    vectors.map((v) => {
      let s = 0;
      for (let k = 0; k < u.length; k++) s += (u[k] as number) * (v[k] as number);
      return s;
    }),
  );
}

/** PCGrad on plain vectors: the projected gradients gᵢ' (for tests and inspection). */
export function pcgradProject(vectors: readonly ArrayLike<number>[], rng: Rng): Float64Array[] {
  const A = pcgradCoefficients(gramMatrix(vectors), rng);
  const d = vectors[0]?.length ?? 0;
  return A.map((a) => {
    const out = new Float64Array(d);
    a.forEach((c, k) => {
      const v = vectors[k] as ArrayLike<number>;
      for (let x = 0; x < d; x++) out[x] = (out[x] as number) + c * (v[x] as number);
    });
    return out;
  });
}

class PcGradWeighting extends GradWeighting {
  readonly type = 'pcgrad' as const;
  private diag: Record<string, unknown> = {};
  constructor(
    tasks: string[],
    private readonly rng: Rng,
  ) {
    super(tasks);
  }

  protected combineGrads(perTask: Map<string, Grads>, _losses: Record<string, number>, info: GradInfo): Grads {
    const active = [...perTask.keys()];
    const T = active.length;
    if (T < 2) return sumGrads(perTask);
    const pairs: [number, number][] = [];
    for (let i = 0; i < T; i++) for (let j = i; j < T; j++) pairs.push([i, j]);
    const dots = tf.tidy(() =>
      tf.stack(
        pairs.map(([i, j]) => {
          const gi = perTask.get(active[i] as string) as Grads;
          const gj = perTask.get(active[j] as string) as Grads;
          const terms: tf.Tensor[] = [];
          for (const name of info.shared) {
            const a = gi.get(name);
            const b = gj.get(name);
            if (a && b) terms.push(tf.sum(tf.mul(a, b)));
          }
          return terms.length ? tf.addN(terms) : tf.scalar(0);
        }),
      ),
    );
    const values = dots.dataSync();
    dots.dispose();
    const gram: number[][] = Array.from({ length: T }, () => new Array<number>(T).fill(0));
    pairs.forEach(([i, j], p) => {
      gram[i]![j] = values[p] as number;
      gram[j]![i] = values[p] as number;
    });
    const A = pcgradCoefficients(gram, this.rng);
    const c = active.map((_, k) => A.reduce((s, row) => s + (row[k] as number), 0));
    // pairwise dot products of the projected gradients: (A G Aᵀ)ᵢⱼ
    let minProjected = Infinity;
    let minOriginal = Infinity;
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < T; j++) {
        if (i === j) continue;
        let s = 0;
        for (let k = 0; k < T; k++) for (let l = 0; l < T; l++) s += A[i]![k]! * gram[k]![l]! * A[j]![l]!;
        minProjected = Math.min(minProjected, s);
        minOriginal = Math.min(minOriginal, gram[i]![j]!);
      }
    }
    this.diag = { minDot: minOriginal, minProjectedDot: minProjected, coefficients: Object.fromEntries(active.map((t, k) => [t, c[k]])) };
    const coeff = new Map(active.map((t, k) => [t, c[k] as number]));
    return sumGrads(perTask, (task, name) => (info.shared.has(name) ? (coeff.get(task) as number) : 1));
  }

  override diagnostics(): Record<string, unknown> {
    return { pcgrad: this.diag };
  }
  override getState(): unknown {
    return { rng: this.rng.getState() };
  }
  override setState(s: unknown): void {
    const st = s as { rng?: number[] } | null;
    if (st?.rng) this.rng.setState(st.rng);
  }
  config(): WeightingConfig {
    return { type: 'pcgrad' };
  }
}

export const pcgrad: WeightingFactory = (_config, init) => new PcGradWeighting(init.tasks, init.rng);
