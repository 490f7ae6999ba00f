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

/** Initializers by name with their bytes (raw or typed fields), to tell which ones an export changed. */
function initializerBytes(bytes: Uint8Array): Map<string, string> {
  const m = decodeModel(bytes);
  return new Map(
    m.graph!.initializer!.map((t) => [t.name!, Buffer.from(encodeModel({ graph: { initializer: [t] } } as never)).toString('hex')]),
  );
}

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

  it('a q8 source: the export re-quantizes the top (the bottom bit-identical) and writes an fp32 copy whose top is the trained one (≤ 1e-4)', async () => {
    const q8 = readModel(join(await ensureFixture('bert'), 'onnx', 'model_quantized.onnx'));
    const batch = randomBatch(3, 8, 1000, 5);
    const src = await hiddenStates(q8, 1, batch);
    const top = await TrainableTop.fromOnnx(q8, { fromLayer: 1, dropout: 0.1, seed: 2, threads: 1 });
    expect(top.quantized).toBe(true);
    const dims = [batch.B, batch.T, src.hidden] as const;
    const opt = new Float32AdamW({ lr: 1e-2 });
    const rng = new Rng(6);
    for (let s = 0; s < 3; s++) {
      const { tape } = await top.forward(src.atK, dims, batch.mask, { train: true });
      await top.backward(tape, randomArray(src.atK.length, rng));
      top.step(opt);
    }
    const trained = top.weights();
    const { output } = await top.forward(src.atK, dims, batch.mask);
    expect(maxAbsDiff(output, src.last)).toBeGreaterThan(1e-2); // the steps moved the layer

    // q8: every initializer below the top is byte-identical; the top's int8 weights are the trained ones re-quantized
    const q8out = top.exportOnnx();
    const before = initializerBytes(q8);
    const after = initializerBytes(q8out);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const changed = [...after].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.filter((k) => !k.includes('layer.1.'))).toEqual([]);
    const reread = await TrainableTop.fromOnnx(q8out, { fromLayer: 1, threads: 1 });
    for (const [k, w] of reread.weights()) {
      const t = trained.get(k)!;
      const absmax = Math.max(...Array.from(t, Math.abs));
      // half a quantization step of the project's scheme (scale = max|w| / 127), or exact for fp32 tensors
      const bound = /\.(q|k|v|o|fc1|fc2)\.weight$/.test(k) ? absmax / 127 / 2 + 1e-7 : 0;
      expect(maxAbsDiff(w, t), k).toBeLessThanOrEqual(bound);
    }
    await reread.dispose();
    const whole = await hiddenStates(q8out, 1, batch);
    expect(maxAbsDiff(whole.atK, src.atK)).toBe(0);
    const q8err = maxAbsDiff(whole.last, output);
    const scale = Math.max(...Array.from(output, Math.abs));

    // fp32: no int8 left; the top run on its own bottom's states equals the whole fp32 graph
    const fp32 = top.exportOnnx('fp32');
    const types = new Set(decodeModel(fp32).graph!.node!.map((n) => n.opType));
    for (const op of ['MatMulInteger', 'DynamicQuantizeLinear', 'DequantizeLinear']) expect(types.has(op), op).toBe(false);
    // no int8 tensor left, and no scale or zero point that nothing reads
    const f32inits = decodeModel(fp32).graph!.initializer!;
    expect(f32inits.filter((t) => t.dataType === 2 || t.dataType === 3).map((t) => t.name)).toEqual([]);
    expect(f32inits.filter((t) => /_(scale|zero_point)$/.test(t.name!)).map((t) => t.name)).toEqual([]);
    const f = await hiddenStates(fp32, 1, batch);
    expect(maxAbsDiff((await top.forward(f.atK, dims, batch.mask)).output, f.last)).toBeLessThanOrEqual(1e-4);
    const bottomErr = maxAbsDiff(f.atK, src.atK);
    console.info(
      `q8 source, 1 of 2 layers trained: saved q8 vs the training path max |diff| ${q8err.toExponential(2)} (output scale ${scale.toFixed(2)}); ` +
        `fp32 copy's bottom vs the q8 bottom ${bottomErr.toExponential(2)}`,
    );
    expect(q8err / scale).toBeLessThan(0.05);
    expect(bottomErr).toBeGreaterThan(0); // the fp32 copy has no activation rounding
    await top.dispose();
  }, 60_000);
});
