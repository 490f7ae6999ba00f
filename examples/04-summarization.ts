// %% [markdown]
// # 04 · Extractive summarization of BBC news
//
// The summarization task scores every sentence of an article from its sentence vector, the
// document vector and its position, and picks the top 3 (with trigram blocking, as BertSumExt).
// Training labels come from a greedy ROUGE oracle against the reference summary.
//
// This notebook trains the task alone on BBC News Summary (or the samples in `fixtures/data`),
// compares it with **LEAD-3** (the first three sentences, a strong baseline for news) and
// **TextRank** (PageRank over sentence-vector similarity) on ROUGE-1/2/L/Lsum, adds the oracle as
// an upper bound, and shows one article's sentences with the model's scores next to the reference.
//
// **About the numbers.** The encoder is the bundled pretrained default (`mtl:mini`); the model
// combines its sentence vectors with sentence position, so compare it with LEAD-3 and TextRank run
// on the same encoder. ROUGE is F-measure ×100 with Porter stemming, as Google's `rouge-score`
// computes it.

// %%
import {
  baselinePredictions,
  createTask,
  fmt,
  formatTaskTable,
  greedyOracle,
  loadEncoder,
  loadTaskConfig,
  loadTaskData,
  markdownTable,
  metricBarsSpec,
  MultiTaskModel,
  renderVegaLite,
  scoreRouge,
  SummarizationTask,
  type SummarizationExample,
  type SummarizationPrediction,
} from 'mtl-nlp';
import { chooseExampleData, DEVICE, elapsed, ENCODER, ENCODER_DTYPE, heading, OUTPUT, QUICK, rel, repoPath } from './common.js';

const data = chooseExampleData();
console.log(`# 04 · Summarization${QUICK ? ' (quick mode)' : ''}`);
console.log(`data: ${data.describe} · encoder: ${ENCODER}`);

// %% [markdown]
// ## Data
//
// BBC News Summary has no dev split: `tasks/summarization.yaml` keeps the documents whose id
// hashes below 0.1 for dev (deterministic, no overlap). Articles are stored by category, so we
// take evenly spaced documents to cover every category of each split in a short run (a prefix
// would be business news only).

// %%
const config = loadTaskConfig(repoPath('tasks', 'summarization.yaml'));
const load = (split: 'train' | 'dev') =>
  loadTaskData(config, { split, sample: data.sample, dataDir: data.dataDir }) as SummarizationExample[];

/** At most `n` documents, evenly spaced through the list. */
function evenly<T>(list: T[], n: number): T[] {
  if (list.length <= n) return list;
  return Array.from({ length: n }, (_, i) => list[Math.floor((i * list.length) / n)]!);
}
const train = evenly(load('train'), QUICK ? 40 : 150);
const dev = evenly(load('dev'), QUICK ? 12 : 100);
const sentences = (docs: SummarizationExample[]) => docs.reduce((a, d) => a + d.sentences.length, 0);
console.log(`train: ${train.length} articles (${sentences(train)} sentences) · dev: ${dev.length} articles (${sentences(dev)} sentences)`);
const categories = (docs: SummarizationExample[]) => [...new Set(docs.map((d) => d.id?.split('/')[0]))].join(', ');
console.log(`categories: train ${categories(train)} · dev ${categories(dev)}`);

// %% [markdown]
// ## Train
//
// `createTask` builds the task from its config (head, 3 sentences, trigram blocking);
// `MultiTaskModel` with a single task is a single-task model.

// %%
const encoder = await loadEncoder({ model: ENCODER, dtype: ENCODER_DTYPE, pooling: 'mean', maxLength: 128 }, { device: DEVICE });
const task = createTask(config);
const model = await MultiTaskModel.create({
  encoder,
  tasks: [task],
  sharedLayers: { depth: 1, width: 256, dropout: 0.1 },
  seed: 42,
  log: false,
});
await model.ensureFeatures({ [task.name]: [...train, ...dev] });
console.log(`sentence vectors ready · ${elapsed()}`);
const history = await model.fit(
  { [task.name]: { train, dev } },
  {
    steps: QUICK ? 40 : 200,
    batchSize: 16,
    optimizer: { type: 'adamw', lr: 1e-3, weightDecay: 0.01 },
    schedule: { warmup: 0.05, decay: 'linear' },
    clipNorm: 1,
    seed: 42,
    log: false,
    logFile: false,
  },
);
console.log(`${history.completedSteps} steps in ${(history.elapsedMs / 1000).toFixed(1)} s on ${history.backend}`);

// %% [markdown]
// ## ROUGE on dev: model, LEAD-3, TextRank, oracle
//
// `baselinePredictions` returns each baseline's picks in the task's prediction shape, so the
// task's own evaluator scores everything the same way. The oracle is the greedy ROUGE selection
// the model is trained to imitate: an upper bound for 3-sentence extracts.

// %%
const predictions = await model.predict<SummarizationPrediction>(task.name, dev);
const baselineContext = { task, train, dev, encoder, sentences: 3 };
const lead3 = (await baselinePredictions('lead3', baselineContext)) as SummarizationPrediction[];
const textrank = (await baselinePredictions('textrank', baselineContext)) as SummarizationPrediction[];
const oracle: SummarizationPrediction[] = dev.map((doc) => {
  const { indices } = greedyOracle(doc.sentences, SummarizationTask.reference(doc), { maxSentences: 3 });
  return {
    summary: indices.map((i) => doc.sentences[i]).join('\n'),
    sentences: indices.map((i) => ({ text: doc.sentences[i]!, index: i, score: 1 })),
    scores: [],
  };
});
const systems: Record<string, Record<string, number>> = {
  model: task.metrics(dev, predictions),
  'LEAD-3': task.metrics(dev, lead3),
  TextRank: task.metrics(dev, textrank),
  'oracle (upper bound)': task.metrics(dev, oracle),
};
heading(`ROUGE F ×100 on dev (n=${dev.length})`);
console.log(formatTaskTable('summarization', systems));
console.log('');
for (const [name, m] of Object.entries(systems)) {
  console.log(
    `${name.padEnd(21)} ROUGE-1 ${fmt(m.rouge1)}  ROUGE-2 ${fmt(m.rouge2)}  ROUGE-L ${fmt(m.rougeL)}  ROUGE-Lsum ${fmt(m.rougeLsum)}`,
  );
}
// the words say what the numbers show, whichever way they come out
for (const b of ['LEAD-3', 'TextRank'])
  console.log(
    `model vs ${b}: ROUGE-2 ${fmt(systems.model!.rouge2)} vs ${fmt(systems[b]!.rouge2)} on ${dev.length} dev articles: the model ${(systems.model!.rouge2 ?? NaN) > (systems[b]!.rouge2 ?? NaN) ? 'beats' : 'does NOT beat'} ${b} here`,
  );
console.log(
  '\nFor scale, on CNN/DailyMail: LEAD-3 40.42/17.62/36.67 and BertSumExt 43.25/20.24/39.63 (R1/R2/RLsum); BBC summaries are longer and copied from the article, so scores run higher.',
);

// %%
const bars = Object.entries(systems).flatMap(([system, m]) =>
  (['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const).map((metric) => ({
    task: 'summarization',
    metric,
    system,
    value: m[metric] ?? NaN,
  })),
);
const barsFile = `${OUTPUT}/04-rouge`;
await renderVegaLite(metricBarsSpec(bars, 'ROUGE F ×100 on dev'), barsFile);
console.log(`plot: ${rel(barsFile)}.svg / .png`);

// %% [markdown]
// ## One article up close
//
// Each sentence with the model's score (the probability that it belongs to the summary), the
// model's picks (✔), LEAD-3's (L), TextRank's (T) and the sentences of the reference summary (R).
// `prediction.scores` covers the sentences the model scores (the task caps very long articles).

// %%
const k = dev.findIndex((d) => d.sentences.length >= 6 && d.sentences.length <= 16);
const at = k >= 0 ? k : 0;
const doc = dev[at]!;
const pred = predictions[at]!;
const reference = SummarizationTask.reference(doc);
const referenceLines = new Set((Array.isArray(reference) ? reference : [reference]).flatMap((r) => r.split('\n')).map((s) => s.trim()));
const picks = (p: SummarizationPrediction) => new Set(p.sentences.map((s) => s.index));
const [mine, lead, tr] = [picks(pred), picks(lead3[at]!), picks(textrank[at]!)];
const clip = (s: string, n = 110) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
heading(`Article ${doc.id ?? at} (${doc.sentences.length} sentences)`);
console.log(
  markdownTable(
    ['#', 'score', 'model', 'L', 'T', 'R', 'sentence'],
    doc.sentences.map((s, i) => [
      i,
      pred.scores[i] === undefined ? '–' : pred.scores[i]!.toFixed(3),
      mine.has(i) ? '✔' : '',
      lead.has(i) ? 'L' : '',
      tr.has(i) ? 'T' : '',
      referenceLines.has(s.trim()) ? 'R' : '',
      clip(s),
    ]),
  ),
);
console.log(`\nmodel summary:\n${pred.summary}`);
console.log(`\nreference summary:\n${Array.isArray(reference) ? reference.join('\n---\n') : reference}`);
const one = (s: string) => scoreRouge(s, reference);
const line = (name: string, s: string) => {
  const r = one(s);
  return `${name.padEnd(8)} R-1 ${(100 * r.rouge1.fmeasure).toFixed(2)}  R-2 ${(100 * r.rouge2.fmeasure).toFixed(2)}  R-Lsum ${(100 * r.rougeLsum.fmeasure).toFixed(2)}`;
};
console.log(
  `\nthis article:\n${line('model', pred.summary)}\n${line('LEAD-3', lead3[at]!.summary)}\n${line('TextRank', textrank[at]!.summary)}`,
);

// %%
model.dispose();
await encoder.dispose();
console.log(`\ndone in ${elapsed()}`);
