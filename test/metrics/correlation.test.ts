import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { averageRanks, kendallTauB, mae, mse, pearson, spearman } from '../../src/metrics/correlation.js';

describe('pearson', () => {
  it('matches the scipy.stats.pearsonr docs example', () => {
    // x = [1..5], y = [10, 9, 2.5, 6, 4]: x̄ = 3, ȳ = 6.3; Σdxdy = −15, Σdx² = 10, Σdy² = 40.8
    // r = −15 / √408 = −0.74261065723250…
    expect(pearson([1, 2, 3, 4, 5], [10, 9, 2.5, 6, 4])).toBeCloseTo(-0.7426106572325056, 14);
    expect(pearson([1, 2, 3, 4, 5], [10, 9, 2.5, 6, 4])).toBeCloseTo(-15 / Math.sqrt(408), 15);
  });

  it('is ±1 on exact linear relations and NaN on constant input (scipy ConstantInputWarning → nan)', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBe(1);
    expect(pearson([1, 2, 3], [6, 4, 2])).toBe(-1);
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeNaN();
  });
});

describe('spearman', () => {
  it('matches the scipy.stats.spearmanr docs example, with a tie', () => {
    // y = [5, 6, 7, 8, 7] → average ranks [1, 2, 3.5, 5, 3.5]; x ranks [1..5]
    // dx = [−2, −1, 0, 1, 2], dy = [−2, −1, .5, 2, .5]: Σdxdy = 8, Σdx² = 10, Σdy² = 9.5 → ρ = 8/√95
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 15);
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(8 / Math.sqrt(95), 15);
  });

  it('uses average ranks for ties', () => {
    expect(Array.from(averageRanks([10, 20, 10, 30, 20, 10]))).toEqual([2, 4.5, 2, 6, 4.5, 2]);
    // Monotone but non-linear → ρ = 1
    expect(spearman([1, 2, 3, 4], [1, 8, 27, 64])).toBe(1);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe('kendallTauB', () => {
  it('matches the scipy.stats.kendalltau docs example (tau-b with ties)', () => {
    // x = [12, 2, 1, 12, 2], y = [1, 4, 7, 1, 0]; n0 = 10 pairs.
    // x ties: (12,12), (2,2) → n1 = 2; y ties: (1,1) → n2 = 1; the (12,12) pair is tied in both → n3 = 1.
    // The other pairs by index (i,j): (0,1) x↓ y↑ D, (0,2) x↓ y↑ D, (0,4) x↓ y↓ C, (1,2) x↓ y↑ D, (1,3) x↑ y↓ D, (1,4) x tie,
    //   (2,3) x↑ y↓ D, (2,4) x↑ y↓ D, (3,4) x↓ y↓ C  → C = 2, D = 6, C − D = −4
    // τ_b = −4 / √((10 − 2)(10 − 1)) = −4/√72 = −0.4714045207910317
    expect(kendallTauB([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])).toBeCloseTo(-0.47140452079103173, 15);
    // scipy 1.17.1 computes (C − D)/√(n0 − n1)/√(n0 − n2) and prints −0.4714045207910316 (1 ulp from
    // the docs' older −0.47140452079103173); we follow the current formula bit for bit.
    expect(kendallTauB([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])).toBe(-0.4714045207910316);
  });

  it('is ±1 for (anti)monotone data, NaN when either side is constant', () => {
    expect(kendallTauB([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(kendallTauB([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    expect(kendallTauB([1, 2, 3], [7, 7, 7])).toBeNaN();
  });

  it('hand-checked small case with ties in both variables', () => {
    // x = [1, 1, 2, 3], y = [1, 2, 2, 3]; n0 = 6. Pairs: (0,1) x tie; (0,2) C; (0,3) C; (1,2) y tie; (1,3) C; (2,3) C
    // C = 4, D = 0, n1 = 1, n2 = 1 → τ_b = 4 / √(5·5) = 0.8
    expect(kendallTauB([1, 1, 2, 3], [1, 2, 2, 3])).toBeCloseTo(0.8, 15);
  });

  it('equals the O(n²) definition on random tied data', () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let trial = 0; trial < 20; trial++) {
      const n = 2 + Math.floor(rand() * 60);
      const x = Array.from({ length: n }, () => Math.floor(rand() * 6));
      const y = Array.from({ length: n }, () => Math.floor(rand() * 6));
      let c = 0;
      let d = 0;
      let tx = 0;
      let ty = 0;
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          const s = Math.sign((x[i] as number) - (x[j] as number)) * Math.sign((y[i] as number) - (y[j] as number));
          if (s > 0) c++;
          else if (s < 0) d++;
          if (x[i] === x[j]) tx++;
          if (y[i] === y[j]) ty++;
        }
      }
      const n0 = (n * (n - 1)) / 2;
      const naive = tx === n0 || ty === n0 ? NaN : (c - d) / Math.sqrt((n0 - tx) * (n0 - ty));
      const fast = kendallTauB(x, y);
      if (Number.isNaN(naive)) expect(fast).toBeNaN();
      else expect(fast).toBeCloseTo(naive, 12);
    }
  });

  it('is fast (O(n log n)) on 100k points', () => {
    const n = 100_000;
    const x = Array.from({ length: n }, (_, i) => (i * 7919) % 1000);
    const y = Array.from({ length: n }, (_, i) => (i * 104729) % 997);
    const t0 = performance.now();
    const tau = kendallTauB(x, y);
    expect(Number.isFinite(tau)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe('input validation', () => {
  it('throws clear errors for length mismatch, n < 2 and non-finite values', () => {
    for (const f of [pearson, spearman, kendallTauB]) {
      expect(() => f([1, 2, 3], [1, 2])).toThrow(/different lengths/);
      expect(() => f([1], [1])).toThrow(/at least 2/);
      expect(() => f([1, NaN], [1, 2])).toThrow(/non-finite/);
    }
    expect(() => mse([], [])).toThrow(/at least 1/);
    expect(() => mae([1], [1, 2])).toThrow(/different lengths/);
  });
});

describe('mse / mae', () => {
  it('hand-computed', () => {
    // errors [1, −2, 0.5] → squares 1 + 4 + 0.25 = 5.25 / 3 = 1.75; abs 1 + 2 + 0.5 = 3.5 / 3
    expect(mse([2, 0, 3.5], [1, 2, 3])).toBeCloseTo(1.75, 15);
    expect(mae([2, 0, 3.5], [1, 2, 3])).toBeCloseTo(3.5 / 3, 15);
  });
});

describe('against scipy 1.17.1 (fixtures/scipy-sklearn-reference.json)', () => {
  const fx = JSON.parse(readFileSync(new URL('./fixtures/scipy-sklearn-reference.json', import.meta.url), 'utf8')) as {
    correlation: { x: number[]; y: number[]; pearson: number | null; spearman: number | null; kendall: number | null }[];
  };
  it('pearsonr / spearmanr / kendalltau on 40 random, heavily tied inputs', () => {
    for (const c of fx.correlation) {
      const cases = [
        [pearson(c.x, c.y), c.pearson],
        [spearman(c.x, c.y), c.spearman],
        [kendallTauB(c.x, c.y), c.kendall],
      ] as const;
      for (const [got, want] of cases) {
        if (want === null) expect(got).toBeNaN();
        else expect(got).toBeCloseTo(want, 12);
      }
    }
  });
});
