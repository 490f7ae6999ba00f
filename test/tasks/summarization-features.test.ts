/** Summarization's document-context features (textrank, centrality, redundancy) and their saved option. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosineSimilarity, textrank } from '../../src/baselines/summarization.js';
import { loadTaskConfig } from '../../src/config/load.js';
import { createTask } from '../../src/config/tasks.js';
import type { TaskConfig } from '../../src/config/schema.js';
import { TaskConfigSchema } from '../../src/config/schema.js';
import { documentFeatures, POSITION_FEATURES, SummarizationTask, type SummarizationExample } from '../../src/tasks/index.js';
import { initBackend } from '../../src/training/backend.js';
import { FeatureStore } from '../../src/training/features.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { packageRoot } from '../../src/utils/paths.js';
import { Rng } from '../../src/utils/random.js';

const DIM = 6;
let dir: string;
beforeAll(async () => {
  await initBackend('cpu', { log: false });
  dir = mkdtempSync(join(tmpdir(), 'mtl-sum-features-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function docs(n: number): { store: FeatureStore; examples: SummarizationExample[] } {
  const rng = new Rng(11);
  const store = new FeatureStore(DIM);
  const topic = Float32Array.from({ length: DIM }, () => rng.normal());
  const examples: SummarizationExample[] = [];
  for (let d = 0; d < n; d++) {
    const sentences: string[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 8; i++) {
      const central = (i + d) % 4 === 0;
      const s = `doc ${d} sentence ${i}`;
      store.set(
        s,
        Float32Array.from({ length: DIM }, (_, j) => (central ? 2 * (topic[j] as number) : 0) + rng.normal()),
      );
      sentences.push(s);
      labels.push(central ? 1 : 0);
    }
    examples.push({ sentences, labels });
  }
  return { store, examples };
}

describe('document-context features', () => {
  it('textrank is n × the TextRank baseline score − 1; centrality the mean cosine to the others; redundancy the max cosine to an earlier sentence', () => {
    const rng = new Rng(2);
    const v = Array.from({ length: 5 }, () => Float32Array.from({ length: DIM }, () => rng.normal()));
    const f = documentFeatures(v, ['textrank', 'centrality', 'redundancy']);
    const tr = textrank(
      v.map((_, i) => `s${i}`),
      v,
    ).scores!;
    for (let i = 0; i < 5; i++) {
      expect(f[i]![0]).toBeCloseTo(5 * tr[i]! - 1, 10);
      const others = v.filter((_, j) => j !== i).map((w) => cosineSimilarity(v[i]!, w));
      expect(f[i]![1]).toBeCloseTo(others.reduce((a, b) => a + b, 0) / 4, 10);
      const earlier = v.slice(0, i).map((w) => cosineSimilarity(v[i]!, w));
      expect(f[i]![2]).toBeCloseTo(Math.max(0, ...earlier), 10);
    }
  });

  it('config input.features reaches the task; makeBatch appends them after the position features', () => {
    const cfg = loadTaskConfig(join(packageRoot(), 'tasks', 'summarization.yaml'));
    const t = createTask({ ...cfg, input: { features: ['centrality', 'redundancy'] } } as TaskConfig) as SummarizationTask;
    expect(t.features).toEqual(['centrality', 'redundancy']);
    // the YAML schema refuses options another task owns or does not know (each task declares its own)
    expect(() => TaskConfigSchema.parse({ ...cfg, input: { features: ['lexicon'] } })).toThrow();
    const { store, examples } = docs(2);
    const b = t.makeBatch(examples, store.lookup, DIM);
    const P = POSITION_FEATURES + 2;
    expect(b.positions).toHaveLength(2 * 8 * P);
    const expected = documentFeatures(
      examples[1]!.sentences.map((s) => store.lookup(s)),
      ['centrality', 'redundancy'],
    );
    expect(b.positions[(8 + 3) * P + POSITION_FEATURES]).toBeCloseTo(expected[3]![0]!, 6);
    expect(b.positions[(8 + 3) * P + POSITION_FEATURES + 1]).toBeCloseTo(expected[3]![1]!, 6);
  });

  it('new vectors for the same example (a fine-tuned encoder, a refilled store) give its features anew; the same vectors reuse them', () => {
    const t = new SummarizationTask({ name: 's', features: ['centrality', 'redundancy'], selection: 'conditional' });
    const { store, examples } = docs(2);
    const P = POSITION_FEATURES + 2;
    const first = t.makeBatch(examples, store.lookup, DIM);
    // the same texts, other vectors (as after a fine-tuning step): each sentence's vector moved at random
    const rng = new Rng(3);
    const moved = new FeatureStore(DIM);
    for (const e of examples)
      for (const s of e.sentences)
        moved.set(
          s,
          store.lookup(s).map((x) => x + rng.normal()),
        );
    const second = t.makeBatch(examples, moved.lookup, DIM);
    const fresh = new SummarizationTask({ name: 's', features: ['centrality', 'redundancy'], selection: 'conditional' });
    const expected = fresh.makeBatch(examples, moved.lookup, DIM);
    expect(second.positions).toEqual(expected.positions);
    expect(second.similarities).toEqual(expected.similarities);
    const at = (8 + 3) * P + POSITION_FEATURES;
    expect(Math.abs(second.positions[at]! - first.positions[at]!)).toBeGreaterThan(1e-3);
    const again = t.makeBatch(examples, moved.lookup, DIM);
    expect(again.positions).toEqual(second.positions);
  });

  it('saved with the model and predicts the same after load; specs saved before the option load without features', async () => {
    const { store, examples } = docs(24);
    const task = new SummarizationTask({ features: ['textrank', 'centrality', 'redundancy'] });
    const model = await MultiTaskModel.create({ encoder: { dim: DIM }, tasks: [task], features: store, seed: 5, log: false });
    await model.fit({ summarization: { train: examples.slice(0, 18) } }, { steps: 30, batchSize: 4, log: false, seed: 5 });
    const dev = examples.slice(18);
    const before = await model.predict('summarization', dev);
    const out = join(dir, 'features');
    await model.save(out);
    expect(MultiTaskModel.readManifest(out).tasks[0]!.config.features).toEqual(['textrank', 'centrality', 'redundancy']);
    const loaded = await MultiTaskModel.load(out, { features: store, log: false });
    expect(await loaded.predict('summarization', dev)).toEqual(before);
    model.dispose();
    loaded.dispose();

    const plain = await MultiTaskModel.create({
      encoder: { dim: DIM },
      tasks: [new SummarizationTask()],
      features: store,
      seed: 5,
      log: false,
    });
    await plain.fit({ summarization: { train: examples.slice(0, 18) } }, { steps: 5, batchSize: 4, log: false, seed: 5 });
    const plainBefore = await plain.predict('summarization', dev);
    const old = join(dir, 'old');
    await plain.save(old);
    const file = join(old, 'manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8'));
    delete m.tasks[0].config.features;
    delete m.tasks[0].config.selection;
    m.formatVersion = 1; // as version 1 wrote it: loads through the v1 → v2 migration
    writeFileSync(file, JSON.stringify(m));
    const reloaded = await MultiTaskModel.load(old, { features: store, log: false });
    expect((reloaded.task('summarization') as SummarizationTask).features).toEqual([]);
    expect(await reloaded.predict('summarization', dev)).toEqual(plainBefore);
    plain.dispose();
    reloaded.dispose();
  });
});
