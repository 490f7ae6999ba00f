import * as tf from '../../src/utils/tf.js';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTaskConfig } from '../../src/config/load.js';
import type { TaskConfig } from '../../src/config/schema.js';
import { createTask } from '../../src/config/tasks.js';
import {
  greedyOracle,
  SentimentTask,
  SummarizationTask,
  TranslationQualityTask,
  type SummarizationExample,
  type TranslationQualityExample,
} from '../../src/tasks/index.js';
import { initBackend } from '../../src/training/backend.js';
import { inferenceContext } from '../../src/nn/layers.js';
import { ParamStore } from '../../src/nn/params.js';
import { taskFromSpec, TASK_TYPES } from '../../src/tasks/registry.js';
import { packageRoot } from '../../src/utils/paths.js';

const config = (name: string): TaskConfig => loadTaskConfig(join(packageRoot(), 'tasks', `${name}.yaml`));
const DIM = 4;
/** Deterministic fake sentence vectors. */
const features = (text: string): Float32Array =>
  Float32Array.from({ length: DIM }, (_, k) => Math.sin(text.length * (k + 1) + text.charCodeAt(0)));

beforeAll(async () => {
  await initBackend('cpu', { log: false });
});

describe('sentiment', () => {
  it('a label outside the label map is an error, never a new class', () => {
    const t = new SentimentTask({ labels: ['negative', 'positive'] });
    expect(() =>
      t.prepare([
        { text: 'a', label: 'positive' },
        { text: 'b', label: 'neutral' },
        { text: 'c', label: 'neutral' },
      ]),
    ).toThrow(/labels outside the label map \["negative","positive"\]: "neutral" ×2 \(first at example 1\)/);
    expect(t.labels).toEqual(['negative', 'positive']);
    expect(() => t.makeBatch([{ text: 'b', label: 'neutral' }], features, DIM)).toThrow(/unknown label "neutral"/);
    expect(() => t.metrics([{ text: 'b', label: 'neutral' }], [{ label: 'positive', score: 1, probabilities: {}, index: 1 }])).toThrow(
      /unknown label/,
    );
  });

  it('infers a sorted label map when none is configured', () => {
    const t = new SentimentTask();
    expect(t.isPrepared()).toBe(false);
    t.prepare([
      { text: 'a', label: 'pos' },
      { text: 'b', label: 'neg' },
      { text: 'c', label: 'neu' },
    ]);
    expect(t.labels).toEqual(['neg', 'neu', 'pos']);
  });

  it('predicts { label, score, probabilities } and scores accuracy / macro-F1 / confusion', () => {
    const t = new SentimentTask({ labels: ['negative', 'neutral', 'positive'], hidden: 8 });
    const store = new ParamStore(1);
    t.buildHead(store, DIM, 'heads.sentiment');
    const ex = [{ text: 'good' }, { text: 'bad film' }, { text: 'ok' }];
    const batch = t.makeBatch(ex, features, DIM);
    expect(batch.hasTargets).toBe(false);
    const out = tf.tidy(() => t.forward(tf.tensor2d(batch.rows, [batch.numRows, DIM]), batch, inferenceContext()));
    const pred = t.decode(out, batch);
    out.dispose();
    for (const p of pred) {
      expect(Object.keys(p.probabilities)).toEqual(['negative', 'neutral', 'positive']);
      const sum = Object.values(p.probabilities).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 5);
      expect(p.score).toBe(p.probabilities[p.label as string]);
      expect(p.score).toBe(Math.max(...Object.values(p.probabilities)));
    }
    const mk = (label: string) => ({ label, score: 1, probabilities: {}, index: t.labelIndex(label) });
    const gold = [
      { text: 'a', label: 'negative' },
      { text: 'b', label: 'negative' },
      { text: 'c', label: 'positive' },
      { text: 'd', label: 'neutral' },
    ];
    const p = [mk('negative'), mk('positive'), mk('positive'), mk('neutral')];
    const m = t.metrics(gold, p);
    expect(m.accuracy).toBe(0.75);
    // F1: negative 2/3 (P 1, R .5), neutral 1, positive 2/3 (P .5, R 1)
    expect(m.macro_f1).toBeCloseTo((2 / 3 + 1 + 2 / 3) / 3, 12);
    const c = t.confusion(gold, p);
    expect(c.labels).toEqual(['negative', 'neutral', 'positive']);
    expect(c.matrix).toEqual([
      [1, 0, 1],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(c.perClass[0]).toMatchObject({ label: 'negative', precision: 1, recall: 0.5, support: 2 });
    store.dispose();
  });

  it('round-trips through its spec and the task registry', () => {
    const t = new SentimentTask({ labels: ['negative', 'positive'], hidden: 16, dropout: 0.2, primaryMetric: 'macro_f1' });
    const back = taskFromSpec(JSON.parse(JSON.stringify(t.toSpec())));
    expect(back).toBeInstanceOf(SentimentTask);
    expect(back.toSpec()).toEqual(t.toSpec());
    expect(back.primaryMetric).toBe('macro_f1');
    expect(Object.keys(TASK_TYPES)).toEqual(expect.arrayContaining(['sentiment', 'translation-quality', 'summarization']));
  });
});

describe('translation quality', () => {
  const ex = (pair: string | undefined, score: number): TranslationQualityExample => ({
    source: `s${score}`,
    translation: `t${score}`,
    score,
    ...(pair ? { pair } : {}),
  });

  it('rows are [sources…, translations…]; targets standardised; predictions in the original scale', () => {
    const t = new TranslationQualityTask({ hidden: 8 });
    const train = [ex('en-de', 1), ex('en-de', 3), ex('en-de', 5)];
    t.prepare(train);
    expect(t.targetMean).toBe(3);
    expect(t.targetStd).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(t.encoderInputs(train[0] as TranslationQualityExample)).toEqual(['s1', 't1']);
    const b = t.makeBatch(train, features, DIM);
    expect(b.numRows).toBe(6);
    expect(Array.from(b.rows.subarray(0, DIM))).toEqual(Array.from(features('s1')));
    expect(Array.from(b.rows.subarray(3 * DIM, 4 * DIM))).toEqual(Array.from(features('t1')));
    expect(b.targets?.[0]).toBeCloseTo(-2 / Math.sqrt(8 / 3), 6);
    const store = new ParamStore(1);
    t.buildHead(store, DIM, 'heads.qe');
    const pred = t.decode(tf.tensor1d([0, 1, -1]), b);
    expect(pred[0]).toBe(3);
    expect(pred[1]).toBeCloseTo(3 + Math.sqrt(8 / 3), 5);
    store.dispose();
    expect(() => new TranslationQualityTask().prepare([ex('en-de', NaN)])).toThrow(/non-finite/);
  });

  it('Pearson / Spearman / Kendall per language pair; `pearson` = mean over pairs when > 1 pair', () => {
    const t = new TranslationQualityTask({ pairs: ['en-de', 'en-zh'] });
    expect(t.metricDirections['pearson@en-zh']).toBe('higher');
    const gold = [ex('en-de', 1), ex('en-de', 2), ex('en-de', 3), ex('en-zh', 1), ex('en-zh', 2), ex('en-zh', 3)];
    const pred = [1, 2, 3, 3, 1, 2]; // en-de perfect; en-zh: r = -0.5, ρ = -0.5, τ = -1/3
    const m = t.metrics(gold, pred);
    expect(m['pearson@en-de']).toBeCloseTo(1, 12);
    expect(m['pearson@en-zh']).toBeCloseTo(-0.5, 12);
    expect(m['spearman@en-zh']).toBeCloseTo(-0.5, 12);
    expect(m['kendall@en-zh']).toBeCloseTo(-1 / 3, 12);
    expect(m.pearson).toBeCloseTo(0.25, 12);
    expect(m.kendall).toBeCloseTo((1 - 1 / 3) / 2, 12);
    expect(m.pearson_pooled).toBeCloseTo(0.25, 12); // pooled r over the six examples (here also .25)
    expect(m.mse).toBeCloseTo((0 + 0 + 0 + 4 + 1 + 1) / 6, 12);
    // one pair: plain correlations; no pair: no per-pair keys
    const one = t.metrics(gold.slice(0, 3), [3, 2, 1]);
    expect(one.pearson).toBeCloseTo(-1, 12);
    expect(one['pearson@en-de']).toBe(one.pearson);
    expect(one.pearson_pooled).toBeUndefined();
    const none = t.metrics([ex(undefined, 1), ex(undefined, 2)], [1, 2]);
    expect(Object.keys(none).sort()).toEqual(['kendall', 'mse', 'pearson', 'spearman']);
    // a pair with one example has no correlation and is left out of the mean
    const m2 = t.metrics([...gold.slice(0, 3), ex('ro-en', 5)], [1, 2, 3, 0]);
    expect(m2['pearson@ro-en']).toBeNaN();
    expect(m2.pearson).toBeCloseTo(1, 12);
  });

  it('round-trips through its spec', () => {
    const t = new TranslationQualityTask({ hidden: 8, pairs: ['en-de'], targetMean: 0.5, targetStd: 2 });
    const back = taskFromSpec(JSON.parse(JSON.stringify(t.toSpec())));
    expect(back).toBeInstanceOf(TranslationQualityTask);
    expect(back.toSpec()).toEqual(t.toSpec());
  });
});

describe('summarization', () => {
  // sentences that share no trigram
  const doc = (n: number, tag: string): string[] => Array.from({ length: n }, (_, i) => `${tag}${i} alpha${i} beta${i} topic ${i % 3}.`);

  it('batches documents padded to the longest, with a mask, position features and oracle labels', () => {
    const t = new SummarizationTask({ hidden: 8, maxSentences: 5 });
    const a: SummarizationExample = { sentences: doc(3, 'A'), summary: 'A1 alpha1 beta1 topic 1.' };
    const b: SummarizationExample = { sentences: doc(7, 'B'), labels: [0, 0, 1, 0, 0, 0, 1] };
    expect(t.encoderInputs(b)).toHaveLength(5); // capped
    t.prepare([a, b]);
    expect(t.labelsOf(a)).toEqual(greedyOracle(a.sentences, a.summary as string, { maxSentences: 3 }).labels);
    expect(t.labelsOf(a)).toEqual([0, 1, 0]);
    const batch = t.makeBatch([a, b], features, DIM);
    expect(batch.maxN).toBe(5);
    expect(batch.numRows).toBe(10);
    expect(batch.counts).toEqual([3, 5]);
    expect(Array.from(batch.mask)).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 1, 1]);
    expect(Array.from(batch.targets as Float32Array)).toEqual([0, 1, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(Array.from(batch.rows.subarray(3 * DIM, 5 * DIM)).every((x) => x === 0)).toBe(true); // padding rows
    expect(batch.hasTargets).toBe(true);
    expect(t.makeBatch([{ sentences: doc(2, 'C') }], features, DIM).hasTargets).toBe(false);
    expect(t.makeBatch([{ sentences: [] }], features, DIM).maxN).toBe(1);
  });

  it('forward gives [docs, maxN] logits; the loss is BCE over real sentences only', () => {
    const t = new SummarizationTask({ hidden: 8, dropout: 0 });
    const store = new ParamStore(3);
    t.buildHead(store, DIM, 'heads.summarization');
    const a: SummarizationExample = { sentences: doc(2, 'A'), labels: [1, 0] };
    const b: SummarizationExample = { sentences: doc(4, 'B'), labels: [0, 1, 1, 0] };
    const batch = t.makeBatch([a, b], features, DIM);
    const out = tf.tidy(() => t.forward(tf.tensor2d(batch.rows, [batch.numRows, DIM]), batch, inferenceContext()));
    expect(out.shape).toEqual([2, 4]);
    // a document's scores do not depend on the other documents of the batch (masked document mean)
    const alone = t.makeBatch([a], features, DIM);
    const outA = tf.tidy(() => t.forward(tf.tensor2d(alone.rows, [alone.numRows, DIM]), alone, inferenceContext()));
    const full = out.arraySync() as number[][];
    const single = outA.arraySync() as number[][];
    expect((full[0] as number[]).slice(0, 2).map((x) => x.toFixed(5))).toEqual((single[0] as number[]).map((x) => x.toFixed(5)));
    // hand-made logits: padding positions (doc a, 2 and 3) must not count
    const logits = tf.tensor2d([
      [2, -1, 99, -99],
      [0, 1, -2, 3],
    ]);
    const bce = (x: number, y: number) => Math.max(x, 0) - x * y + Math.log(1 + Math.exp(-Math.abs(x)));
    const expected = (bce(2, 1) + bce(-1, 0) + bce(0, 0) + bce(1, 1) + bce(-2, 1) + bce(3, 0)) / 6;
    expect(t.loss(logits, batch).dataSync()[0]).toBeCloseTo(expected, 5);
    const preds = t.decode(logits, batch);
    expect(preds[0]?.scores).toHaveLength(2);
    expect(preds[0]?.sentences.map((s) => s.index)).toEqual([0, 1]);
    expect(preds[1]?.sentences.map((s) => s.index)).toEqual([0, 1, 3]);
    expect(preds[1]?.summary).toBe([0, 1, 3].map((i) => b.sentences[i]).join('\n'));
    expect(preds[1]?.sentences[2]?.score).toBeCloseTo(1 / (1 + Math.exp(-3)), 6);
    tf.dispose([out, outA, logits]);
    store.dispose();
  });

  it('metrics: ROUGE F × 100, best over several references; labels serve as a reference', () => {
    const t = new SummarizationTask();
    const gold: SummarizationExample[] = [
      { sentences: ['x'], summary: ['the cat sat', 'a dog barked'] },
      { sentences: ['the cat sat', 'nothing'], labels: [1, 0] },
    ];
    const pred = [
      { summary: 'a dog barked', sentences: [], scores: [] },
      { summary: 'the cat sat', sentences: [], scores: [] },
    ];
    expect(t.metrics(gold, pred)).toEqual({ rouge1: 100, rouge2: 100, rougeL: 100, rougeLsum: 100 });
  });

  it('round-trips through its spec, keeping the inference selection', () => {
    const t = new SummarizationTask({
      hidden: 16,
      maxSentences: 30,
      oracleSentences: 4,
      inference: { ratio: 0.3, trigramBlocking: false },
    });
    const back = taskFromSpec(JSON.parse(JSON.stringify(t.toSpec()))) as SummarizationTask;
    expect(back).toBeInstanceOf(SummarizationTask);
    expect(back.toSpec()).toEqual(t.toSpec());
    expect(back.inference).toEqual({ ratio: 0.3, trigramBlocking: false });
  });
});

describe('createTask', () => {
  it('builds each task from its YAML config', () => {
    const s = createTask(config('sentiment')) as SentimentTask;
    expect(s).toBeInstanceOf(SentimentTask);
    expect(s.labels).toEqual(['negative', 'positive']);
    expect(s.primaryMetric).toBe('accuracy');
    expect(s.inner.hidden).toBe(128);
    const tw = createTask(config('sentiment-tweets')) as SentimentTask;
    expect(tw.labels).toEqual(['negative', 'neutral', 'positive']);
    expect(tw.primaryMetric).toBe('macro_f1');
    const q = createTask(config('translation-quality')) as TranslationQualityTask;
    expect(q).toBeInstanceOf(TranslationQualityTask);
    expect(q.pairs).toEqual(['en-de', 'en-zh', 'et-en', 'ne-en', 'ro-en', 'ru-en', 'si-en']);
    expect(q.primaryMetric).toBe('pearson');
    const m = createTask(config('summarization')) as SummarizationTask;
    expect(m).toBeInstanceOf(SummarizationTask);
    expect(m.inference).toEqual({ sentences: 3, trigramBlocking: false });
    expect(m.selection).toBe('conditional');
    expect(m.oracleSentences).toBe(3);
    expect(m.primaryMetric).toBe('rouge2');
  });

  it('rejects a loss, metric or primary metric the task does not have', () => {
    const c = config('sentiment');
    expect(() => createTask({ ...c, loss: 'mse' })).toThrow(/loss must be "cross-entropy"/);
    expect(() => createTask({ ...c, metrics: ['accuracy', 'bleu'] })).toThrow(/unknown metric "bleu"/);
    expect(() => createTask({ ...c, primaryMetric: 'bleu' })).toThrow(/primaryMetric/);
  });
});
