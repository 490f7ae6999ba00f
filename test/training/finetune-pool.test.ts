/** Pooling of the fine-tuned top (src/training/finetune-pool.ts): its backward against central differences. */
import { describe, expect, it } from 'vitest';
import { poolBackward, poolStates, type TopPooling } from '../../src/training/finetune-pool.js';
import { Rng } from '../../src/utils/random.js';

describe('fine-tuning: pooling backward', () => {
  const rows = 3,
    seq = 5,
    d = 4;
  const rng = new Rng(3);
  const states = Float64Array.from({ length: rows * seq * d }, () => rng.normal());
  const mask = new Uint8Array(rows * seq);
  [5, 3, 1].forEach((len, r) => mask.fill(1, r * seq, r * seq + len));
  const upstream = Float32Array.from({ length: rows * d }, () => rng.normal());
  // loss = Σ upstream · pooled, so d loss / d pooled = upstream
  const loss = (x: Float64Array, mode: TopPooling, normalize: boolean) =>
    poolStates(Float32Array.from(x), mask, rows, seq, d, mode, normalize).reduce((s, v, i) => s + v * (upstream[i] as number), 0);

  for (const mode of ['mean', 'cls', 'max'] as const) {
    for (const normalize of [false, true]) {
      it(`${mode}${normalize ? ' + L2 normalisation' : ''}: the gradient equals central differences, and padding gets none`, () => {
        const g = poolBackward(upstream, Float32Array.from(states), mask, rows, seq, d, mode, normalize);
        const h = 1e-2;
        let worst = 0;
        for (let i = 0; i < states.length; i++) {
          const plus = Float64Array.from(states);
          const minus = Float64Array.from(states);
          plus[i]! += h;
          minus[i]! -= h;
          const numeric = (loss(plus, mode, normalize) - loss(minus, mode, normalize)) / (2 * h);
          worst = Math.max(worst, Math.abs(numeric - (g[i] as number)));
          if (!mask[Math.floor(i / d)]) expect(g[i]).toBe(0);
        }
        expect(worst).toBeLessThan(2e-3);
        expect(g.some((v) => v !== 0)).toBe(true);
      });
    }
  }
});
