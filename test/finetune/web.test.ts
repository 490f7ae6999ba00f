/**
 * The trainable top's graphs are plain ONNX (opset 17, default domain): onnxruntime-web (wasm, run here
 * in Node) runs the same forward and backward graphs as onnxruntime-node and gives the same output
 * and gradients.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ortWeb from 'onnxruntime-web';
import { ensureFixture } from '../../src/generators/index.js';
import { TrainableTop, type TrainableTopOptions } from '../../src/finetune/index.js';
import { Rng } from '../../src/utils/random.js';
import { maxAbsDiff, randomArray } from './helpers.js';

describe('trainable top on onnxruntime-web', () => {
  it('forward and backward (with dropout) equal onnxruntime-node within 1e-5', async () => {
    ortWeb.env.wasm.numThreads = 1;
    const path = join(await ensureFixture('xlm-roberta'), 'onnx', 'model.onnx');
    const B = 2,
      T = 7,
      H = 32;
    const rng = new Rng(4);
    const x = randomArray(B * T * H, rng);
    const g = randomArray(B * T * H, rng);
    const mask = [1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1];
    const run = async (ort?: TrainableTopOptions['ort']) => {
      const top = await TrainableTop.fromOnnx(path, { fromLayer: 0, dropout: 0.1, seed: 2, threads: 1, ...(ort ? { ort } : {}) });
      const { output, tape } = await top.forward(x, [B, T, H], mask, { train: true });
      const grads = await top.backward(tape, g);
      await top.dispose();
      return { output, ...grads };
    };
    const node = await run();
    const web = await run(ortWeb as unknown as TrainableTopOptions['ort']);
    expect(maxAbsDiff(web.output, node.output)).toBeLessThan(1e-5);
    expect(maxAbsDiff(web.gradInput, node.gradInput)).toBeLessThan(1e-5);
    expect(web.gradWeights.size).toBe(32);
    for (const [k, v] of node.gradWeights) expect(maxAbsDiff(web.gradWeights.get(k)!, v), k).toBeLessThan(1e-4);
  }, 60_000);
});
