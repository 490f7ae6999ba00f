/**
 * The Float32Array AdamW (src/finetune/adamw.ts) against hand-computed values and, where Debian's torch is present,
 * torch.optim.AdamW over several steps with weight decay.
 */
import { describe, expect, it } from 'vitest';
import { Float32AdamW } from '../../src/finetune/index.js';
import { Rng } from '../../src/utils/random.js';
import { TORCH_SKIP, hasTorch, maxAbsDiff, randomArray, runTorch } from './helpers.js';

describe('Float32AdamW (AdamW on Float32Arrays)', () => {
  it('first two steps by hand: decoupled decay, bias correction, eps added to the corrected sqrt(v)', () => {
    const lr = 0.1,
      wd = 0.5,
      eps = 1e-8,
      b1 = 0.9,
      b2 = 0.999;
    const opt = new Float32AdamW({ lr, weightDecay: wd, eps, beta1: b1, beta2: b2 });
    const p = new Float32Array([1, -2]);
    const params = new Map([['w', p]]);
    // step 1, g = [0.5, -1]: m̂ = g, v̂ = g², so the Adam part is lr · sign(g) (up to eps)
    opt.step(params, new Map([['w', new Float32Array([0.5, -1])]]));
    expect(p[0]).toBeCloseTo(1 * (1 - lr * wd) - lr, 6); // 0.85
    expect(p[1]).toBeCloseTo(-2 * (1 - lr * wd) + lr, 6); // -1.8
    // step 2, g = [0.25, 0]
    const m = [b1 * (1 - b1) * 0.5 + (1 - b1) * 0.25, b1 * (1 - b1) * -1];
    const v = [b2 * (1 - b2) * 0.25 + (1 - b2) * 0.0625, b2 * (1 - b2) * 1];
    const expected = [0.85, -1.8].map(
      (x, i) => x * (1 - lr * wd) - ((lr / (1 - b1 ** 2)) * m[i]!) / (Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** 2) + eps),
    );
    opt.step(params, new Map([['w', new Float32Array([0.25, 0])]]));
    expect(p[0]).toBeCloseTo(expected[0]!, 6);
    expect(p[1]).toBeCloseTo(expected[1]!, 6);
    expect(opt.steps).toBe(2);
  });

  it('state() / load() resume the same trajectory; bad input is refused', () => {
    const rng = new Rng(1);
    const grads = [0, 1, 2, 3].map(() => randomArray(5, rng));
    const run = (split: boolean) => {
      let opt = new Float32AdamW({ lr: 0.01 });
      const p = new Float32Array(5).fill(1);
      grads.forEach((g, i) => {
        if (split && i === 2) {
          const s = opt.state();
          opt = new Float32AdamW({ lr: 0.01 });
          opt.load(s);
        }
        opt.step(new Map([['p', p]]), new Map([['p', g]]));
      });
      return p;
    };
    expect(Array.from(run(true))).toEqual(Array.from(run(false)));
    expect(() => new Float32AdamW({ beta1: 1 })).toThrow(/beta1 = 1 is out of range/);
    expect(() => new Float32AdamW().step(new Map([['p', new Float32Array(2)]]), new Map())).toThrow(/no gradient for parameter p/);
  });

  it.skipIf(!hasTorch())('equals torch.optim.AdamW over 5 steps (lr 1e-2, weight decay 0.1)', () => {
    const rng = new Rng(4);
    const n = 64;
    const p0 = randomArray(n, rng);
    const grads = [0, 1, 2, 3, 4].map(() => randomArray(n, rng, 0.3));
    const options = { lr: 1e-2, beta1: 0.9, beta2: 0.98, eps: 1e-6, weightDecay: 0.1 };
    const files: Record<string, Float32Array> = { 'param.f32': p0 };
    grads.forEach((g, i) => (files[`g${i}.f32`] = g));
    const ref = runTorch(
      { mode: 'adamw', size: n, options: { ...options, betas: [options.beta1, options.beta2] }, grads: grads.map((_, i) => `g${i}.f32`) },
      files,
    );
    try {
      const opt = new Float32AdamW(options);
      const p = p0.slice();
      grads.forEach((g, i) => {
        opt.step(new Map([['p', p]]), new Map([['p', g]]));
        expect(maxAbsDiff(p, ref.read(`param.${i + 1}.f32`)), `step ${i + 1}`).toBeLessThan(1e-6);
      });
      expect(maxAbsDiff(p, p0)).toBeGreaterThan(0.01);
    } finally {
      ref.dispose();
    }
  });
  it.runIf(!hasTorch())('torch reference skipped', () => console.warn(TORCH_SKIP));
});
