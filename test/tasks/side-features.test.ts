/**
 * What the tasks share for their side features: the standardisation, the least-squares (ridge)
 * fit of translation quality's skip and the linear discriminant of sentiment's, against values
 * worked out independently.
 */
import { describe, expect, it } from 'vitest';
import { discriminant, fitStandardiser, meanStd, ridge, standardise } from '../../src/tasks/side-features.js';

describe('side features', () => {
  it('standardises with the population mean and std (std 1 for a constant or empty column)', () => {
    const st = fitStandardiser(
      [
        [1, 5],
        [3, 5],
        [5, 5],
      ],
      2,
    );
    expect(st.mean).toEqual([3, 5]);
    expect(st.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(st.std[1]).toBe(1);
    expect(meanStd([])).toEqual([0, 1]);
    const z = standardise([5, 7], st);
    expect(z[0]).toBeCloseTo(2 / Math.sqrt(8 / 3), 12);
    expect(z[1]).toBe(2);
    // no statistics yet: the raw values
    expect(standardise([5, 7], null)).toEqual([5, 7]);
  });

  it('ridge recovers exact linear coefficients (λ = 1e-6·n barely shrinks them) and leaves a dead column at 0', () => {
    const X = [
      [1, 0, 0],
      [0, 1, 0],
      [1, 1, 0],
      [2, -1, 0],
      [-1, 3, 0],
    ];
    const y = X.map(([a, b]) => 2 * a! - 0.5 * b!);
    const w = ridge(X, y, 3);
    expect(w[0]).toBeCloseTo(2, 4);
    expect(w[1]).toBeCloseTo(-0.5, 4);
    expect(w[2]).toBe(0);
    // against the closed form of one column: w = Σxy / (Σx² + λ)
    const x1 = [1, 2, 3, 4];
    const y1 = [1.1, 1.9, 3.2, 3.9];
    const sxy = x1.reduce((a, x, i) => a + x * y1[i]!, 0);
    const sxx = x1.reduce((a, x) => a + x * x, 0);
    expect(
      ridge(
        x1.map((x) => [x]),
        y1,
        1,
      )[0],
    ).toBeCloseTo(sxy / (sxx + 1e-6 * 4), 12);
  });

  it('the discriminant is μ_c / σ²_within per feature and class; rows without a class are left out', () => {
    // feature 0: class 0 at {-1, -3}, class 1 at {2, 4}: μ = (-2, 3), within variance ((1+1)+(1+1))/4 = 1
    const rows = [{ c: 0, x: [-1] }, { c: 0, x: [-3] }, { c: 1, x: [2] }, { c: 1, x: [4] }, null];
    expect(Array.from(discriminant(rows, 1, 2))).toEqual([-2, 3]);
    // a variance of 4 divides the means by 4
    const wide = [
      { c: 0, x: [0] },
      { c: 0, x: [-4] },
      { c: 1, x: [2] },
      { c: 1, x: [6] },
    ];
    expect(Array.from(discriminant(wide, 1, 2))).toEqual([-0.5, 1]);
  });
});
