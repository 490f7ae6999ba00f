/**
 * Joint fine-tuning of the encoder's top layers with the heads (src/training/finetune*.ts) on the
 * generated BERT fixture: in eval mode the split encoder gives the frozen encoder's vectors; training
 * moves the top and lowers the loss through it alone; finetune 0 leaves the encoder frozen; every
 * weighting trains it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Encoder } from '../../src/encoder/index.js';
import * as tf from '../../src/utils/tf.js';
import { initBackend } from '../../src/training/backend.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { SentimentTask } from '../../src/tasks/sentiment/index.js';
import { TranslationQualityTask } from '../../src/tasks/translation-quality/index.js';
import type { WeightingConfig } from '../../src/weighting/index.js';
import type { AnyTask } from '../../src/tasks/types.js';

const words = ['good', 'bad', 'film', 'plot', 'warm', 'dull', 'long', 'best', 'mess', 'year', 'funny', 'slow'];
const texts = Array.from({ length: 24 }, (_, i) => `${words[i % 12]} ${words[(i * 5 + 1) % 12]} ${words[(i * 7 + 3) % 12]} ${i}`);
const sentiment = texts.map((text, i) => ({ text, label: i % 3 === 0 ? 'negative' : 'positive' }));
const pairs = texts.slice(0, 12).map((source, i) => ({ source, translation: texts[(i + 5) % 24] as string, score: (i % 4) - 1.5 }));

let fp32: Encoder;
beforeAll(async () => {
  await initBackend('wasm', { log: false });
  fp32 = await Encoder.load('fixture:bert', { dtype: 'fp32' });
});
afterAll(async () => {
  await fp32.dispose();
});

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

function weightsDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  return Math.max(...[...a].map(([k, v]) => maxDiff(v, b.get(k) as Float32Array)));
}

async function model(
  encoder: Encoder,
  layers: number,
  extra: { dropout?: number; lr?: number } = {},
  tasks: AnyTask[] = [new SentimentTask({ name: 'sentiment', hidden: 16 })],
): Promise<MultiTaskModel> {
  return MultiTaskModel.create({
    encoder,
    tasks,
    sharedLayers: { depth: 1, width: 16, dropout: extra.dropout ?? 0.1 },
    seed: 3,
    log: false,
    finetune: { layers, ...extra },
  });
}

describe('fine-tuning the top layers: eval mode equals the frozen encoder', () => {
  it('mean pooling, top 1 and every layer: texts and cross-encoded pairs within 1e-5', async () => {
    const pairList = pairs.map((p) => [p.source, p.translation] as const);
    const frozen = await fp32.encode(texts);
    const frozenPairs = await fp32.encodePairs(pairList);
    for (const layers of [1, 2]) {
      const m = await model(fp32, layers);
      expect(m.finetune?.top.options.fromLayer).toBe(2 - layers);
      expect(maxDiff((await m.encoder!.encode(texts)).data, frozen.data)).toBeLessThan(1e-5);
      expect(maxDiff((await m.encoder!.encodePairs!(pairList)).data, frozenPairs.data)).toBeLessThan(1e-5);
      m.dispose();
    }
  }, 60_000);

  it('cls pooling with L2 normalisation within 1e-5', async () => {
    const cls = await Encoder.load('fixture:bert', { dtype: 'fp32', pooling: 'cls', normalize: true });
    const m = await model(cls, 1);
    expect(maxDiff((await m.encoder!.encode(texts)).data, (await cls.encode(texts)).data)).toBeLessThan(1e-5);
    m.dispose();
    await cls.dispose();
  }, 60_000);
});

describe('fine-tuning the top layers: training', () => {
  it('with the heads almost still, the loss falls through the top alone, whose weights move; finetune 0 keeps the encoder frozen', async () => {
    const fit = { steps: 20, batchSize: 24, log: false as const, optimizer: { type: 'adamw' as const, lr: 1e-12, weightDecay: 0 } };
    // no dropout anywhere: with the heads still, only the top can change the loss
    const still = () => [new SentimentTask({ name: 'sentiment', hidden: 16, dropout: 0 })];
    const m = await model(fp32, 1, { dropout: 0, lr: 3e-3 }, still());
    const before = m.finetune!.top.weights();
    const h = await m.fit({ sentiment: { train: sentiment } }, fit);
    const loss = h.steps.map((s) => s.losses.sentiment as number);
    expect(weightsDiff(before, m.finetune!.top.weights())).toBeGreaterThan(1e-4);
    expect(loss[loss.length - 1]!).toBeLessThan(loss[0]! - 0.05);
    // the vectors it predicts with are the trained top's, no longer the frozen encoder's
    expect(maxDiff((await m.encoder!.encode(texts)).data, (await fp32.encode(texts)).data)).toBeGreaterThan(1e-3);
    m.dispose();

    const frozen = await model(fp32, 0, { dropout: 0 }, still());
    expect(frozen.finetune).toBeNull();
    expect(frozen.encoder).toBe(fp32);
    const hf = await frozen.fit({ sentiment: { train: sentiment } }, fit);
    const lf = hf.steps.map((s) => s.losses.sentiment as number);
    expect(Math.abs(lf[lf.length - 1]! - lf[0]!)).toBeLessThan(1e-3); // nothing trains but the (still) heads
    frozen.dispose();
  }, 60_000);

  const weightings: WeightingConfig[] = [
    { type: 'static', lambdas: { sentiment: 1, tq: 0.5 } },
    { type: 'equal' },
    { type: 'uncertainty' },
    { type: 'dwa' },
    { type: 'gradnorm' },
    { type: 'rlw' },
    { type: 'pcgrad' },
  ];
  it('every weighting trains the top with two tasks (texts and cross-encoded pairs), with finite losses', async () => {
    for (const weighting of weightings) {
      const tensors = tf.memory().numTensors;
      const m = await model(fp32, 1, { lr: 1e-3 }, [
        new SentimentTask({ name: 'sentiment', hidden: 16 }),
        new TranslationQualityTask({ name: 'tq', input: 'cross' }),
      ]);
      const before = m.finetune!.top.weights();
      const h = await m.fit({ sentiment: { train: sentiment }, tq: { train: pairs } }, { steps: 3, batchSize: 8, log: false, weighting });
      for (const s of h.steps) for (const v of Object.values(s.losses)) expect(Number.isFinite(v)).toBe(true);
      expect(h.steps.every((s) => s.tasks.length === 2)).toBe(true);
      expect(weightsDiff(before, m.finetune!.top.weights()), weighting.type).toBeGreaterThan(1e-6);
      m.dispose();
      expect(tf.memory().numTensors, `${weighting.type}: tensors left after dispose`).toBe(tensors);
    }
  }, 60_000);
});
