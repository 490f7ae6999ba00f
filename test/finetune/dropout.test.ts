/**
 * Dropout of the trainable top (src/finetune/top.ts): masks come from a seeded generator keyed by
 * (seed, draw counter), so a run repeats and resumes; the drop rate is p; eval uses none.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureFixture } from '../../src/generators/index.js';
import { TrainableTop } from '../../src/finetune/index.js';
import { Rng } from '../../src/utils/random.js';
import { maxAbsDiff, randomArray } from './helpers.js';

describe('trainable top: dropout masks', () => {
  it('repeat for the same (seed, draws), differ otherwise, drop at rate p with 1/(1 − p) scaling, and are off in eval', async () => {
    const path = join(await ensureFixture('bert'), 'onnx', 'model.onnx');
    const top = await TrainableTop.fromOnnx(path, { fromLayer: 0, dropout: 0.3, seed: 8, threads: 1 });
    const plain = await TrainableTop.fromOnnx(path, { fromLayer: 0, dropout: 0, threads: 1 });
    const B = 4,
      T = 16,
      H = 32;
    const x = randomArray(B * T * H, new Rng(1));
    const mask = new Array<number>(B * T).fill(1);
    const a = await top.forward(x, [B, T, H], mask, { train: true });
    const b = await top.forward(x, [B, T, H], mask, { train: true });
    expect(maxAbsDiff(a.output, b.output)).toBeGreaterThan(1e-2); // the next draw
    top.draws = 0;
    const again = await top.forward(x, [B, T, H], mask, { train: true });
    expect(maxAbsDiff(a.output, again.output)).toBe(0); // resumed at draw 0
    const other = await TrainableTop.fromOnnx(path, { fromLayer: 0, dropout: 0.3, seed: 9, threads: 1 });
    expect(maxAbsDiff(a.output, (await other.forward(x, [B, T, H], mask, { train: true })).output)).toBeGreaterThan(1e-2);

    const m = a.tape.feeds['dropout.0.attention']!.data as Float32Array;
    expect(m.length).toBe(B * 4 * T * T);
    const zeros = m.filter((v) => v === 0).length / m.length;
    expect(zeros).toBeGreaterThan(0.27);
    expect(zeros).toBeLessThan(0.33);
    expect(new Set(m)).toEqual(new Set([0, Math.fround(1 / 0.7)]));

    const evalOut = (await top.forward(x, [B, T, H], mask, { train: false })).output;
    expect(maxAbsDiff(evalOut, (await plain.forward(x, [B, T, H], mask, { train: true })).output)).toBe(0);
    for (const t of [top, plain, other]) await t.dispose();
  }, 60_000);
});
