/**
 * Forward parity of the trainable top (src/finetune): layers k+1 … L rebuilt from the initializers,
 * run on the layer cut's hidden states at layer k (src/encoder/layers.ts, on ONNX Runtime), must give
 * the whole ONNX graph's last hidden state within 1e-4, on reference-mini and
 * on the BERT, DistilBERT and XLM-R fixtures. The q8 mtl:mini starts from dequantized int8 weights; its
 * distance to the q8 graph (which also quantizes activations) is measured and bounded. Models whose
 * layers the rebuild does not know are refused with the reason.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureFixture } from '../../src/generators/index.js';
import { decodeModel, encodeModel } from '../../src/onnx/proto.js';
import { TrainableTop } from '../../src/finetune/index.js';
import { MTL_MINI_Q8, REFERENCE_MINI, hasReference, hiddenStates, maxAbsDiff, randomBatch, readModel } from './helpers.js';

async function forwardError(bytes: Uint8Array, k: number, vocab: number): Promise<{ error: number; scale: number; layers: number }> {
  const batch = randomBatch(3, 10, vocab, 7);
  const ref = await hiddenStates(bytes, k, batch);
  const top = await TrainableTop.fromOnnx(bytes, { fromLayer: k, threads: 1 });
  try {
    const { output } = await top.forward(ref.atK, [batch.B, batch.T, ref.hidden], batch.mask);
    return { error: maxAbsDiff(output, ref.last), scale: Math.max(...Array.from(ref.last, Math.abs)), layers: top.layers.length };
  } finally {
    await top.dispose();
  }
}

describe('trainable top: forward equals the ONNX graph', () => {
  it.skipIf(!hasReference)(
    'reference-mini (decomposed LayerNorm, onnx::MatMul_* weights): top 1 and top 2 layers within 1e-4',
    async () => {
      const bytes = readModel(REFERENCE_MINI);
      for (const k of [5, 4]) {
        const r = await forwardError(bytes, k, 32000);
        expect(r.layers).toBe(6 - k);
        expect(r.scale).toBeGreaterThan(0.5);
        expect(r.error, `from layer ${k}`).toBeLessThanOrEqual(1e-4);
      }
    },
    120_000,
  );
  it.runIf(!hasReference)('reference-mini is absent', () => console.warn(`skipped: ${REFERENCE_MINI} is absent`));

  for (const variant of ['bert', 'distilbert', 'xlm-roberta'] as const) {
    it(`${variant} fixture (LayerNormalization, named weights): every layer trainable, within 1e-4`, async () => {
      const dir = await ensureFixture(variant);
      const r = await forwardError(readModel(join(dir, 'onnx', 'model.onnx')), 0, 1000);
      expect(r.layers).toBe(2);
      expect(r.error).toBeLessThanOrEqual(1e-4);
    }, 60_000);
  }

  it('mtl:mini q8: starts from the dequantized int8 weights; the distance to the q8 graph is its activation quantization', async () => {
    const bytes = readModel(MTL_MINI_Q8);
    const r = await forwardError(bytes, 2, 1000);
    console.info(
      `mtl:mini q8, top 2 layers from dequantized weights vs the q8 graph: max |diff| ${r.error.toExponential(2)} (output scale ${r.scale.toFixed(2)})`,
    );
    expect(r.layers).toBe(2);
    expect(r.error).toBeGreaterThan(1e-6); // the q8 graph quantizes activations too: not bit-equal
    expect(r.error / r.scale).toBeLessThan(0.02);
    // its fp32 copy (int8 weights and embedding tables dequantized): the rebuilt top equals it as it equals an fp32 export
    const top = await TrainableTop.fromOnnx(bytes, { fromLayer: 3 });
    const fp32 = top.exportOnnx('fp32');
    await top.dispose();
    const ops = decodeModel(fp32).graph!.node!.map((n) => n.opType);
    expect(ops.filter((o) => /Quantize|Integer/.test(o ?? ''))).toEqual([]);
    expect((await forwardError(fp32, 2, 1000)).error).toBeLessThanOrEqual(1e-4);
  }, 60_000);
});

describe('trainable top: refusals', () => {
  it('refuses a layer with the tanh GELU, naming the file, the layer and the reason', async () => {
    const model = decodeModel(readModel(join(await ensureFixture('bert'), 'onnx', 'model.onnx')));
    for (const n of model.graph!.node!) if (n.opType === 'Erf' && n.name!.includes('layer/1/')) n.opType = 'Tanh';
    const bytes = encodeModel(model);
    await expect(TrainableTop.fromOnnx(bytes, { fromLayer: 0 })).rejects.toThrow(
      /\(model bytes\): layer 1 cannot be made trainable: its GELU is the tanh approximation.*train this model frozen/,
    );
    // the layers below are still fine
    await expect(TrainableTop.fromOnnx(bytes, { fromLayer: 0 }).catch((e: Error) => e.message)).resolves.not.toMatch(/layer 0 cannot/);
  });

  it('refuses to write a trained int8 weight back when its scale is shared with another weight', async () => {
    const model = decodeModel(readModel(join(await ensureFixture('bert'), 'onnx', 'model_quantized.onnx')));
    const nodes = model.graph!.node!;
    // layer 1's key MatMul reads the query's weight scale (an export that dedupes equal constants could do this)
    const scaleMul = (w: string) => nodes.find((n) => n.opType === 'Mul' && n.input!.some((i) => i === `${w}_scale`))!;
    const q = model.graph!.initializer!.find((t) => /layer\.1\..*query.*_quantized$/.test(t.name!))!.name!.replace(/_quantized$/, '');
    const k = q.replace('query', 'key');
    const mul = scaleMul(k);
    mul.input = mul.input!.map((i) => (i === `${k}_scale` ? `${q}_scale` : i));
    const top = await TrainableTop.fromOnnx(encodeModel(model), { fromLayer: 1 });
    expect(() => top.exportOnnx()).toThrow(
      /\(model bytes\): cannot write layer\.1\.q\.weight back into its int8 weight .*_scale is read by 2 nodes, so rewriting it would change other weights; write the fp32 copy \(exportOnnx\('fp32'\)\) and quantize that/,
    );
    expect(top.exportOnnx('fp32').length).toBeGreaterThan(0); // the fp32 copy needs no re-quantization
    await top.dispose();
  });

  it('refuses a pre-LN residual and a graph without layer scopes', async () => {
    const path = join(await ensureFixture('distilbert'), 'onnx', 'model.onnx');
    const model = decodeModel(readModel(path));
    // feed the FFN residual from the layer input instead of the attention LayerNorm: not post-LN
    const nodes = model.graph!.node!;
    const res2 = nodes.find((n) => n.name === '/transformer/layer/1/output_layer_norm/Add')!;
    const ln1 = nodes.find((n) => n.name === '/transformer/layer/1/sa_layer_norm/LayerNormalization')!;
    const input = nodes.find((n) => n.name === '/transformer/layer/1/attention/q_lin/MatMul')!.input![0]!;
    res2.input = res2.input!.map((i) => (i === ln1.output![0] ? input : i));
    await expect(TrainableTop.fromOnnx(encodeModel(model), { fromLayer: 1 })).rejects.toThrow(
      /layer 1 cannot be made trainable: the FFN output is not added to .* \(a post-LN residual\)/,
    );
    nodes.forEach((n, i) => (n.name = `node_${i}`));
    await expect(TrainableTop.fromOnnx(encodeModel(model), { fromLayer: 1 })).rejects.toThrow(/no transformer layers found by node name/);
    await expect(TrainableTop.fromOnnx(path, { fromLayer: 2 })).rejects.toThrow(/fromLayer 2 is out of range: the model has 2 layers/);
  });
});
