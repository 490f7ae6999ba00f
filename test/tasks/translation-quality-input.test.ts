/**
 * Translation quality input modes (siamese, cross, cross+siamese) and side features (model score,
 * length ratio): rows and head width per mode, standardisation fitted on train and saved with the
 * model (a saved model predicts the same after load), and models saved before the options load as
 * siamese without features.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lengthRatioFeature } from '../../src/baselines/translation-quality.js';
import { pearson } from '../../src/metrics/correlation.js';
import { loadTaskConfig } from '../../src/config/load.js';
import { TaskConfigSchema } from '../../src/config/schema.js';
import { pairKey } from '../../src/encoder/pairs.js';
import { inputKey } from '../../src/tasks/types.js';
import { createTask } from '../../src/config/tasks.js';
import type { TaskConfig } from '../../src/config/schema.js';
import { TranslationQualityTask, type TranslationQualityExample, type TranslationQualityInput } from '../../src/tasks/index.js';
import { initBackend } from '../../src/training/backend.js';
import { FeatureStore } from '../../src/training/features.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { packageRoot } from '../../src/utils/paths.js';
import { Rng } from '../../src/utils/random.js';

const DIM = 8;

/** Synthetic pairs: the score depends on the pair vector, the texts' vectors and the model score. */
function data(n: number, seed: number): { store: FeatureStore; train: TranslationQualityExample[]; dev: TranslationQualityExample[] } {
  const rng = new Rng(seed);
  const store = new FeatureStore(DIM);
  const vec = () => Float32Array.from({ length: DIM }, () => rng.normal());
  const all: TranslationQualityExample[] = [];
  for (let i = 0; i < n; i++) {
    const source = `source ${i} ${'w '.repeat(i % 7)}`;
    const translation = `translation ${i} ${'v '.repeat(i % 5)}`;
    const u = vec();
    const v = vec();
    const c = vec();
    store.set(source, u).set(translation, v).set(pairKey(source, translation), c);
    const modelScore = -1 + 0.3 * rng.normal();
    const score = (c[0] as number) + 0.5 * (u[1] as number) * (v[1] as number) + 4 * modelScore + 0.1 * rng.normal();
    all.push({ source, translation, score, modelScore, pair: i % 2 ? 'en-de' : 'ro-en' });
  }
  return { store, train: all.slice(0, Math.floor(n * 0.75)), dev: all.slice(Math.floor(n * 0.75)) };
}

let dir: string;
beforeAll(async () => {
  await initBackend('cpu', { log: false });
  dir = mkdtempSync(join(tmpdir(), 'mtl-tq-input-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('input modes', () => {
  const e: TranslationQualityExample = { source: 'a b', translation: 'c', score: 1, modelScore: -0.5 };
  it('encoder inputs: siamese → [src, mt]; cross → [pair]; cross+siamese → [src, mt, pair]', () => {
    const pair = { pair: ['a b', 'c'] };
    expect(new TranslationQualityTask({ input: 'siamese' }).encoderInputs(e)).toEqual(['a b', 'c']);
    expect(new TranslationQualityTask({ input: 'cross' }).encoderInputs(e)).toEqual([pair]);
    expect(new TranslationQualityTask({ input: 'cross+siamese' }).encoderInputs(e)).toEqual(['a b', 'c', pair]);
    // the feature-store key of a pair is its pairKey, never one of its texts
    expect(new TranslationQualityTask({ input: 'cross+siamese' }).encoderInputs(e).map(inputKey)).toEqual([
      'a b',
      'c',
      pairKey('a b', 'c'),
    ]);
    expect(new TranslationQualityTask().input).toBe('siamese');
  });

  it('rows, side features and head width per mode', () => {
    const { store, train } = data(8, 3);
    const cases: [TranslationQualityInput, number, number][] = [
      ['siamese', 2, 4 * DIM],
      ['cross', 1, DIM],
      ['cross+siamese', 3, 5 * DIM],
    ];
    for (const [input, blocks, width] of cases) {
      const t = new TranslationQualityTask({ input, features: ['model-score', 'length-ratio'] });
      t.prepare(train);
      expect(t.headInputDim(DIM)).toBe(width + 2);
      const b = t.makeBatch(train.slice(0, 4), store.lookup, DIM);
      expect(b.numRows).toBe(blocks * 4);
      expect(b.side).toHaveLength(8);
      if (input !== 'siamese')
        expect(Array.from(b.rows.subarray((blocks - 1) * 4 * DIM, ((blocks - 1) * 4 + 1) * DIM))).toEqual(
          Array.from(store.lookup(pairKey(train[0]!.source, train[0]!.translation))),
        );
    }
  });

  it('side features are standardised with the training mean and std', () => {
    const { train } = data(40, 4);
    const t = new TranslationQualityTask({ features: ['model-score', 'length-ratio'] });
    t.prepare(train);
    const ms = train.map((x) => x.modelScore!);
    const lr = train.map((x) => lengthRatioFeature(x.source, x.translation));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
    expect(t.featureStats!.mean[0]).toBeCloseTo(mean(ms), 10);
    expect(t.featureStats!.std[0]).toBeCloseTo(std(ms), 10);
    expect(t.featureStats!.mean[1]).toBeCloseTo(mean(lr), 10);
    const z = train.map((x) => t.sideFeatures(x)[0]!);
    expect(mean(z)).toBeCloseTo(0, 8);
    expect(std(z)).toBeCloseTo(1, 8);
    // without the MT system's score: the training mean (0 standardised); training data must have it
    expect(t.sideFeatures({ source: 'a', translation: 'b' })[0]).toBe(0);
    expect(() => new TranslationQualityTask({ features: ['model-score'] }).prepare([{ source: 'a', translation: 'b', score: 1 }])).toThrow(
      /training example 0: .*modelScore/,
    );
  });

  it('config: input block parsed with defaults; rejected for other tasks and unknown values', () => {
    const cfg = loadTaskConfig(join(packageRoot(), 'tasks', 'translation-quality.yaml'));
    const t = createTask({ ...cfg, input: { mode: 'cross', features: ['length-ratio'] } } as TaskConfig) as TranslationQualityTask;
    expect(t.input).toBe('cross');
    expect(t.features).toEqual(['length-ratio']);
    const parsed = TaskConfigSchema.parse({ ...cfg, input: {} });
    expect(parsed.input).toEqual({ features: [] });
    expect((createTask(parsed) as TranslationQualityTask).input).toBe('siamese');
    // the YAML schema refuses options another task owns or does not know (each task declares its own)
    expect(() => TaskConfigSchema.parse({ ...cfg, input: { features: ['lexicon'] } })).toThrow();
    expect(() => TaskConfigSchema.parse({ ...cfg, input: { mode: 'concat' } })).toThrow();
    expect(() => TaskConfigSchema.parse({ ...cfg, input: { features: ['bleu'] } })).toThrow();
    const senti = loadTaskConfig(join(packageRoot(), 'tasks', 'sentiment.yaml'));
    // the YAML schema refuses options another task owns or does not know (each task declares its own)
    expect(() => TaskConfigSchema.parse({ ...senti, input: { mode: 'cross', features: [] } })).toThrow();
    // the YAML schema refuses options another task owns or does not know (each task declares its own)
    expect(() => TaskConfigSchema.parse({ ...senti, input: { features: ['model-score'] } })).toThrow();
  });
});

describe('saved models', () => {
  for (const input of ['siamese', 'cross', 'cross+siamese'] as const) {
    it(`${input} + model score + length ratio: trains, saves its options and statistics, predicts the same after load`, async () => {
      const { store, train, dev } = data(160, 7);
      const task = new TranslationQualityTask({ input, features: ['model-score', 'length-ratio'], pairs: ['en-de', 'ro-en'] });
      const model = await MultiTaskModel.create({ encoder: { dim: DIM }, tasks: [task], features: store, seed: 1, log: false });
      await model.fit({ 'translation-quality': { train, dev } }, { steps: 200, batchSize: 16, log: false, seed: 1 });
      const before = await model.predict<number>('translation-quality', dev);
      // the model uses the MT system's score (the strongest term of the synthetic target)
      expect(
        pearson(
          before,
          dev.map((e) => e.modelScore!),
        ),
      ).toBeGreaterThan(0.5);
      const out = join(dir, input.replace('+', '-'));
      await model.save(out);
      const spec = MultiTaskModel.readManifest(out).tasks[0]!;
      expect(spec.config.input).toBe(input);
      expect(spec.config.features).toEqual(['model-score', 'length-ratio']);
      expect(spec.config.featureStats).toEqual(task.featureStats);
      const loaded = await MultiTaskModel.load(out, { features: store, log: false });
      const lt = loaded.task('translation-quality') as TranslationQualityTask;
      expect(lt.input).toBe(input);
      expect(lt.featureStats).toEqual(task.featureStats);
      expect(await loaded.predict<number>('translation-quality', dev)).toEqual(before);
      // the scoring API passes the MT system's score through
      expect(await loaded.scoreTranslation(dev.slice(0, 3))).toEqual(before.slice(0, 3));
      const [unknown] = await loaded.scoreTranslation([{ source: dev[0]!.source, translation: dev[0]!.translation }]);
      const [atMean] = await loaded.scoreTranslation([
        { source: dev[0]!.source, translation: dev[0]!.translation, modelScore: task.featureStats!.mean[0]! },
      ]);
      expect(unknown).toBeCloseTo(atMean!, 5);
      model.dispose();
      loaded.dispose();
    });
  }

  it('a model saved before the options (task config without input/features) loads as siamese and predicts the same', async () => {
    const { store, train, dev } = data(80, 9);
    const task = new TranslationQualityTask({ pairs: ['en-de', 'ro-en'] });
    const model = await MultiTaskModel.create({ encoder: { dim: DIM }, tasks: [task], features: store, seed: 2, log: false });
    await model.fit({ 'translation-quality': { train } }, { steps: 20, batchSize: 16, log: false, seed: 2 });
    const before = await model.predict<number>('translation-quality', dev);
    const out = join(dir, 'old');
    await model.save(out);
    // rewrite the task config as the previous version wrote it
    const file = join(out, 'manifest.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    const c = manifest.tasks[0].config;
    manifest.tasks[0].config = {
      hidden: c.hidden,
      dropout: c.dropout,
      targetMean: c.targetMean,
      targetStd: c.targetStd,
      pairs: c.pairs,
      primaryMetric: c.primaryMetric,
    };
    manifest.formatVersion = 1; // as version 1 wrote it: loads through the v1 → v2 migration
    writeFileSync(file, JSON.stringify(manifest, null, 2));
    const loaded = await MultiTaskModel.load(out, { features: store, log: false });
    const t = loaded.task('translation-quality') as TranslationQualityTask;
    expect(t.input).toBe('siamese');
    expect(t.features).toEqual([]);
    expect(t.isPrepared()).toBe(true);
    expect(await loaded.predict<number>('translation-quality', dev)).toEqual(before);
    // and it saves again with the options spelled out
    expect(t.toSpec().config).toMatchObject({ input: 'siamese', features: [], featureStats: { mean: [], std: [] } });
    model.dispose();
    loaded.dispose();
  });
});
