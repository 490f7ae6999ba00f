/**
 * Gradients of the trainable top (src/finetune) against two independent references:
 * - PyTorch autograd (float64) on the same layers built with torch.nn.functional from the same
 *   weights, inputs, mask, dropout masks and output gradient (test/finetune/torch_grad.py; skipped
 *   with a message where /usr/bin/python3 has no torch);
 * - central finite differences of Σ output · r on a tiny random layer (no torch needed).
 * Errors are max |ours − ref| / max(1, max |ref|) per tensor.
 */
import { describe, expect, it } from 'vitest';
import { buildEncoderGraph, ensureFixture } from '../../src/generators/index.js';
import { encodeModel } from '../../src/onnx/proto.js';
import { TrainableTop, type Tape } from '../../src/finetune/index.js';
import { Rng } from '../../src/utils/random.js';
import { join } from 'node:path';
import {
  REFERENCE_MINI,
  TORCH_SKIP,
  hasReference,
  hasTorch,
  hiddenStates,
  randomArray,
  randomBatch,
  readModel,
  runTorch,
  scaledError,
} from './helpers.js';

async function torchParity(bytes: Uint8Array, fromLayer: number, vocab: number, train: boolean): Promise<Record<string, number>> {
  const batch = randomBatch(2, 12, vocab, 3);
  const { atK, hidden } = await hiddenStates(bytes, fromLayer, batch);
  const top = await TrainableTop.fromOnnx(bytes, { fromLayer, dropout: train ? 0.2 : 0, seed: 5, threads: 1 });
  try {
    const dims = [batch.B, batch.T, hidden] as const;
    const { output, tape } = await top.forward(atK, dims, batch.mask, { train });
    const gradOutput = randomArray(output.length, new Rng(9));
    const ours = await top.backward(tape, gradOutput);
    const files: Record<string, Float32Array> = {
      'hidden.f32': atK,
      'mask.f32': Float32Array.from(batch.mask, (m) => (m ? 0 : -3.4028234663852886e38)),
      'grad_output.f32': gradOutput,
    };
    const weights: Record<string, { file: string; dims: number[] }> = {};
    for (const [name, w] of top.weights()) {
      files[`w.${name}.f32`] = w;
      weights[name] = { file: `w.${name}.f32`, dims: top.paramShapes.find((p) => p.name === name)!.dims };
    }
    const layers = top.layers.map((s) => {
      if (!train) return s;
      const dropout = ['attention', 'attention_output', 'output'].map((k) => {
        const t = (tape as Tape).feeds[`dropout.${s.index}.${k}`]!;
        files[`drop.${s.index}.${k}.f32`] = t.data as Float32Array;
        return [`drop.${s.index}.${k}.f32`, t.dims.map(Number)];
      });
      return { ...s, dropout };
    });
    const ref = runTorch({ mode: 'layers', dims, layers, weights }, files);
    try {
      const errors: Record<string, number> = {
        output: scaledError(output, ref.read('output.f32')),
        grad_input: scaledError(ours.gradInput, ref.read('grad_input.f32')),
      };
      for (const [name, g] of ours.gradWeights) errors[name] = scaledError(g, ref.read(`grad.${name}.f32`));
      return errors;
    } finally {
      ref.dispose();
    }
  } finally {
    await top.dispose();
  }
}

describe('trainable top: gradients equal PyTorch autograd', () => {
  it.skipIf(!hasTorch() || !hasReference)(
    'reference-mini, top 2 layers (eval: no dropout): output, input and every weight within 1e-4',
    async () => {
      const errors = await torchParity(readModel(REFERENCE_MINI), 4, 32000, false);
      console.info(`reference-mini vs torch: worst scaled error ${Math.max(...Object.values(errors)).toExponential(2)}`);
      expect(Object.keys(errors)).toHaveLength(2 + 2 * 16);
      for (const [name, e] of Object.entries(errors)) expect(e, name).toBeLessThanOrEqual(1e-4);
    },
    120_000,
  );

  it.skipIf(!hasTorch())(
    'bert fixture, top layer, training with dropout masks: within 1e-4',
    async () => {
      const dir = await ensureFixture('bert');
      const errors = await torchParity(readModel(join(dir, 'onnx', 'model.onnx')), 1, 2000, true);
      console.info(`bert fixture (dropout) vs torch: worst scaled error ${Math.max(...Object.values(errors)).toExponential(2)}`);
      expect(Object.keys(errors).length).toBeGreaterThan(16);
      for (const [name, e] of Object.entries(errors)) expect(e, name).toBeLessThanOrEqual(1e-4);
    },
    120_000,
  );

  it.runIf(!hasTorch())('is skipped without torch', () => {
    console.warn(TORCH_SKIP);
  });
});

describe('trainable top: gradients equal finite differences (no torch)', () => {
  it('a tiny random layer (H 8, 2 heads, FFN 16) with dropout: every weight and the input', async () => {
    const model = buildEncoderGraph({
      vocabSize: 30,
      hiddenSize: 8,
      numLayers: 1,
      numHeads: 2,
      intermediateSize: 16,
      maxPositionEmbeddings: 16,
      typeVocabSize: 2,
      tokenTypeInput: true,
      positions: { kind: 'absolute' },
      padTokenId: 0,
      layerNormEps: 1e-12,
      naming: 'bert',
      outputs: 'last_hidden_state',
      seed: 11,
    });
    const top = await TrainableTop.fromOnnx(encodeModel(model), { fromLayer: 0, dropout: 0.25, seed: 3, threads: 1 });
    const rng = new Rng(21);
    const B = 2,
      T = 4,
      H = 8;
    const x = randomArray(B * T * H, rng);
    const mask = [1, 1, 1, 0, 1, 1, 1, 1];
    const r = randomArray(B * T * H, rng);
    const loss = async (): Promise<number> => {
      top.draws = 0; // the same dropout masks for every evaluation
      const { output } = await top.forward(x, [B, T, H], mask, { train: true });
      let s = 0;
      for (let i = 0; i < output.length; i++) s += (output[i] as number) * (r[i] as number);
      return s;
    };
    top.draws = 0;
    const { tape } = await top.forward(x, [B, T, H], mask, { train: true });
    const { gradInput, gradWeights } = await top.backward(tape, r);
    const weights = top.weights();
    const h = 1e-2;
    let checked = 0;
    let largest = 0;
    const check = async (values: Float32Array, analytic: Float32Array, set: () => void, what: string) => {
      for (let n = 0; n < 3; n++) {
        const i = rng.int(values.length);
        const v = values[i] as number;
        values[i] = v + h;
        set();
        const up = await loss();
        values[i] = v - h;
        set();
        const down = await loss();
        values[i] = v;
        set();
        const fd = (up - down) / (2 * h);
        const err = Math.abs(fd - (analytic[i] as number)) / Math.max(1, Math.abs(fd));
        largest = Math.max(largest, Math.abs(fd));
        expect(err, `${what}[${i}]: finite difference ${fd}, backward ${analytic[i]}`).toBeLessThan(5e-3);
        checked++;
      }
    };
    for (const [name, w] of weights) await check(w, gradWeights.get(name)!, () => top.load(weights), name);
    await check(x, gradInput, () => undefined, 'input');
    expect(checked).toBe(3 * 17);
    // the gradients checked are not all (near) zero, so a dropped term would show
    expect(largest).toBeGreaterThan(0.05);
    await top.dispose();
  }, 120_000);
});
