/** Sentiment's optional lexicon side feature: standardised on train, saved with the model, old specs load without it. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lexiconScore } from '../../src/baselines/sentiment.js';
import { loadTaskConfig } from '../../src/config/load.js';
import { createTask } from '../../src/config/tasks.js';
import type { TaskConfig } from '../../src/config/schema.js';
import { SentimentTask, type SentimentExample } from '../../src/tasks/index.js';
import { initBackend } from '../../src/training/backend.js';
import { FeatureStore } from '../../src/training/features.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { packageRoot } from '../../src/utils/paths.js';
import { Rng } from '../../src/utils/random.js';

const DIM = 6;
const POS = ['good', 'great', 'wonderful', 'fun', 'love'];
const NEG = ['bad', 'awful', 'boring', 'hate', 'terrible'];

function data(n: number): { store: FeatureStore; train: SentimentExample[]; dev: SentimentExample[] } {
  const rng = new Rng(5);
  const store = new FeatureStore(DIM);
  const all: SentimentExample[] = [];
  for (let i = 0; i < n; i++) {
    const positive = i % 2 === 0;
    const words = positive ? POS : NEG;
    const text = `the film ${i} was ${words[i % 5]} and ${words[(i + 2) % 5]}`;
    store.set(
      text,
      Float32Array.from({ length: DIM }, () => rng.normal()),
    );
    all.push({ text, label: positive ? 'positive' : 'negative' });
  }
  return { store, train: all.slice(0, (n * 3) / 4), dev: all.slice((n * 3) / 4) };
}

let dir: string;
beforeAll(async () => {
  await initBackend('cpu', { log: false });
  dir = mkdtempSync(join(tmpdir(), 'mtl-senti-features-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sentiment lexicon feature', () => {
  it('config input.features: [lexicon] reaches the task; standardised with training statistics', () => {
    const cfg = loadTaskConfig(join(packageRoot(), 'tasks', 'sentiment.yaml'));
    const t = createTask({ ...cfg, input: { features: ['lexicon'] } } as TaskConfig) as SentimentTask;
    expect(t.features).toEqual(['lexicon']);
    const { train } = data(40);
    t.prepare(train);
    const xs = train.map((e) => lexiconScore(e.text));
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(t.featureStats!.mean[0]).toBeCloseTo(m, 10);
    expect(t.sideFeatures(train[0]!)[0]).toBeCloseTo((xs[0]! - m) / t.featureStats!.std[0]!, 10);
  });

  it('the lexicon alone separates the synthetic classes (features are noise); saved and reloaded it predicts the same', async () => {
    const { store, train, dev } = data(160);
    const task = new SentimentTask({ labels: ['negative', 'positive'], features: ['lexicon'] });
    const model = await MultiTaskModel.create({ encoder: { dim: DIM }, tasks: [task], features: store, seed: 3, log: false });
    await model.fit({ sentiment: { train, dev } }, { steps: 60, batchSize: 16, log: false, seed: 3 });
    expect(model.evaluateCached({ sentiment: dev }).sentiment!.accuracy).toBeGreaterThan(0.9);
    const before = await model.predict('sentiment', dev);
    const out = join(dir, 'lexicon');
    await model.save(out);
    expect(MultiTaskModel.readManifest(out).tasks[0]!.config).toMatchObject({ features: ['lexicon'], featureStats: task.featureStats });
    const loaded = await MultiTaskModel.load(out, { features: store, log: false });
    expect(await loaded.predict('sentiment', dev)).toEqual(before);
    model.dispose();
    loaded.dispose();
  });

  it('a spec saved before the option loads without features and predicts the same', async () => {
    const { store, train, dev } = data(64);
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
    const { features: _f, featureStats: _s, ...old } = manifest.tasks[0].config;
    manifest.tasks[0].config = old;
    manifest.formatVersion = 1; // as version 1 wrote it: loads through the v1 → v2 migration
    writeFileSync(file, JSON.stringify(manifest));
    const loaded = await MultiTaskModel.load(out, { features: store, log: false });
    expect((loaded.task('sentiment') as SentimentTask).features).toEqual([]);
    expect(await loaded.predict('sentiment', dev)).toEqual(before);
    model.dispose();
    loaded.dispose();
  });
});
