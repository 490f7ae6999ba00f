/**
 * End-to-end: the three tasks trained jointly on small slices of the samples in fixtures/data with a
 * tiny random-weight fixture encoder. The test checks that the model LEARNS (training loss falls,
 * training-set metrics beat simple baselines) and that predictions survive save → load.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lead } from '../../src/baselines/summarization.js';
import { loadTaskConfig } from '../../src/config/load.js';
import type { TaskConfig } from '../../src/config/schema.js';
import { Encoder } from '../../src/encoder/index.js';
import { ensureFixture } from '../../src/generators/index.js';
import { corpusRouge } from '../../src/metrics/rouge.js';
import { createTask, loadTaskData } from '../../src/config/tasks.js';
import {
  SentimentTask,
  SummarizationTask,
  TranslationQualityTask,
  type SentimentPrediction,
  type SummarizationPrediction,
} from '../../src/tasks/index.js';
import { MultiTaskModel } from '../../src/training/model.js';
import type { TrainingHistory } from '../../src/training/trainer.js';
import { packageRoot } from '../../src/utils/paths.js';
import { Rng } from '../../src/utils/random.js';

const quiet = (): void => undefined;
const cfg = (name: string): TaskConfig => {
  const c = loadTaskConfig(join(packageRoot(), 'tasks', `${name}.yaml`));
  return { ...c, head: { hidden: 64, dropout: 0 } };
};

/** F1 of a selection against the oracle labels, micro-averaged over documents. */
function labelF1(selected: number[][], labels: number[][]): number {
  let tp = 0;
  let sel = 0;
  let pos = 0;
  selected.forEach((s, d) => {
    const y = labels[d] as number[];
    sel += s.length;
    pos += y.reduce((a, b) => a + b, 0);
    for (const i of s) if (y[i]) tp++;
  });
  return tp === 0 ? 0 : (2 * tp) / (sel + pos);
}

describe('three tasks trained jointly on the samples (fixture encoder)', () => {
  let encoder: Encoder;
  let model: MultiTaskModel;
  let history: TrainingHistory;
  let dir: string;
  const sentiment = createTask(cfg('sentiment')) as SentimentTask;
  const tq = createTask(cfg('translation-quality')) as TranslationQualityTask;
  const summ = createTask(cfg('summarization')) as SummarizationTask;
  const sst = loadTaskData(cfg('sentiment') as TaskConfig & { name: 'sentiment' }, { sample: true, split: 'train' }).slice(0, 200);
  const qe = loadTaskData(cfg('translation-quality') as TaskConfig & { name: 'translation-quality' }, {
    sample: true,
    split: 'train',
  }).slice(0, 200);
  const bbcCfg = cfg('summarization') as TaskConfig & { name: 'summarization' };
  // all 36 sample documents (train + dev parts of the hash split)
  const docs = [...loadTaskData(bbcCfg, { sample: true, split: 'train' }), ...loadTaskData(bbcCfg, { sample: true, split: 'dev' })].slice(
    0,
    40,
  );
  let before: Record<string, Record<string, number>>;
  let after: Record<string, Record<string, number>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mtl-tasks-e2e-'));
    encoder = await Encoder.load(await ensureFixture('xlm-roberta'), { device: 'cpu', threads: 1, logger: quiet });
    model = await MultiTaskModel.create({
      encoder,
      tasks: [sentiment, tq, summ],
      sharedLayers: { depth: 1, width: 64, dropout: 0 },
      seed: 7,
      log: false,
    });
    const data = { sentiment: sst, 'translation-quality': qe, summarization: docs };
    model.prepareTasks(data);
    before = await model.evaluate(data);
    const t0 = Date.now();
    history = await model.fit(
      { sentiment: { train: sst }, 'translation-quality': { train: qe }, summarization: { train: docs } },
      { steps: 300, batchSize: 16, optimizer: { type: 'adamw', lr: 3e-3, weightDecay: 0 }, seed: 7, log: false, logFile: false },
    );
    after = await model.evaluate(data);
    console.log(`e2e fit: ${Date.now() - t0} ms, backend ${history.backend}`);
    console.log('before', JSON.stringify(before));
    console.log('after', JSON.stringify(after));
    // for information only (not asserted): the unseen sample dev sets
    const dev = await model.evaluate({
      sentiment: loadTaskData(cfg('sentiment') as TaskConfig & { name: 'sentiment' }, { sample: true, split: 'dev' }),
      'translation-quality': loadTaskData(cfg('translation-quality') as TaskConfig & { name: 'translation-quality' }, {
        sample: true,
        split: 'dev',
      }),
    });
    console.log('sample dev (unseen)', JSON.stringify(dev));
  });

  afterAll(async () => {
    model?.dispose();
    await encoder?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('training loss falls for every task', () => {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const t of ['sentiment', 'translation-quality', 'summarization']) {
      const ls = history.steps.map((s) => s.losses[t]).filter((x): x is number => typeof x === 'number');
      const first = mean(ls.slice(0, 20));
      const last = mean(ls.slice(-20));
      console.log(
        `${t}: loss first-20 ${first.toFixed(4)} last-20 ${last.toFixed(4)}; eval loss ${before[t]?.loss?.toFixed(4)} → ${after[t]?.loss?.toFixed(4)}`,
      );
      expect(last).toBeLessThan(first * 0.8);
      expect(after[t]?.loss as number).toBeLessThan((before[t]?.loss as number) * 0.8);
    }
  });

  it('sentiment beats the majority baseline on train', () => {
    const counts = new Map<string, number>();
    for (const e of sst) counts.set(String(e.label), (counts.get(String(e.label)) ?? 0) + 1);
    const majority = Math.max(...counts.values()) / sst.length;
    console.log(`sentiment train accuracy ${after.sentiment?.accuracy} macro-F1 ${after.sentiment?.macro_f1}, majority ${majority}`);
    expect(after.sentiment?.accuracy as number).toBeGreaterThan(majority + 0.1);
  });

  it('translation quality: Pearson > 0 on train', () => {
    console.log(
      `TQ train pearson ${after['translation-quality']?.pearson} spearman ${after['translation-quality']?.spearman} kendall ${after['translation-quality']?.kendall}`,
    );
    expect(after['translation-quality']?.pearson as number).toBeGreaterThan(0.3);
    expect(after['translation-quality']?.['pearson@en-de']).toBe(after['translation-quality']?.pearson);
  });

  it('summarization beats a random pick and LEAD on train (ROUGE and oracle-label F1)', async () => {
    const preds = await model.predict<SummarizationPrediction>('summarization', docs);
    const labels = docs.map((d) => summ.labelsOf(d) as number[]);
    const modelF1 = labelF1(
      preds.map((p) => p.sentences.map((s) => s.index)),
      labels,
    );
    const rng = new Rng(3);
    const randomPick = docs.map((d) => {
      const n = Math.min(d.sentences.length, summ.maxSentences);
      const idx = Array.from({ length: n }, (_, i) => i);
      rng.shuffle(idx);
      return idx.slice(0, 3).sort((a, b) => a - b);
    });
    const randomF1 = labelF1(randomPick, labels);
    const lead3Sel = docs.map((d) => lead(d.sentences, 3).indices);
    const lead3F1 = labelF1(lead3Sel, labels);
    const rouge = (sel: number[][]) =>
      corpusRouge(
        docs.map((d, i) => ({ prediction: (sel[i] as number[]).map((j) => d.sentences[j]).join('\n'), reference: d.summary as string })),
      );
    const r = {
      model: after.summarization as Record<string, number>,
      random: rouge(randomPick),
      lead1: rouge(docs.map((d) => lead(d.sentences, 1).indices)),
      lead3: rouge(lead3Sel),
    };
    console.log(
      `summarization train: label-F1 model ${modelF1.toFixed(3)} random-3 ${randomF1.toFixed(3)} lead-3 ${lead3F1.toFixed(3)}; ` +
        `R1/R2/RLsum model ${r.model.rouge1?.toFixed(2)}/${r.model.rouge2?.toFixed(2)}/${r.model.rougeLsum?.toFixed(2)} ` +
        `random ${r.random.rouge1.f.toFixed(2)}/${r.random.rouge2.f.toFixed(2)}/${r.random.rougeLsum.f.toFixed(2)} ` +
        `lead1 ${r.lead1.rouge1.f.toFixed(2)}/${r.lead1.rouge2.f.toFixed(2)}/${r.lead1.rougeLsum.f.toFixed(2)} ` +
        `lead3 ${r.lead3.rouge1.f.toFixed(2)}/${r.lead3.rouge2.f.toFixed(2)}/${r.lead3.rougeLsum.f.toFixed(2)}`,
    );
    // label F1 against the oracle labels and ROUGE-2: above a random pick of 3 and above LEAD-3
    expect(modelF1).toBeGreaterThan(randomF1 + 0.1);
    expect(modelF1).toBeGreaterThan(lead3F1 + 0.1);
    expect(r.model.rouge2 as number).toBeGreaterThan(r.random.rouge2.f + 5);
    expect(r.model.rouge2 as number).toBeGreaterThan(r.lead3.rouge2.f + 5);
    expect(r.model.rouge1 as number).toBeGreaterThan(r.lead1.rouge1.f);
  });

  it('predictions survive save → load (identical)', async () => {
    const sample = { sentiment: sst.slice(0, 20), tq: qe.slice(0, 20), summ: docs.slice(0, 5) };
    const p1 = {
      s: await model.predict<SentimentPrediction>('sentiment', sample.sentiment),
      q: await model.predict<number>('translation-quality', sample.tq),
      m: await model.predict<SummarizationPrediction>('summarization', sample.summ),
    };
    await model.save(dir);
    const loaded = await MultiTaskModel.load(dir, { encoder, log: false });
    try {
      expect(loaded.task('sentiment')).toBeInstanceOf(SentimentTask);
      expect(loaded.task('translation-quality')).toBeInstanceOf(TranslationQualityTask);
      expect(loaded.task('summarization')).toBeInstanceOf(SummarizationTask);
      const p2 = {
        s: await loaded.predict<SentimentPrediction>('sentiment', sample.sentiment),
        q: await loaded.predict<number>('translation-quality', sample.tq),
        m: await loaded.predict<SummarizationPrediction>('summarization', sample.summ),
      };
      expect(p2).toEqual(p1);
      expect(loaded.task('sentiment').toSpec()).toEqual(sentiment.toSpec());
      expect(loaded.task('translation-quality').toSpec()).toEqual(tq.toSpec());
      expect(loaded.task('summarization').toSpec()).toEqual(summ.toSpec());
    } finally {
      loaded.dispose();
    }
  });
});
