/**
 * Length buckets of the fine-tuned top (src/training/finetune-buckets.ts): a batch of inputs of
 * mixed lengths runs through the top in several buckets, and each input's states and pooled vector
 * equal those of the input run alone (no padding at all), on the BERT fixture.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Encoder } from '../../src/encoder/index.js';
import { EncoderFinetune } from '../../src/training/finetune.js';
import { lengthBuckets, TOP_BUCKET_ROWS } from '../../src/training/finetune-buckets.js';

let fp32: Encoder;
let ft: EncoderFinetune;
beforeAll(async () => {
  fp32 = await Encoder.load('fixture:bert', { dtype: 'fp32', pooling: 'mean' });
  ft = await EncoderFinetune.create(fp32, { layers: 1, dropout: 0 }, 3);
});
afterAll(async () => {
  await ft.dispose();
  await fp32.dispose();
});

describe('fine-tuning: length buckets of the top', () => {
  it('groups rows longest first into the runs with the fewest padded tokens plus a cost per run', () => {
    // a cheap run: each length its own group (10+10, then 2+2: 24 tokens + 2 runs)
    expect(lengthBuckets([2, 10, 2, 10], 1)).toEqual([
      [1, 3],
      [0, 2],
    ]);
    // a dear run: one group (4 × 10 + 100 = 140 < 24 + 200)
    expect(lengthBuckets([2, 10, 2, 10], 100)).toEqual([[1, 3, 0, 2]]);
    // cut where it pays (every grouping enumerated by hand): at 2 per run [9, 9, 8] | [4, 3] | [1]
    // costs 27 + 8 + 1 + 3·2 = 42 (the next best 43); at 5 per run [9, 9, 8] | [4, 3, 1] costs 27 + 12 + 2·5 = 49 (next 51)
    expect(lengthBuckets([3, 9, 1, 9, 4, 8], 2)).toEqual([[1, 3, 5], [4, 0], [2]]);
    expect(lengthBuckets([3, 9, 1, 9, 4, 8], 5)).toEqual([
      [1, 3, 5],
      [4, 0, 2],
    ]);
    // at most maxRows per group, every row once
    const capped = lengthBuckets([5, 5, 5, 5, 5], 1000, 2);
    expect(capped.length).toBe(3);
    expect(Math.max(...capped.map((g) => g.length))).toBe(2);
    expect(capped.flat()).toEqual([0, 1, 2, 3, 4]);
    expect(lengthBuckets([], 4)).toEqual([]);
  });

  it('a batch of mixed lengths in several buckets: each input as when run alone, within 1e-5', async () => {
    const words = ['good', 'bad', 'film', 'plot', 'warm', 'dull', 'long', 'best'];
    // short and long texts (1 to 11 words, and 40 to 50), more than a bucket's rows
    const keys = Array.from({ length: TOP_BUCKET_ROWS + 9 }, (_, i) =>
      Array.from({ length: 1 + ((i * 7) % 11) + (i % 2 ? 40 : 0) }, (_, j) => words[(i + j) % 8]).join(' '),
    );
    const all = await ft.pooled(keys, false);
    const [n, T, d] = all.pass.dims;
    expect(n).toBe(keys.length);
    expect(all.pass.chunks.length).toBeGreaterThan(1);
    let worst = 0;
    for (let i = 0; i < keys.length; i++) {
      const one = await ft.pooled([keys[i]!], false);
      const len = one.pass.dims[1];
      for (let k = 0; k < d; k++) worst = Math.max(worst, Math.abs(one.vectors[k]! - all.vectors[i * d + k]!));
      for (let x = 0; x < len * d; x++) worst = Math.max(worst, Math.abs(one.pass.states[x]! - all.pass.states[i * T * d + x]!));
      // padding of the batch's states is zero
      for (let x = len * d; x < T * d; x++) expect(all.pass.states[i * T * d + x]).toBe(0);
    }
    expect(worst).toBeLessThan(1e-5);
  }, 60_000);
});
