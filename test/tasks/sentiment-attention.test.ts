/**
 * Sentiment's attention pooling over token states: the layer against hand-computed values (at
 * initialisation it is the masked mean), a synthetic task only the token states can solve, saved and
 * reloaded predictions, the YAML option, old specs, and the real encoder's token states.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTaskConfig } from '../../src/config/load.js';
import { TaskConfigSchema } from '../../src/config/schema.js';
import { createTask } from '../../src/config/tasks.js';
import { Encoder } from '../../src/encoder/index.js';
import { ensureFixture } from '../../src/generators/index.js';
import { AttentionPooling } from '../../src/nn/layers.js';
import { ParamStore } from '../../src/nn/params.js';
import { SentimentTask, type SentimentExample } from '../../src/tasks/index.js';
import { initBackend } from '../../src/training/backend.js';
import { FeatureStore } from '../../src/training/features.js';
import { MultiTaskModel } from '../../src/training/model.js';
import * as tf from '../../src/utils/tf.js';
import { packageRoot } from '../../src/utils/paths.js';
import { Rng } from '../../src/utils/random.js';

const DIM = 8;

/**
 * The label sits in one token of each text (+s or −s along the first axis, at a random position among
 * 3-9 noise tokens); the sentence vectors are pure noise, so only a head that reads the tokens can learn.
 */
function data(n: number, seed: number): { store: FeatureStore; train: SentimentExample[]; dev: SentimentExample[] } {
  const rng = new Rng(seed);
  const store = new FeatureStore(DIM);
  const all: SentimentExample[] = [];
  for (let i = 0; i < n; i++) {
    const positive = rng.next() < 0.5;
    const text = `text ${i}`;
    const len = 3 + Math.floor(rng.next() * 7);
    const at = Math.floor(rng.next() * len);
    const states = new Float32Array(len * DIM);
    for (let t = 0; t < len; t++) {
      for (let k = 0; k < DIM; k++) states[t * DIM + k] = 0.5 * rng.normal();
      if (t === at) {
        states[t * DIM] = positive ? 4 : -4;
        states[t * DIM + 1] = 4; // what marks the signal token, so attention can find it
      }
    }
    store
      .set(
        text,
        Float32Array.from({ length: DIM }, () => rng.normal()),
      )
      .setTokens(text, states);
    all.push({ text, label: positive ? 'positive' : 'negative' });
  }
  return { store, train: all.slice(0, (n * 3) / 4), dev: all.slice((n * 3) / 4) };
}

let dir: string;
beforeAll(async () => {
  await initBackend('cpu', { log: false });
  dir = mkdtempSync(join(tmpdir(), 'mtl-senti-attention-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('AttentionPooling', () => {
  it('at initialisation it is the mean over the real tokens; padding never counts', () => {
    const store = new ParamStore(1);
    const pool = new AttentionPooling(store, 'p', 2, 3, { group: 'task' });
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => {
      // row 0: tokens (1, 2), (3, 4), padding (100, 100); row 1: one token (5, 6) and two paddings
      const x = tf.tensor3d([1, 2, 3, 4, 100, 100, 5, 6, 100, 100, 100, 100], [2, 3, 2]);
      const m = tf.tensor2d([1, 1, 0, 1, 0, 0], [2, 3]);
      return pool.apply(x, m).arraySync();
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(out[0]![0]).toBeCloseTo(2, 6);
    expect(out[0]![1]).toBeCloseTo(3, 6);
    expect(out[1]![0]).toBeCloseTo(5, 6);
    expect(out[1]![1]).toBeCloseTo(6, 6);
    store.dispose();
  });

  it('weights are softmax(vᵀ tanh(x W)) over the real tokens (hand-computed)', () => {
    const store = new ParamStore(1);
    const pool = new AttentionPooling(store, 'p', 2, 1, { group: 'task' });
    pool.W.assign(tf.tensor2d([[1], [0]]));
    pool.v.assign(tf.tensor2d([[2]]));
    const out = tf.tidy(() => pool.apply(tf.tensor3d([0.5, 1, -0.5, 3], [1, 2, 2]), tf.tensor2d([1, 1], [1, 2])).arraySync());
    // scores 2·tanh(0.5), 2·tanh(−0.5); α = softmax
    const s0 = 2 * Math.tanh(0.5);
    const s1 = 2 * Math.tanh(-0.5);
    const a0 = Math.exp(s0) / (Math.exp(s0) + Math.exp(s1));
    expect(out[0]![0]).toBeCloseTo(a0 * 0.5 + (1 - a0) * -0.5, 6);
    expect(out[0]![1]).toBeCloseTo(a0 * 1 + (1 - a0) * 3, 6);
    store.dispose();
  });
});

describe('sentiment pooling: attention', () => {
  it('learns what only the token states carry (the mean-pooled head cannot); saved and reloaded it predicts the same', async () => {
    const { store, train, dev } = data(240, 11);
    const fit = async (pooling: 'mean' | 'attention') => {
      const task = new SentimentTask({ labels: ['negative', 'positive'], pooling });
      const model = await MultiTaskModel.create({ encoder: { dim: DIM }, tasks: [task], features: store, seed: 5, log: false });
      await model.fit({ sentiment: { train, dev } }, { steps: 150, batchSize: 16, log: false, seed: 5 });
      return { model, accuracy: model.evaluateCached({ sentiment: dev }).sentiment!.accuracy! };
    };
    const mean = await fit('mean');
    const att = await fit('attention');
    expect(mean.accuracy).toBeLessThan(0.7);
    expect(att.accuracy).toBeGreaterThan(0.9);
    const before = await att.model.predict('sentiment', dev);
    const out = join(dir, 'attention');
    await att.model.save(out);
    expect(MultiTaskModel.readManifest(out).tasks[0]!.config).toMatchObject({ pooling: 'attention', attentionDim: 64 });
    const loaded = await MultiTaskModel.load(out, { features: store, log: false });
    expect((loaded.task('sentiment') as SentimentTask).pooling).toBe('attention');
    expect(await loaded.predict('sentiment', dev)).toEqual(before);
    for (const m of [mean.model, att.model, loaded]) m.dispose();
  });

  it('a spec saved before the option loads with mean pooling and predicts the same', async () => {
    const { store, train, dev } = data(64, 12);
    const model = await MultiTaskModel.create({
      encoder: { dim: DIM },
      tasks: [new SentimentTask({ labels: ['negative', 'positive'] })],
      features: store,
      seed: 4,
      log: false,
    });
    await model.fit({ sentiment: { train } }, { steps: 10, batchSize: 16, log: false, seed: 4 });
    const before = await model.predict('sentiment', dev);
    const out = join(dir, 'old');
    await model.save(out);
    const file = join(out, 'manifest.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    const { pooling: _p, attentionDim: _a, ...old } = manifest.tasks[0].config;
    manifest.tasks[0].config = old;
    manifest.formatVersion = 1; // as version 1 wrote it: loads through the v1 → v2 migration
    writeFileSync(file, JSON.stringify(manifest));
    const loaded = await MultiTaskModel.load(out, { features: store, log: false });
    expect((loaded.task('sentiment') as SentimentTask).pooling).toBe('mean');
    expect(await loaded.predict('sentiment', dev)).toEqual(before);
    model.dispose();
    loaded.dispose();
  });

  it('the YAML option reaches the task; a wrong value is refused', () => {
    const cfg = loadTaskConfig(join(packageRoot(), 'tasks', 'sentiment.yaml'));
    const t = createTask(
      TaskConfigSchema.parse({ ...cfg, input: { features: [], pooling: 'attention', attentionDim: 16 } }),
    ) as SentimentTask;
    expect([t.pooling, t.attentionDim]).toEqual(['attention', 16]);
    expect(() => TaskConfigSchema.parse({ ...cfg, input: { pooling: 'max' } })).toThrow(/pooling/);
    expect(() => new SentimentTask({ pooling: 'cls' as never })).toThrow(/pooling must be one of mean, attention/);
  });

  it('with a real encoder: token states come from encodeTokens; without one the error says what to do', async () => {
    const encDir = await ensureFixture('bert');
    const encoder = await Encoder.load(encDir, { device: 'cpu', logger: () => undefined });
    try {
      const texts = ['a good film', 'a bad film', 'great fun, really', 'boring and awful', 'i love it', 'i hate it'];
      const examples = texts.map((text, i) => ({ text, label: i % 2 === 0 ? 'positive' : 'negative' }));
      const model = await MultiTaskModel.create({
        encoder,
        tasks: [new SentimentTask({ labels: ['negative', 'positive'], pooling: 'attention' })],
        seed: 1,
        log: false,
      });
      await model.fit({ sentiment: { train: examples } }, { steps: 3, batchSize: 4, log: false, seed: 1 });
      const states = model.features.tokenLookup('a good film');
      const direct = await encoder.encodeTokens(['a good film']);
      expect(states.length).toBe(direct.lengths[0]);
      expect(Array.from(states.states)).toEqual(Array.from(direct.data.subarray(0, direct.lengths[0]! * encoder.info.dim)));
      expect((await model.predict('sentiment', ['not seen before'])).length).toBe(1);
      model.dispose();
    } finally {
      await encoder.dispose();
    }
    const vectorsOnly = new FeatureStore(DIM).set('no states', new Float32Array(DIM));
    const bare = await MultiTaskModel.create({
      encoder: { dim: DIM },
      tasks: [new SentimentTask({ labels: ['negative', 'positive'], pooling: 'attention' })],
      features: vectorsOnly,
      log: false,
    });
    await expect(bare.predict('sentiment', ['no states'])).rejects.toThrow(
      /a head pools token states, but the model has no encoder .*use an Encoder, or the mean pooling option/,
    );
    bare.dispose();
  });
});
