import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/training/backend.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { checkpointPath, readPointer } from '../../src/training/checkpoint.js';
import type { FitOptions } from '../../src/training/trainer.js';
import { FakeEncoder, makeTasks, maxAbsDiff, paramsWithPrefix, synthetic } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'mtl-ckpt-'));
beforeAll(async () => {
  await initBackend('wasm', { log: false });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const s = synthetic({ n: 80 });
const data = { cls: s.cls, reg: s.reg };

async function newModel(arch: 'hard' | 'mmoe' = 'hard') {
  return MultiTaskModel.create({
    encoder: { dim: 16 },
    tasks: makeTasks(),
    architecture: arch === 'mmoe' ? { type: 'mmoe', experts: 2 } : { type: 'hard' },
    sharedLayers: { depth: 2, width: 16, dropout: 0.2 },
    seed: 7,
    features: s.features,
    log: false,
  });
}

const base: FitOptions = {
  steps: 24,
  batchSize: 16,
  sampling: { type: 'proportional' },
  optimizer: { type: 'adamw', lr: 3e-3, weightDecay: 0.01 },
  schedule: { warmup: 4, decay: 'cosine' },
  clipNorm: 1,
  evalEvery: 8,
  seed: 11,
  log: false,
};

describe('checkpoints and resume', () => {
  for (const weighting of [{ type: 'rlw' }, { type: 'uncertainty' }] as const) {
    it(`a run resumed mid-training ends with the same weights as an uninterrupted run (${weighting.type}, dropout, mmoe)`, async () => {
      const full = await newModel('mmoe');
      const h1 = await full.fit(data, { ...base, weighting, checkpoints: { dir: join(root, `full-${weighting.type}`) } });
      expect(h1.completedSteps).toBe(24);
      const ref = paramsWithPrefix(full.store, '');
      const refRel = full.taskRelations();

      const dir = join(root, `resume-${weighting.type}`);
      const a = await newModel('mmoe');
      const hA = await a.fit(data, {
        ...base,
        weighting,
        checkpoints: { dir, every: 5 },
        onProgress: (e) => (e.step === 13 ? 'stop' : undefined),
      });
      expect(hA.stopReason).toBe('stopped');
      expect(hA.completedSteps).toBe(13);
      expect(readPointer(dir)?.step).toBe(13);
      a.dispose();

      const b = await newModel('mmoe');
      const hB = await b.fit(data, { ...base, weighting, checkpoints: { dir }, resume: true });
      expect(hB.resumedFrom).toBe(13);
      expect(hB.completedSteps).toBe(24);
      expect(hB.steps.length).toBe(24);
      expect(maxAbsDiff(ref, paramsWithPrefix(b.store, ''))).toBeLessThanOrEqual(1e-6);
      expect(hB.steps.map((x) => x.losses)).toEqual(h1.steps.map((x) => x.losses));
      expect(hB.steps.map((x) => x.lambdas)).toEqual(h1.steps.map((x) => x.lambdas));
      expect(b.taskRelations()).toEqual(refRel);
      full.dispose();
      b.dispose();
    });
  }

  it('keeps only latest and best, with atomic pointers and a JSONL log', async () => {
    const dir = join(root, 'keep');
    const m = await newModel();
    const h = await m.fit(data, {
      ...base,
      checkpoints: { dir, keep: 'both', every: 4 },
      earlyStopping: { metric: 'cls.accuracy', patience: 100 },
    });
    const latest = readPointer(dir, 'latest');
    const best = readPointer(dir, 'best');
    expect(latest?.step).toBe(24);
    expect(best?.step).toBe(h.best?.step);
    const folders = readdirSync(dir).filter((n) => n.startsWith('ckpt-'));
    expect(new Set(folders)).toEqual(new Set([latest!.checkpoint, best!.checkpoint]));
    expect(readdirSync(dir).some((n) => n.startsWith('.tmp'))).toBe(false);
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'step').length).toBe(24);
    expect(lines.filter((l) => l.type === 'eval').length).toBe(3);
    expect(lines.find((l) => l.type === 'step').lambdas).toEqual({ cls: 1, reg: 1 });
    m.dispose();
  });

  it('early-stops on delta_m with baselines and restores the best weights', async () => {
    const m = await newModel();
    const h = await m.fit(data, {
      ...base,
      steps: 60,
      evalEvery: 2,
      optimizer: { type: 'adamw', lr: 0.05 },
      earlyStopping: { metric: 'delta_m', patience: 2, baselines: { cls: { accuracy: 0.5 }, reg: { pearson: 0.3 } } },
    });
    expect(h.evals.every((e) => typeof e.delta_m === 'number')).toBe(true);
    expect(h.stopReason).toBe('early-stopping');
    expect(h.completedSteps).toBeLessThan(60);
    // stopped after `patience` evaluations without improvement
    const last = h.evals.slice(-2);
    expect(last.every((e) => e.improved === false)).toBe(true);
    // the best weights are back: evaluating now reproduces the best evaluation
    const metrics = await m.evaluate({ cls: s.cls.dev, reg: s.reg.dev });
    const bestEval = h.evals.find((e) => e.step === h.best!.step)!;
    expect(h.best!.metric).toBe('delta_m');
    expect(metrics.cls!.accuracy).toBeCloseTo(bestEval.metrics.cls!.accuracy!, 6);
    expect(metrics.reg!.pearson).toBeCloseTo(bestEval.metrics.reg!.pearson!, 5);
    m.dispose();
  });
});

describe('save / load', () => {
  it('save → load gives identical predictions and relations; manifest has the identity', async () => {
    const enc = new FakeEncoder(16);
    const [cls, reg] = makeTasks();
    const model = await MultiTaskModel.create({
      encoder: enc,
      tasks: [cls, reg],
      architecture: { type: 'cross-stitch' },
      sharedLayers: { depth: 1, width: 8, dropout: 0.1 },
      seed: 3,
      log: false,
    });
    const train = {
      cls: { train: s.cls.train.map((e) => ({ ...e, text: 'x ' + e.text })) },
      reg: { train: s.reg.train.map((e) => ({ ...e, a: 'x ' + e.a, b: 'x ' + e.b })).concat([{ a: 'x c0', b: 'x c1', score: 0.2 }]) },
    };
    await model.fit(train, { steps: 10, batchSize: 16, log: false, logFile: false });
    // each distinct text encoded once ('x c0' is shared by both tasks)
    expect(enc.encodedTexts.length).toBe(new Set(enc.encodedTexts).size);
    const dir = join(root, 'saved');
    await model.save(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.package.name).toBe('mtl-nlp');
    expect(manifest.encoder).toMatchObject({ model: 'fake/encoder', sha256: 'a'.repeat(64), dtype: 'fp32', pooling: 'mean', dim: 16 });
    expect(manifest.tasks[0]).toMatchObject({ type: 'classification', name: 'cls', config: { labels: ['neg', 'neu', 'pos'] } });
    expect(manifest.relations.type).toBe('cross-stitch');
    expect(manifest.backend).toBe('wasm');
    expect(manifest.training.batchSize).toBe(16);
    expect(manifest.weighting.config).toEqual({ type: 'equal' });

    const again = await MultiTaskModel.load(dir, { encoder: enc });
    const probe = [{ text: 'hello' }, { text: 'x c3' }];
    const pairs = [
      { a: 'x a1', b: 'x b2' },
      { a: 'new', b: 'x a1' },
    ];
    expect(await again.predict('cls', probe)).toEqual(await model.predict('cls', probe));
    expect(await again.predict('reg', pairs)).toEqual(await model.predict('reg', pairs));
    expect(again.taskRelations()).toEqual(model.taskRelations());

    // a mismatching encoder is refused, naming both hashes
    await expect(MultiTaskModel.load(dir, { encoder: new FakeEncoder(16, 'b'.repeat(64)) })).rejects.toThrow(
      new RegExp(`${'a'.repeat(64)}.*${'b'.repeat(64)}`),
    );
    model.dispose();
    again.dispose();
  });

  it('missing, truncated or tampered weights are clear errors naming the file', async () => {
    const model = await newModel();
    await model.fit(data, { steps: 2, batchSize: 8, log: false, logFile: false });
    const dir = join(root, 'tamper');
    await model.save(dir);
    const file = join(dir, 'model.safetensors');
    const orig = readFileSync(file);
    writeFileSync(file, orig.subarray(0, orig.length - 10));
    await expect(MultiTaskModel.load(dir)).rejects.toThrow(/model\.safetensors.*(truncated|bytes)/);
    const flipped = Buffer.from(orig);
    flipped[flipped.length - 3] = (flipped[flipped.length - 3] as number) ^ 0xff;
    writeFileSync(file, flipped);
    await expect(MultiTaskModel.load(dir)).rejects.toThrow(/model\.safetensors: sha256/);
    const badHeader = Buffer.from(orig);
    badHeader.writeBigUInt64LE(10n ** 12n, 0);
    writeFileSync(file, badHeader);
    await expect(MultiTaskModel.load(dir)).rejects.toThrow(/model\.safetensors.*header length/);
    unlinkSync(file);
    await expect(MultiTaskModel.load(dir)).rejects.toThrow(/model\.safetensors: missing/);
    await expect(MultiTaskModel.load(join(root, 'nowhere'))).rejects.toThrow(/manifest\.json: missing/);
    expect(existsSync(join(dir, 'manifest.json'))).toBe(true);
    model.dispose();
  });

  it('checkpoint folders load as models', async () => {
    const dir = join(root, 'full-rlw');
    const path = checkpointPath(dir);
    // the latest checkpoint of that 24-step run is its last step
    expect(readPointer(dir)?.step).toBe(24);
    expect(path).toBe(join(dir, readPointer(dir)!.checkpoint));
    const m = await MultiTaskModel.load(path!);
    expect(m.taskNames).toEqual(['cls', 'reg']);
    m.dispose();
  });
});
