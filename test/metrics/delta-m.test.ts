import { describe, expect, it } from 'vitest';
import { deltaM } from '../../src/metrics/delta-m.js';

describe('deltaM (LibMTL count_improvement × 100)', () => {
  it("reproduces LibMTL's docstring example", () => {
    // base_result = {'A': [96, 98], 'B': [0.2]}, new_result = {'A': [93, 99], 'B': [0.5]},
    // weight = {'A': [1, 0], 'B': [1]}   (LibMTL weight 1 = higher is better)
    // A: metric 0 higher-better: (93 − 96)/96 = −0.03125; metric 1 lower-better: −(99 − 98)/98 = −0.0102040…
    //    task mean = (−0.03125 − 0.0102040816)/2 = −0.0207270408
    // B: (0.5 − 0.2)/0.2 = 1.5
    // Δm = 100 · (−0.0207270408 + 1.5)/2 = 73.963647959…
    const expected = 100 * (((-3 / 96 - 1 / 98) / 2 + 1.5) / 2);
    expect(expected).toBeCloseTo(73.96364795918367, 10);
    expect(deltaM({ A: [93, 99], B: [0.5] }, { A: [96, 98], B: [0.2] }, { A: [true, false], B: [true] })).toBeCloseTo(expected, 12);
    // Same table as nested arrays.
    expect(deltaM([[93, 99], [0.5]], [[96, 98], [0.2]], [[true, false], [true]])).toBeCloseTo(expected, 12);
  });

  it('is 0 for the baseline itself and weighs tasks equally regardless of metric count', () => {
    const base = { sst2: { acc: 0.9 }, cnn: { r1: 40, r2: 18, rl: 37 } };
    const dirs = { sst2: { acc: true }, cnn: { r1: true, r2: true, rl: true } };
    expect(deltaM(base, base, dirs)).toBe(0);
    // sst2 +10% relative (0.99 vs 0.9), cnn unchanged → Δm = (10 + 0)/2 = 5
    expect(deltaM({ sst2: { acc: 0.99 }, cnn: { r1: 40, r2: 18, rl: 37 } }, base, dirs)).toBeCloseTo(5, 12);
  });

  it('flips the sign for lower-is-better metrics', () => {
    // MSE 0.5 → 0.4 is a 20% improvement: −(0.4 − 0.5)/0.5 = +0.2
    expect(deltaM({ qe: { mse: 0.4 } }, { qe: { mse: 0.5 } }, { qe: { mse: false } })).toBeCloseTo(20, 12);
  });

  it('validates shapes and zero baselines', () => {
    expect(() => deltaM({ a: { m: 1 } }, { b: { m: 1 } }, { a: { m: true } })).toThrow(/missing/);
    expect(() => deltaM({ a: { m: 1, n: 2 } }, { a: { m: 1 } }, { a: { m: true } })).toThrow(/metrics/);
    expect(() => deltaM({ a: { m: 1 } }, { a: { m: 0 } }, { a: { m: true } })).toThrow(/baseline .* is 0/);
    expect(() => deltaM({}, {}, {})).toThrow(/no tasks/);
  });
});
