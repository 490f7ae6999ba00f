/**
 * Tasks that read another layer of the shared encoder (`taskLayers`, the training config's
 * `tasks[].layer`). References: an Encoder loaded with that `layer` (itself tested against models
 * built with that many layers, test/encoder/layers.test.ts), and a model trained on such an encoder.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTrainingConfig } from '../../src/config/load.js';
import { Encoder } from '../../src/encoder/index.js';
import { pairKey } from '../../src/encoder/pairs.js';
import { trainFromConfig } from '../../src/experiment/train.js';
import { initBackend } from '../../src/training/backend.js';
import { layerKey, parseLayerKey } from '../../src/training/features.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { SentimentTask } from '../../src/tasks/sentiment/index.js';
import { TranslationQualityTask } from '../../src/tasks/translation-quality/index.js';
import { packageRoot } from '../../src/utils/paths.js';
import { FakeEncoder } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'mtl-task-layers-'));
let full: Encoder;
let layer1: Encoder;
beforeAll(async () => {
  await initBackend('wasm', { log: false });
  full = await Encoder.load('fixture:bert', { device: 'cpu' });
  layer1 = await Encoder.load('fixture:bert', { device: 'cpu', layer: 1 });
});
afterAll(async () => {
  await full.dispose();
  await layer1.dispose();
  rmSync(root, { recursive: true, force: true });
});

const sentiment = ['a warm , funny film .', 'dull and far too long .', 'one of the best of the year .', 'a mess .'].map((text, i) => ({
  text,
  label: i % 2 ? 'negative' : 'positive',
}));
const pairs = [
  { source: 'The museum opens at nine.', translation: 'Das Museum öffnet um neun.', score: 0.4 },
  { source: 'It rained all day.', translation: 'Es regnete den ganzen Tag.', score: 0.6 },
  { source: 'He left early.', translation: 'Er kam spät.', score: -1.2 },
];
const near = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)));

describe('taskLayers: a task reads its own layer of the shared encoder', () => {
  it('keys: a layer key never equals the text, a pair key or another layer’s key, and parses back', () => {
    const k = layerKey(-2, pairKey('a', 'b'));
    expect(parseLayerKey(k)).toEqual({ layer: -2, key: pairKey('a', 'b') });
    expect(parseLayerKey('plain text')).toEqual({ layer: undefined, key: 'plain text' });
    expect(new Set([layerKey(1, 'x'), layerKey(2, 'x'), 'x', layerKey(1, layerKey(1, 'x'))]).size).toBe(4);
  });

  it('sentiment at layer 1 (vectors and token states), translation quality on the last layer (cross-encoded pairs)', async () => {
    const model = await MultiTaskModel.create({
      encoder: full,
      tasks: [
        new SentimentTask({ name: 'sentiment', pooling: 'attention' }),
        new TranslationQualityTask({ name: 'translation-quality', input: 'cross' }),
      ],
      taskLayers: { sentiment: 1 },
      sharedLayers: { depth: 1, width: 16 },
      seed: 1,
      log: false,
    });
    await model.ensureFeatures({ sentiment, 'translation-quality': pairs });
    const texts = sentiment.map((e) => e.text);
    const ref = await layer1.encode(texts);
    texts.forEach((t, i) => {
      expect(near(model.features.get(layerKey(1, t))!, ref.data.subarray(i * ref.dims[1], (i + 1) * ref.dims[1]))).toBeLessThan(1e-6);
      expect(model.features.has(t)).toBe(false);
    });
    const tokens = await layer1.encodeTokens(texts);
    const [, L, d] = tokens.dims;
    const t0 = model.features.tokenLookup(layerKey(1, texts[0]!));
    expect(near(t0.states, tokens.data.subarray(0, tokens.lengths[0]! * d))).toBeLessThan(1e-6);
    void L;
    const pairRef = await full.encodePairs(pairs.map((p) => [p.source, p.translation] as [string, string]));
    pairs.forEach((p, i) => {
      const v = model.features.get(pairKey(p.source, p.translation))!;
      expect(near(v, pairRef.data.subarray(i * pairRef.dims[1], (i + 1) * pairRef.dims[1]))).toBeLessThan(1e-6);
    });
    model.dispose();
  });

  it('trains and predicts exactly as a model on an encoder loaded at that layer; saved, it reopens the layer', async () => {
    const make = (encoder: Encoder, taskLayers?: Record<string, number>) =>
      MultiTaskModel.create({
        encoder,
        tasks: [new SentimentTask({ name: 'sentiment' })],
        ...(taskLayers ? { taskLayers } : {}),
        sharedLayers: { depth: 1, width: 16 },
        seed: 3,
        log: false,
      });
    const routed = await make(full, { sentiment: 1 });
    const direct = await make(layer1);
    for (const m of [routed, direct]) await m.fit({ sentiment: { train: sentiment } }, { steps: 5, batchSize: 4, seed: 3, log: false });
    const probe = ['a warm , funny film .', 'a mess .', 'not bad at all .'];
    const a = await routed.predict('sentiment', probe);
    const b = await direct.predict('sentiment', probe);
    a.forEach((p, i) => expect(Math.abs(p.score - b[i]!.score)).toBeLessThan(1e-6));
    // and not what the last layer gives
    const plain = await make(full);
    await plain.fit({ sentiment: { train: sentiment } }, { steps: 5, batchSize: 4, seed: 3, log: false });
    const p = await plain.predict('sentiment', probe);
    expect(Math.max(...p.map((x, i) => Math.abs(x.score - a[i]!.score)))).toBeGreaterThan(1e-4);
    plain.dispose();
    const dir = join(root, 'routed');
    await routed.save(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      taskLayers?: Record<string, number>;
      encoder: { layer?: number };
    };
    expect(manifest.taskLayers).toEqual({ sentiment: 1 });
    expect(manifest.encoder.layer).toBeUndefined();
    const loaded = await MultiTaskModel.fromPretrained(dir);
    const c = await loaded.predict('sentiment', probe);
    c.forEach((p, i) => expect(Math.abs(p.score - a[i]!.score)).toBeLessThan(1e-6));
    for (const m of [routed, direct, loaded]) m.dispose();
    await loaded.encoder?.dispose();
  });

  it('errors: an unknown task, a layer that is not an integer, an encoder that cannot open layers', async () => {
    const tasks = () => [new SentimentTask({ name: 'sentiment' })];
    await expect(MultiTaskModel.create({ encoder: full, tasks: tasks(), taskLayers: { sentimnet: 1 }, log: false })).rejects.toThrow(
      /taskLayers\.sentimnet: no task named "sentimnet" \(tasks: sentiment\)/,
    );
    await expect(MultiTaskModel.create({ encoder: full, tasks: tasks(), taskLayers: { sentiment: 0.5 }, log: false })).rejects.toThrow(
      /taskLayers\.sentiment: the layer must be an integer/,
    );
    const fake = await MultiTaskModel.create({ encoder: new FakeEncoder(16), tasks: tasks(), taskLayers: { sentiment: 1 }, log: false });
    await expect(fake.ensureFeatures({ sentiment })).rejects.toThrow(
      /a task reads encoder layer 1, but the encoder .* cannot open other layers \(no atLayer\)/,
    );
    fake.dispose();
  });
});

describe('Encoder.atLayer', () => {
  it('opens a layer once, is itself for its own layer, and disposes what it opened', async () => {
    const enc = await Encoder.load('fixture:bert', { device: 'cpu' });
    expect(await enc.atLayer(-1)).toBe(enc);
    expect(await enc.atLayer(2)).toBe(enc);
    const one = await enc.atLayer(1);
    expect(one).not.toBe(enc);
    expect(one.info.layer).toEqual({ index: 1, of: 2 });
    expect(await enc.atLayer(1)).toBe(one);
    const v = await one.encode(['a mess .']);
    expect(near(v.data, (await layer1.encode(['a mess .'])).data)).toBe(0);
    await enc.dispose();
    await expect(one.encode(['a mess .'])).rejects.toThrow(/disposed/);
    // an encoder cut at layer 1 opens the whole model's last layer as another encoder
    const cut = await Encoder.load('fixture:bert', { device: 'cpu', layer: 1 });
    expect(await cut.atLayer(1)).toBe(cut);
    const last = await cut.atLayer(-1);
    expect(last).not.toBe(cut);
    expect(near((await last.encode(['a mess .'])).data, (await full.encode(['a mess .'])).data)).toBe(0);
    await cut.dispose();
  });
});

describe('the joint configs of docs/benchmarks.md (benchmarks/configs/joint-*.yaml)', () => {
  it('parse, and read the layers their names say', () => {
    const dir = join(packageRoot(), 'benchmarks', 'configs');
    const layers = (name: string) => {
      const c = loadTrainingConfig(join(dir, `joint-${name}.yaml`));
      return { encoder: c.encoder.layer, tasks: c.taskConfigs.map((t) => [t.name, t.layer]) };
    };
    expect(layers('last')).toEqual({
      encoder: undefined,
      tasks: [
        ['sentiment', undefined],
        ['translation-quality', undefined],
        ['summarization', undefined],
      ],
    });
    expect(layers('task-layers')).toEqual({
      encoder: undefined,
      tasks: [
        ['sentiment', 4],
        ['translation-quality', 4],
        ['summarization', undefined],
      ],
    });
    expect(layers('layer4')).toEqual({
      encoder: 4,
      tasks: [
        ['sentiment', undefined],
        ['translation-quality', undefined],
        ['summarization', undefined],
      ],
    });
  });
});

describe('the training config: tasks[].layer', () => {
  it('reaches the model (manifest)', async () => {
    const tasksDir = join(packageRoot(), 'tasks');
    const file = join(root, 'train.yaml');
    writeFileSync(
      file,
      [
        'encoder: { model: fixture:bert }',
        'tasks:',
        `  - { config: ${join(tasksDir, 'sentiment.yaml')}, layer: 1 }`,
        `  - { config: ${join(tasksDir, 'translation-quality.yaml')} }`,
        'sharedLayers: { depth: 1, width: 16, dropout: 0 }',
        'training:',
        '  steps: 2',
      ].join('\n'),
    );
    expect(loadTrainingConfig(file).taskConfigs.map((t) => t.layer)).toEqual([1, undefined]);
    const run = await trainFromConfig({
      config: file,
      sample: true,
      limit: { train: 8, dev: 4 },
      baselines: false,
      steps: 2,
      batchSize: 4,
    });
    expect(Object.fromEntries(run.model.taskLayers)).toEqual({ sentiment: 1 });
    run.model.dispose();
    await run.model.encoder?.dispose();
    writeFileSync(file, readFileSync(file, 'utf8').replace('layer: 1', 'layer: one'));
    expect(() => loadTrainingConfig(file)).toThrow(/tasks\.0\.layer/);
  });

  it('encoder.workers: the training encoder runs its batches in that many workers; the manifest does not record it', async () => {
    const tasksDir = join(packageRoot(), 'tasks');
    const file = join(root, 'train-workers.yaml');
    const body = (w: string) =>
      [
        `encoder: { model: fixture:bert, workers: ${w} }`,
        'tasks:',
        `  - { config: ${join(tasksDir, 'sentiment.yaml')} }`,
        'sharedLayers: { depth: 1, width: 16, dropout: 0 }',
        'training:',
        '  steps: 2',
      ].join('\n');
    writeFileSync(file, body('2'));
    expect(loadTrainingConfig(file).encoder.workers).toBe(2);
    const run = await trainFromConfig({
      config: file,
      sample: true,
      limit: { train: 8, dev: 4 },
      baselines: false,
      steps: 2,
      batchSize: 4,
    });
    expect(run.model.encoder?.info.workers).toBe(2);
    expect(JSON.stringify(run.model.encoderIdentity)).not.toContain('workers');
    run.model.dispose();
    await run.model.encoder?.dispose();
    writeFileSync(file, body('0'));
    expect(() => loadTrainingConfig(file)).toThrow(/encoder\.workers/);
  });

  it("a baseline on “the same encoder” (TextRank) reads the task's layer", async () => {
    const tasksDir = join(packageRoot(), 'tasks');
    const textrank = async (encoder: string, taskLayer: string) => {
      const file = join(root, `sum-${encoder.length}-${taskLayer.length}.yaml`);
      writeFileSync(
        file,
        [
          `encoder: ${encoder}`,
          'tasks:',
          `  - { config: ${join(tasksDir, 'summarization.yaml')}${taskLayer} }`,
          'training:',
          '  steps: 1',
        ].join('\n'),
      );
      const run = await trainFromConfig({ config: file, sample: true, limit: { train: 4, dev: 4 }, steps: 1, batchSize: 2 });
      run.model.dispose();
      await run.model.encoder?.dispose();
      return run.report.tasks.summarization!.baselines.textrank!;
    };
    const atTask = await textrank('{ model: fixture:bert }', ', layer: 1');
    const atEncoder = await textrank('{ model: fixture:bert, layer: 1 }', '');
    const last = await textrank('{ model: fixture:bert }', '');
    expect(atTask).toEqual(atEncoder);
    expect(atTask).not.toEqual(last);
  });
});
