import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cosineSimilarity, lead, lead1, lead3, pagerank, summarizeBaseline, textrank } from '../../src/baselines/summarization.js';

const SENTS = ['First sentence.', 'Second one.', 'Third here.', 'Fourth.', 'Fifth.'];

describe('lead-k', () => {
  it('selects the first k sentences, joined with newlines', () => {
    expect(lead1(SENTS)).toEqual({ indices: [0], summary: 'First sentence.' });
    expect(lead3(SENTS)).toEqual({ indices: [0, 1, 2], summary: 'First sentence.\nSecond one.\nThird here.' });
    expect(lead3(['Only one.'])).toEqual({ indices: [0], summary: 'Only one.' });
    expect(lead([], 3)).toEqual({ indices: [], summary: '' });
    expect(summarizeBaseline('lead3', SENTS).indices).toEqual([0, 1, 2]);
    expect(() => lead(SENTS, -1)).toThrow();
  });
});

describe('PageRank', () => {
  // Path graph 0 — 1 — 2 with equal weights: transitions 0→1 (1), 1→0 (½), 1→2 (½), 2→1 (1).
  const W = [
    [0, 1, 0],
    [1, 0, 1],
    [0, 1, 0],
  ];

  it('matches hand iteration from the uniform start (d = 0.85)', () => {
    // iter 1: p0 = .15/3 + .85·(⅓·½) = .05 + .141666… = .191666…; p1 = .05 + .85·(⅓ + ⅓) = .616666…
    const one = pagerank(W, { maxIter: 1 });
    expect(one.converged).toBe(false);
    expect(one.scores[0]).toBeCloseTo(0.05 + 0.85 / 6, 15);
    expect(one.scores[1]).toBeCloseTo(0.05 + (0.85 * 2) / 3, 15);
    expect(one.scores[2]).toBeCloseTo(0.05 + 0.85 / 6, 15);
    // iter 2: p0 = .05 + .85·(.616666…/2) = .3120833…; p1 = .05 + .85·(2 · .191666…) = .3758333…
    const two = pagerank(W, { maxIter: 2 });
    expect(two.scores[0]).toBeCloseTo(0.05 + (0.85 * (0.05 + (0.85 * 2) / 3)) / 2, 15);
    expect(two.scores[1]).toBeCloseTo(0.05 + 0.85 * 2 * (0.05 + 0.85 / 6), 15);
  });

  it('converges to the stationary solution', () => {
    // a = p0 = p2, b = p1: b = .05 + 1.7a, a = .05 + .425b → a = .07125/.2775 = 19/74, b = 18/37
    const r = pagerank(W, { tol: 1e-14 });
    expect(r.converged).toBe(true);
    expect(r.scores[0]).toBeCloseTo(19 / 74, 12);
    expect(r.scores[1]).toBeCloseTo(18 / 37, 12);
    expect(r.scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('spreads the rank of nodes without edges uniformly (networkx dangling handling)', () => {
    // Node 2 isolated: all rank mass is conserved, isolated node gets (1−d)/N + d·p2/N each step.
    const r = pagerank([
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 0],
    ]);
    expect(r.scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(r.scores[0]).toBeCloseTo(r.scores[1] as number, 12);
    // stationary: p2 = .05 + .85·p2/3 → p2 = .05/(1 − .85/3) = 0.0697674…
    expect(r.scores[2]).toBeCloseTo(0.05 / (1 - 0.85 / 3), 5);
  });

  it('matches networkx.pagerank on clipped-cosine graphs (fixtures/pagerank-networkx.json)', () => {
    const fx = JSON.parse(readFileSync(new URL('./fixtures/pagerank-networkx.json', import.meta.url), 'utf8')) as {
      cases: { vectors: number[][]; pagerank: number[] }[];
    };
    for (const c of fx.cases) {
      const vecs = c.vectors.map((v) => Float32Array.from(v));
      const sents = vecs.map((_, i) => `s${i}`);
      const got = textrank(sents, vecs, { k: 2 }).scores as number[];
      got.forEach((s, i) => expect(s).toBeCloseTo(c.pagerank[i] as number, 10));
    }
  });
});

describe('textrank', () => {
  it('picks the central sentences, returned in document order', () => {
    // v0 = [1,0], v1 = [1,1], v2 = [0,1]: cos(0,1) = cos(1,2) = 1/√2, cos(0,2) = 0 → the path graph above.
    const vecs = [Float32Array.from([1, 0]), Float32Array.from([1, 1]), Float32Array.from([0, 1])];
    const r = textrank(['A.', 'B.', 'C.'], vecs, { k: 1 });
    expect(r.indices).toEqual([1]);
    expect(r.summary).toBe('B.');
    // k = 2: node 1 first, then nodes 0 and 2 tie (equal scores) → earlier sentence wins → [0, 1]
    expect(textrank(['A.', 'B.', 'C.'], vecs, { k: 2 }).indices).toEqual([0, 1]);
    expect(summarizeBaseline('textrank', ['A.', 'B.', 'C.'], vecs, { k: 1 }).summary).toBe('B.');
  });

  it('clips negative similarities to 0 and validates inputs', () => {
    expect(cosineSimilarity(Float32Array.from([1, 0]), Float32Array.from([-1, 0]))).toBe(-1);
    expect(cosineSimilarity(Float32Array.from([0, 0]), Float32Array.from([1, 0]))).toBe(0);
    // Two opposite sentences: no positive edge → both dangling → uniform scores.
    const r = textrank(['x', 'y'], [Float32Array.from([1, 0]), Float32Array.from([-1, 0])], { k: 1 });
    expect(r.scores?.[0]).toBeCloseTo(0.5, 15);
    expect(r.scores?.[1]).toBeCloseTo(0.5, 15);
    expect(r.indices).toEqual([0]);
    expect(() => textrank(['a'], [])).toThrow(/vectors/);
    expect(() => summarizeBaseline('textrank', ['a'])).toThrow(/vectors/);
  });
});
