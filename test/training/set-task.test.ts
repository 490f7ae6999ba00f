import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/training/backend.js';
import { FeatureStore } from '../../src/training/features.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { registerTaskType } from '../../src/tasks/registry.js';
import { Rng } from '../../src/utils/random.js';
import { makeTasks, synthetic } from './helpers.js';
import { SentenceSetTask, type DocExample } from './fixtures/sentence-set-task.js';

const root = mkdtempSync(join(tmpdir(), 'mtl-set-'));
beforeAll(async () => {
  await initBackend('wasm', { log: false });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('set-of-sentences input through the Task interface', () => {
  it('trains a sentence-scoring task next to single and pair tasks, saves and reloads through the registry', async () => {
    const s = synthetic({ n: 64, dim: 8 });
    const features: FeatureStore = s.features;
    const rng = new Rng(12);
    const w = Float32Array.from({ length: 8 }, () => rng.normal());
    // a sentence is "in the summary" when its vector points along w; documents of 3..9 sentences
    const docs: DocExample[] = Array.from({ length: 60 }, (_, d) => {
      const n = 3 + rng.int(7);
      const sentences: string[] = [];
      const labels: number[] = [];
      for (let j = 0; j < n; j++) {
        const v = Float32Array.from({ length: 8 }, () => rng.normal());
        const t = `d${d}s${j}`;
        features.set(t, v);
        sentences.push(t);
        labels.push(v.reduce((a, x, k) => a + x * w[k]!, 0) > 0 ? 1 : 0);
      }
      return { sentences, labels };
    });
    const model = await MultiTaskModel.create({
      encoder: { dim: 8 },
      tasks: [...makeTasks(), new SentenceSetTask({ name: 'summ', hidden: 16 })],
      sharedLayers: { depth: 1, width: 16, dropout: 0 },
      seed: 5,
      features,
      log: false,
    });
    const h = await model.fit(
      { cls: s.cls, reg: s.reg, summ: { train: docs.slice(0, 45), dev: docs.slice(45) } },
      { steps: 120, batchSize: 8, evalEvery: 120, optimizer: { type: 'adamw', lr: 1e-2 }, log: false, logFile: false },
    );
    const acc = h.evals[h.evals.length - 1]!.metrics.summ!.accuracy!;
    expect(acc).toBeGreaterThan(0.75);
    const preds = await model.predict<number[]>('summ', docs.slice(45, 48));
    expect(preds.map((p) => p.length)).toEqual(docs.slice(45, 48).map((d) => d.sentences.length));

    registerTaskType('test-sentence-set', (spec) => new SentenceSetTask({ name: spec.name, hidden: spec.config.hidden as number }));
    await model.save(join(root, 'm'));
    const again = await MultiTaskModel.load(join(root, 'm'), { features });
    expect(await again.predict('summ', docs.slice(45, 48))).toEqual(preds);
    model.dispose();
    again.dispose();
  });
});
