/**
 * The whole fine-tuning chain's gradient (src/training/finetune-step.ts): d loss / d top weight as the
 * training step computes it (head → encoder-output variable → selection rows → pooling → top backward;
 * with attention pooling also head → the top's token-state variable → top backward) against central
 * differences of the loss itself, without dropout, on the BERT fixture.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Encoder } from '../../src/encoder/index.js';
import { inferenceContext } from '../../src/nn/layers.js';
import { initBackend } from '../../src/training/backend.js';
import { FinetuneStep } from '../../src/training/finetune-step.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { TranslationQualityTask } from '../../src/tasks/translation-quality/index.js';
import { SentimentTask } from '../../src/tasks/sentiment/index.js';
import { Rng } from '../../src/utils/random.js';
import * as tf from '../../src/utils/tf.js';
import { createWeighting, type TrainableParams } from '../../src/weighting/index.js';

let fp32: Encoder;
beforeAll(async () => {
  await initBackend('wasm', { log: false });
  fp32 = await Encoder.load('fixture:bert', { dtype: 'fp32', pooling: 'cls', normalize: true });
});
afterAll(async () => {
  await fp32.dispose();
});

const words = ['good', 'bad', 'film', 'plot', 'warm', 'dull', 'long', 'best'];
// 20 texts: ten of 3 words, ten of 23, so the top runs them in more than one length bucket (lengthBuckets)
const texts = Array.from(
  { length: 20 },
  (_, i) =>
    `${words[i % 8]} ${words[(i * 3 + 1) % 8]} ${i > 9 ? `${i} ${Array.from({ length: 20 }, (_, j) => words[(i + j) % 8]).join(' ')}` : i}`,
);

describe('fine-tuning: the chain rule end to end', () => {
  for (const kind of [
    'sentiment (texts)',
    "sentiment with attention pooling (the top's token states and the pooled vectors)",
    'translation quality (cross-encoded pairs and texts)',
  ] as const) {
    it(`${kind}: the top's gradient equals central differences of the loss`, async () => {
      const task = kind.startsWith('sentiment')
        ? new SentimentTask({ name: 't', hidden: 8, dropout: 0, ...(kind.includes('attention') ? { pooling: 'attention' as const } : {}) })
        : new TranslationQualityTask({ name: 't', input: 'cross+siamese', hidden: 8, dropout: 0 });
      const examples = kind.startsWith('sentiment')
        ? texts.map((text, i) => ({ text, label: i % 3 ? 'positive' : 'negative' }))
        : texts.slice(0, 4).map((source, i) => ({ source, translation: texts[7 - i] as string, score: i - 1.5 }));
      const m = await MultiTaskModel.create({
        encoder: fp32,
        tasks: [task],
        sharedLayers: { depth: 1, width: 8, dropout: 0 },
        seed: 2,
        log: false,
        finetune: { layers: 1, dropout: 0 },
      });
      m.prepareTasks({ t: examples });
      const ft = m.finetune!;
      const batchOf = new Map([['t', examples as unknown[]]]);
      const base: TrainableParams = {
        variables: m.store.list().map((p) => p.variable),
        nameOf: (v) => v.name,
        shared: new Set(),
        lastShared: [],
      };
      const lossNow = async (): Promise<number> => {
        const step = await FinetuneStep.prepare(ft, (n) => m.task(n), batchOf, base);
        const v = tf.tidy(() => m.loss('t', step.batch('t')!, inferenceContext(), step.rows('t')).dataSync()[0] as number);
        await step.backward(new Map());
        return v;
      };

      const spy = vi.spyOn(ft.top, 'backward');
      const tensors = tf.memory().numTensors;
      const step = await FinetuneStep.prepare(ft, (n) => m.task(n), batchOf, base);
      const weighting = createWeighting({ type: 'equal' }, { tasks: ['t'], lossKinds: { t: task.lossKind }, rng: new Rng(1) });
      const { grads } = weighting.backward(
        new Map([['t', () => m.loss('t', step.batch('t')!, inferenceContext(), step.rows('t'))]]),
        step.trainable,
        { step: 0, epoch: 0, active: ['t'] },
      );
      expect(grads.has('encoder-output.t')).toBe(true);
      expect(grads.has('encoder-output.t.tokens')).toBe(kind.includes('attention'));
      expect(await step.backward(grads)).toBe(true);
      expect(grads.has('encoder-output.t')).toBe(false);
      expect(grads.has('encoder-output.t.tokens')).toBe(false);
      tf.dispose([...grads.values()]);
      expect(tf.memory().numTensors, 'tensors left by a step (its variables and gradients are freed)').toBe(tensors);
      // the top's gradient: the sum over its length buckets' backward passes
      const analytic = new Map<string, Float32Array>();
      for (const r of spy.mock.results) {
        for (const [k, g] of ((await r.value) as { gradWeights: Map<string, Float32Array> }).gradWeights) {
          const acc = analytic.get(k);
          if (acc) g.forEach((x, i) => (acc[i] = acc[i]! + x));
          else analytic.set(k, g.slice());
        }
      }
      if (kind.startsWith('sentiment')) expect(spy.mock.results.length).toBeGreaterThan(1);
      ft.top.clearGradients();
      spy.mockRestore();

      const weights = ft.top.weights();
      const h = 1e-2;
      let checked = 0;
      for (const name of ['layer.1.q.weight', 'layer.1.fc2.weight', 'layer.1.ln2.bias']) {
        const g = analytic.get(name)!;
        let k = 0;
        for (let i = 1; i < g.length; i++) if (Math.abs(g[i]!) > Math.abs(g[k]!)) k = i;
        const w = weights.get(name)!;
        const at = async (delta: number) => {
          const copy = new Map(weights);
          const moved = w.slice();
          moved[k] = w[k]! + delta;
          copy.set(name, moved);
          ft.top.load(copy);
          return lossNow();
        };
        const numeric = ((await at(h)) - (await at(-h))) / (2 * h);
        expect(Math.abs(g[k]!), name).toBeGreaterThan(1e-4);
        expect(Math.abs(numeric - g[k]!), `${name}[${k}]: numeric ${numeric}, analytic ${g[k]}`).toBeLessThan(
          0.03 * Math.abs(g[k]!) + 2e-4,
        );
        checked++;
      }
      expect(checked).toBe(3);
      ft.top.load(weights);
      m.dispose();
    }, 60_000);
  }
});
