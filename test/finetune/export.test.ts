/**
 * Training steps, checkpoints and export of the trainable top (src/finetune/top.ts): after a few AdamW
 * steps, the exported ONNX graph (the original with the top layers' weights replaced) run whole on
 * ONNX Runtime must equal the trainable path within 1e-4; weights() / load() carry the state to a new
 * top. The model stores one weight transposed behind a Transpose node, so the export must transpose back.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureFixture } from '../../src/generators/index.js';
import { decodeModel, encodeModel, floatTensor, tensorData } from '../../src/onnx/proto.js';
import { Float32AdamW, TrainableTop } from '../../src/finetune/index.js';
import { Rng } from '../../src/utils/random.js';
import { hiddenStates, maxAbsDiff, randomArray, randomBatch, readModel } from './helpers.js';

/** The bert fixture with layer 1's query weight stored [out, in] behind a Transpose (as some exports do). */
async function transposedFixture(): Promise<Uint8Array> {
  const model = decodeModel(readModel(join(await ensureFixture('bert'), 'onnx', 'model.onnx')));
  const g = model.graph!;
  const mm = g.node!.find((n) => n.name === '/encoder/layer/1/attention/self/query/MatMul')!;
  const init = g.initializer!.find((t) => t.name === mm.input![1])!;
  const [r, c] = init.dims!.map(Number) as [number, number];
  const w = tensorData(init) as Float32Array;
  const t = new Float32Array(w.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = w[i * c + j]!;
  g.initializer = g.initializer!.filter((x) => x !== init);
  g.initializer.push(floatTensor('onnx::MatMul_999', [c, r], t) as never);
  g.node!.splice(g.node!.indexOf(mm), 0, {
    name: '/encoder/layer/1/attention/self/query/Transpose',
    opType: 'Transpose',
    input: ['onnx::MatMul_999'],
    output: ['q_weight_t'],
    attribute: [{ name: 'perm', type: 7, ints: [1, 0] }],
  } as never);
  mm.input = [mm.input![0]!, 'q_weight_t'];
  return encodeModel(model);
}

describe('trainable top: steps, checkpoints, export', () => {
  it('three AdamW steps with dropout, then the exported graph equals the trainable path (≤ 1e-4)', async () => {
    const bytes = await transposedFixture();
    const batch = randomBatch(3, 8, 1000, 2);
    const before = await hiddenStates(bytes, 1, batch);
    const top = await TrainableTop.fromOnnx(bytes, { fromLayer: 1, dropout: 0.1, seed: 1, threads: 1 });
    const dims = [batch.B, batch.T, before.hidden] as const;
    const { output: start } = await top.forward(before.atK, dims, batch.mask);
    expect(maxAbsDiff(start, before.last)).toBeLessThanOrEqual(1e-4); // the transposed weight is read right
    const opt = new Float32AdamW({ lr: 1e-2 });
    const rng = new Rng(3);
    for (let s = 0; s < 3; s++) {
      const { tape } = await top.forward(before.atK, dims, batch.mask, { train: true });
      await top.backward(tape, randomArray(start.length, rng));
      top.step(opt);
    }
    expect(top.draws).toBe(3);
    const { tape: extra } = await top.forward(before.atK, dims, batch.mask, { train: true });
    await top.backward(extra, randomArray(start.length, rng));
    top.clearGradients(); // a discarded backward leaves no gradient behind
    expect(() => top.step(opt)).toThrow(/no gradients; call backward first/);
    const { output: trained } = await top.forward(before.atK, dims, batch.mask);
    expect(maxAbsDiff(trained, start)).toBeGreaterThan(1e-2); // the steps moved the layer

    const exported = await hiddenStates(top.exportOnnx(), 1, batch);
    expect(maxAbsDiff(exported.atK, before.atK)).toBe(0); // the frozen bottom is untouched
    expect(maxAbsDiff(exported.last, trained)).toBeLessThanOrEqual(1e-4);

    // a checkpoint carried into a fresh top gives the same output
    const fresh = await TrainableTop.fromOnnx(bytes, { fromLayer: 1, threads: 1 });
    fresh.load(top.weights());
    expect(maxAbsDiff((await fresh.forward(before.atK, dims, batch.mask)).output, trained)).toBe(0);
    const w = top.weights();
    w.set('layer.1.q.bias', new Float32Array(3));
    expect(() => fresh.load(w)).toThrow(/layer\.1\.q\.bias has 3 values, expected \[32\] = 32/);
    w.delete('layer.1.q.bias');
    expect(() => fresh.load(w)).toThrow(/the checkpoint lacks layer\.1\.q\.bias/);
    w.set('layer.9.q.bias', new Float32Array(32));
    expect(() => fresh.load(w)).toThrow(/unknown weight layer\.9\.q\.bias/);
    await expect(fresh.forward(before.atK, [batch.B, batch.T, 16], batch.mask)).rejects.toThrow(/hidden size 16, the layers need 32/);
    await top.dispose();
    await fresh.dispose();
  }, 60_000);
});
