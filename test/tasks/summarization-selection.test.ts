/** Summarization's conditional selection (`input.selection: conditional`): redundancy learnt in training. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTaskConfig } from '../../src/config/load.js';
import type { TaskConfig } from '../../src/config/schema.js';
import { TaskConfigSchema } from '../../src/config/schema.js';
import { createTask } from '../../src/config/tasks.js';
import { inferenceContext, seededContext } from '../../src/nn/layers.js';
import { ParamStore } from '../../src/nn/params.js';
import { greedyOracle, selectionFeatures, similarityMatrix, SummarizationTask, type SummarizationExample } from '../../src/tasks/index.js';
import { initBackend } from '../../src/training/backend.js';
import { FeatureStore } from '../../src/training/features.js';
import { MultiTaskModel } from '../../src/training/model.js';
import * as tf from '../../src/utils/tf.js';
import { packageRoot } from '../../src/utils/paths.js';
import { Rng } from '../../src/utils/random.js';

let dir: string;
beforeAll(async () => {
  await initBackend('cpu', { log: false });
  dir = mkdtempSync(join(tmpdir(), 'mtl-sum-selection-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// s0 and s1 are the same sentence (the same vector); s2 is orthogonal to them.
const DUP = 'The minister resigned on Monday.';
const OTHER = 'Markets rose after the news.';
const DOC: SummarizationExample = { sentences: [DUP, DUP, OTHER] };
const VEC: Record<string, Float32Array> = { [DUP]: Float32Array.from([1, 0, 0]), [OTHER]: Float32Array.from([0, 1, 0]) };
const lookup = (s: string) => VEC[s] as Float32Array;

/**
 * A head set by hand (input width 3, hidden 1): pre-activation 2·h₀, so s0 and s1 score
 * gelu(2) ≈ 1.9546 and s2 gelu(0) = 0; the selection state enters the logit as −10 × (highest
 * similarity to a selected sentence) and not at all through the hidden layer.
 */
function handHead(selection: 'independent' | 'conditional'): SummarizationTask {
  const t = new SummarizationTask({ hidden: 1, selection, inference: { sentences: 2, trigramBlocking: false } });
  const store = new ParamStore(1);
  t.buildHead(store, 3, 'h');
  const set = (name: string, values: number[]) => store.get(name).assign(tf.tensor(values, store.get(name).shape));
  const w1 = new Array<number>(store.get('h.hidden.weight').size).fill(0);
  w1[0] = 2; // row 0 (h₀) → hidden unit 0
  set('h.hidden.weight', w1);
  set('h.out.weight', [1]);
  if (selection === 'conditional') {
    set('h.selected.hidden', [0, 0]);
    set('h.selected.skip', [-10, 0]);
  }
  return t;
}
const GELU2 = 0.5 * 2 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (2 + 0.044715 * 8)));

function run(t: SummarizationTask, examples: SummarizationExample[], training = false) {
  const batch = t.makeBatch(examples, lookup, 3);
  const out = tf.tidy(() =>
    t.forward(tf.tensor2d(batch.rows, [batch.numRows, 3]), batch, training ? seededContext(1) : inferenceContext()),
  );
  return { batch, out };
}

describe('selection-state features', () => {
  it('after picking one of two identical sentences, the other has redundancy input 1.0 (count 1); nothing picked → zeros', () => {
    const sim = similarityMatrix([DUP, DUP, OTHER].map(lookup));
    expect(selectionFeatures(sim, [])).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    expect(selectionFeatures(sim, [0])).toEqual([
      [0, 1], // a sentence is not redundant with itself
      [1, 1],
      [0, 1],
    ]);
    expect(selectionFeatures(sim, [0, 2])).toEqual([
      [0, 2],
      [1, 2],
      [0, 2],
    ]);
  });

  it('teacher forcing: one state per prefix of the oracle order, selected sentences weighted out of the loss', () => {
    const t = new SummarizationTask({ selection: 'conditional' });
    const batch = t.makeBatch([{ ...DOC, labels: [1, 0, 1] }], lookup, 3);
    // explicit labels: order [0, 2] → states {}, {0}, {0, 2}
    expect(batch.states!.steps).toBe(3);
    expect(Array.from(batch.states!.weights)).toEqual([1, 1, 1, 0, 1, 1, 0, 1, 0]);
    expect(Array.from(batch.states!.features)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 2, 1, 2, 0, 2]);
    // from a summary: the oracle's own order (OTHER first, it matches more of the reference)
    const e = { sentences: [DUP, 'Cats sleep.', OTHER], summary: 'Markets rose after the news of the minister. Cats sleep.' };
    const order = greedyOracle(e.sentences, e.summary).order;
    expect(order[0]).toBe(2);
    const b2 = t.makeBatch([e], (x) => VEC[x] ?? Float32Array.from([0, 0, 1]), 3);
    const S = b2.states!.steps;
    expect(S).toBe(order.length + 1);
    expect(b2.states!.weights[1 * 3 + 2]).toBe(0); // state 1: s2 selected
    expect(b2.states!.features[(1 * 3 + 0) * 2]).toBeCloseTo(0, 6); // s0 vs s2: orthogonal
  });
});

describe('greedy conditional inference', () => {
  it('re-scores after each pick: the duplicate drops by 10 and s2 is taken instead (independent selection takes the duplicate)', () => {
    const indep = handHead('independent');
    const a = run(indep, [DOC]);
    expect(indep.decode(a.out, a.batch)[0]!.sentences.map((s) => s.index)).toEqual([0, 1]);
    a.out.dispose();

    const t = handHead('conditional');
    const { batch, out } = run(t, [DOC]);
    expect(out.shape).toEqual([1, 3, 3, 2]); // states after 0, 1, 2 picks
    const v = Array.from(out.dataSync());
    const logit = (s: number, i: number) => v[(s * 3 + i) * 2]!;
    const weight = (s: number, i: number) => v[(s * 3 + i) * 2 + 1]!;
    expect([logit(0, 0), logit(0, 1), logit(0, 2)].map((x) => x.toFixed(4))).toEqual([GELU2, GELU2, 0].map((x) => x.toFixed(4)));
    expect(logit(1, 1)).toBeCloseTo(GELU2 - 10, 4); // redundancy input 1.0 × −10
    expect(logit(1, 2)).toBeCloseTo(0, 6);
    expect([0, 1, 2].map((i) => weight(1, i))).toEqual([0, 1, 1]);
    expect([0, 1, 2].map((i) => weight(2, i))).toEqual([0, 1, 0]);
    const [p] = t.decode(out, batch);
    expect(p!.sentences.map((s) => s.index)).toEqual([0, 2]);
    expect(p!.sentences[1]!.score).toBeCloseTo(0.5, 6); // the probability it was picked with
    expect(p!.scores.map((x) => x.toFixed(4))).toEqual([GELU2, GELU2, 0].map((x) => (1 / (1 + Math.exp(-x))).toFixed(4)));
    // the dev loss runs along the head's own picks: BCE over the weighted (not yet selected) sentences
    const y = [1, 0, 1];
    const bce = (x: number, t: number) => Math.max(x, 0) - x * t + Math.log(1 + Math.exp(-Math.abs(x)));
    const want: number[] = [];
    for (let s = 0; s < 3; s++) for (let i = 0; i < 3; i++) if (weight(s, i)) want.push(bce(logit(s, i), y[i]!));
    const lb = t.makeBatch([{ ...DOC, labels: y }], lookup, 3);
    const l = tf.tidy(() => t.loss(out, lb));
    expect(l.dataSync()[0]).toBeCloseTo(want.reduce((a, b) => a + b, 0) / want.length, 5);
    tf.dispose([l, out]);
  });

  it('forward, decode and loss leak no tensors (training and inference)', () => {
    const t = handHead('conditional');
    const docs = [
      { ...DOC, labels: [1, 0, 1] },
      { sentences: [OTHER, DUP], labels: [0, 1] },
    ];
    run(t, docs).out.dispose(); // warm-up
    const start = tf.memory().numTensors;
    for (const training of [false, true]) {
      const { batch, out } = run(t, docs, training);
      if (!training) t.decode(out, batch);
      t.scores(out, batch);
      tf.tidy(() => t.loss(out, batch)).dispose();
      out.dispose();
    }
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('the option in YAML and in saved models', () => {
  it('input.selection parsed (default independent); a bad value names the field', () => {
    const cfg = loadTaskConfig(join(packageRoot(), 'tasks', 'summarization.yaml'));
    const t = createTask({ ...cfg, input: { features: ['redundancy'], selection: 'conditional' } } as TaskConfig) as SummarizationTask;
    expect(t.selection).toBe('conditional');
    expect(TaskConfigSchema.parse({ ...cfg, input: { features: [] } }).input).toEqual({ features: [], selection: 'independent' });
    expect((createTask(TaskConfigSchema.parse({ ...cfg, input: {} })) as SummarizationTask).selection).toBe('independent');
    const yaml = readFileSync(join(packageRoot(), 'tasks', 'summarization.yaml'), 'utf8').replace(
      /^input: .*$/m,
      'input: { features: [textrank], selection: greedy }',
    );
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, yaml);
    expect(() => loadTaskConfig(file)).toThrow(/input\.selection.*independent.*conditional/);
    expect(() => new SummarizationTask({ selection: 'greedy' as never })).toThrow(/selection/);
  });

  it('saved in the spec; a conditional model predicts the same after load; a spec without the option is independent', async () => {
    const rng = new Rng(3);
    const DIM = 6;
    const store = new FeatureStore(DIM);
    const topic = Float32Array.from({ length: DIM }, () => rng.normal());
    const examples: SummarizationExample[] = Array.from({ length: 20 }, (_, d) => {
      const sentences = Array.from({ length: 7 }, (_, i) => `doc ${d} sentence ${i}`);
      sentences.forEach((s, i) =>
        store.set(
          s,
          Float32Array.from({ length: DIM }, (_, j) => ((i + d) % 3 === 0 ? 2 * topic[j]! : 0) + rng.normal()),
        ),
      );
      return { sentences, labels: sentences.map((_, i) => ((i + d) % 3 === 0 ? 1 : 0)) };
    });
    // (the synthetic sentences share trigrams: no blocking)
    const task = new SummarizationTask({
      selection: 'conditional',
      features: ['redundancy'],
      inference: { sentences: 3, trigramBlocking: false },
    });
    expect(task.toSpec().config.selection).toBe('conditional');
    expect(SummarizationTask.fromSpec(task.toSpec()).selection).toBe('conditional');
    const { selection: _s, ...old } = task.toSpec().config;
    expect(SummarizationTask.fromSpec({ ...task.toSpec(), config: old }).selection).toBe('independent');

    const model = await MultiTaskModel.create({ encoder: { dim: DIM }, tasks: [task], features: store, seed: 5, log: false });
    const counts: Record<number, number> = {};
    await model.fit(
      { summarization: { train: examples.slice(0, 16), dev: examples.slice(16) } },
      { steps: 30, batchSize: 4, log: false, seed: 5, evalEvery: 10, onProgress: (e) => void (counts[e.step] = tf.memory().numTensors) },
    );
    expect(counts[30]).toBe(counts[10]); // no leak across steps and evaluations
    const dev = examples.slice(16);
    const before = await model.predict('summarization', dev);
    expect(before[0]!.sentences.length).toBe(3);
    const out = join(dir, 'conditional');
    await model.save(out);
    expect(MultiTaskModel.readManifest(out).tasks[0]!.config.selection).toBe('conditional');
    const loaded = await MultiTaskModel.load(out, { features: store, log: false });
    expect((loaded.task('summarization') as SummarizationTask).selection).toBe('conditional');
    expect(await loaded.predict('summarization', dev)).toEqual(before);

    // summarize with another length: the head selects under it (as predict with that inference), and
    // the task's own inference is left as it was
    const doc = dev[0]!.sentences;
    const two = await loaded.summarize(doc, { sentences: 2 });
    const t = loaded.task('summarization') as SummarizationTask;
    expect(t.inference).toEqual({ sentences: 3, trigramBlocking: false });
    t.inference = { sentences: 2, trigramBlocking: false };
    const [direct] = await loaded.predict('summarization', [{ sentences: doc }]);
    t.inference = { sentences: 3, trigramBlocking: false };
    expect(two).toEqual(direct);
    expect(two.sentences.length).toBe(2);
    // summarize is predict with the call's selection; concurrent calls with different selections do not mix
    const [viaPredict, viaDefault] = await Promise.all([
      loaded.predict('summarization', [doc], { selection: { sentences: 2 } }),
      loaded.predict('summarization', [doc]),
    ]);
    expect(viaPredict).toEqual([two]);
    expect(viaDefault![0]!.sentences.length).toBe(3);
    expect(t.inference).toEqual({ sentences: 3, trigramBlocking: false });
    await expect(loaded.predict('summarization', [doc], { selection: { sentences: 0 } })).rejects.toThrow(
      /task "summarization": selection: sentences: Too small/,
    );
    await expect(loaded.predict('summarization', [doc], { selection: { sentence: 2 } as never })).rejects.toThrow(
      /Unrecognized key: "sentence"/,
    );
    await expect(loaded.summarize(doc, { task: 'nope' })).rejects.toThrow(/unknown task "nope"/);
    model.dispose();
    loaded.dispose();
  });
});
