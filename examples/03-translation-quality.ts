// %% [markdown]
// # 03 · Translation quality per language pair (WMT20 MLQE-PE)
//
// Quality estimation scores a machine translation **without a reference**: given a source
// sentence and its translation, predict the human direct-assessment score (`z_mean`, the mean of
// per-annotator z-scores; higher = better). The model encodes source and translation with the
// shared encoder and regresses the score from [u, v, |u−v|, u⊙v] (as COMET-QE does).
//
// This notebook trains the translation-quality task **alone** (a single-task model) with the
// lower-level API — `loadTaskConfig`, `loadTaskData`, `createTask`, `MultiTaskModel` — so we can
// sample the training data evenly across the seven language pairs, then reports Pearson /
// Spearman / Kendall per pair on dev next to two baselines:
//
// - `model-scores`: the translating NMT model's own log-probability of its output (a glass-box
//   baseline shipped with MLQE-PE);
// - `length-ratio`: −|ln(len(translation)/len(source))|.
//
// **About the numbers.** The encoder is the bundled pretrained default (`mtl:mini`), a small
// multilingual model whose vocabulary covers all seven pairs; it was briefly trained, so expect
// modest correlations. The OpenKiwi column quotes published results of a *different system* on the
// *test* split (from the datasets README): a reference point, not a comparable number.

// %%
import {
  createTask,
  evaluateBaseline,
  fmt,
  loadEncoder,
  loadTaskConfig,
  loadTaskData,
  markdownTable,
  metricBarsSpec,
  MultiTaskModel,
  renderVegaLite,
  type TranslationQualityExample,
} from 'mtl-nlp';
import {
  chooseExampleData,
  DEVICE,
  elapsed,
  ENCODER,
  ENCODER_DTYPE,
  firstPerPair,
  heading,
  OPENKIWI_TEST_PEARSON,
  OUTPUT,
  QUICK,
  rel,
  repoPath,
} from './common.js';

const data = chooseExampleData();
console.log(`# 03 · Translation quality${QUICK ? ' (quick mode)' : ''}`);
console.log(`data: ${data.describe} · encoder: ${ENCODER}`);

// %% [markdown]
// ## Data
//
// `tasks/translation-quality.yaml` names the MLQE-PE files (seven pairs, 7,000 train and 1,000 dev
// segments each) and, for runs without the datasets, the samples in `fixtures/data` (en-de for
// training, en-de and en-zh for dev). We keep the first *n* segments of every pair, so each pair
// is represented (`firstPerPair` in `common.ts`; a plain prefix of the concatenated files would
// hold en-de only).

// %%
const config = loadTaskConfig(repoPath('tasks', 'translation-quality.yaml'));
const load = (split: 'train' | 'dev') =>
  loadTaskData(config, { split, sample: data.sample, dataDir: data.dataDir }) as TranslationQualityExample[];

const PER_PAIR = QUICK ? { train: 120, dev: 40 } : { train: 150, dev: 100 };
const train = firstPerPair(load('train'), PER_PAIR.train);
const dev = firstPerPair(load('dev'), PER_PAIR.dev);
const pairs = [...new Set(dev.map((e) => e.pair ?? ''))].sort();
const count = (list: TranslationQualityExample[], p: string) => list.filter((e) => e.pair === p).length;
console.log(
  markdownTable(
    ['pair', 'train', 'dev'],
    pairs.map((p) => [p, count(train, p), count(dev, p)]),
  ),
);
const ex = dev[0]!;
console.log(`\nexample (${ex.pair}, z_mean ${ex.score?.toFixed(3)}):\n  source:      ${ex.source}\n  translation: ${ex.translation}`);

// %% [markdown]
// ## Train the task alone
//
// Same shared layers and optimiser as `tasks/multitask.yaml`; a fixed number of steps.

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
const encoded = await model.ensureFeatures({ [task.name]: [...train, ...dev] });
console.log(`features for ${encoded} distinct texts (encoded now, or read from the persistent embedding cache) · ${elapsed()}`);
const history = await model.fit(
  { [task.name]: { train, dev } },
  {
    steps: QUICK ? 60 : 300,
    batchSize: 32,
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
// ## Dev correlations per pair
//
// The task's evaluator groups by `pair`: `pearson@en-de` and so on, plus the mean over pairs
// (`pearson`) and the pooled correlation over all dev segments (`pearson_pooled`). Baselines go
// through the same evaluator.

// %%
const predictions = await model.predict<number>(task.name, dev);
const systems: Record<string, Record<string, number>> = {
  model: task.metrics(dev, predictions),
  'model-scores': await evaluateBaseline('model-scores', { task, train, dev }),
  'length-ratio': await evaluateBaseline('length-ratio', { task, train, dev }),
};
// published OpenKiwi Pearson r on the *test* split (../shared/datasets/README.md), see common.ts
const OPENKIWI_TEST = OPENKIWI_TEST_PEARSON;

heading('Pearson r / Spearman ρ / Kendall τ on dev');
const KINDS = ['pearson', 'spearman', 'kendall'] as const;
const SYSTEMS = Object.keys(systems);
const header = [
  'pair',
  'dev n',
  ...SYSTEMS.flatMap((s) => KINDS.map((k) => `${s} ${k === 'pearson' ? 'r' : k === 'spearman' ? 'ρ' : 'τ'}`)),
  'OpenKiwi r (test, ref.)',
];
const rows = pairs.map((p) => [
  p,
  count(dev, p),
  ...SYSTEMS.flatMap((s) => KINDS.map((k) => fmt(systems[s]![`${k}@${p}`]))),
  OPENKIWI_TEST[p] === undefined ? '–' : OPENKIWI_TEST[p]!.toFixed(3),
]);
if (pairs.length > 1) {
  const kiwi = pairs.map((p) => OPENKIWI_TEST[p]).filter((v): v is number => v !== undefined);
  rows.push([
    'mean over pairs',
    dev.length,
    ...SYSTEMS.flatMap((s) => KINDS.map((k) => fmt(systems[s]![k]))),
    kiwi.length ? (kiwi.reduce((a, b) => a + b, 0) / kiwi.length).toFixed(3) : '–',
  ]);
  rows.push(['pooled', dev.length, ...SYSTEMS.flatMap((s) => KINDS.map((k) => fmt(systems[s]![`${k}_pooled`]))), '–']);
}
console.log(markdownTable(header, rows));
console.log('\nOpenKiwi: published baseline of the WMT20 QE task, test split, another system: for orientation only.');
// the words say what the table shows, whichever way it comes out
const beaten = (baseline: string) =>
  pairs.filter((p) => (systems.model![`pearson@${p}`] ?? NaN) > (systems[baseline]![`pearson@${p}`] ?? NaN));
for (const b of ['model-scores', 'length-ratio'])
  console.log(`model vs ${b}: higher Pearson r on ${beaten(b).length} of ${pairs.length} pairs (${beaten(b).join(', ') || 'none'})`);

// %% [markdown]
// ## Plots
//
// Pearson r per pair for each system (the OpenKiwi bars are the test-split references), and the
// model's predictions against the gold scores.

// %%
const bars = pairs
  .flatMap((p) => [
    ...SYSTEMS.map((s) => ({ task: p, metric: 'pearson', system: s, value: systems[s]![`pearson@${p}`] ?? NaN })),
    ...(OPENKIWI_TEST[p] === undefined ? [] : [{ task: p, metric: 'pearson', system: 'OpenKiwi (test, ref.)', value: OPENKIWI_TEST[p]! }]),
  ])
  .filter((r) => Number.isFinite(r.value));
const barsFile = `${OUTPUT}/03-pearson-per-pair`;
await renderVegaLite(metricBarsSpec(bars, 'Pearson r with z_mean per language pair (dev; OpenKiwi: test, reference)'), barsFile);
console.log(`plot: ${rel(barsFile)}.svg / .png`);

const scatter = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: 'Predicted vs gold z_mean (dev)',
  width: 420,
  height: 320,
  data: { values: dev.map((e, i) => ({ gold: e.score, predicted: predictions[i], pair: e.pair })) },
  mark: { type: 'point', opacity: 0.6 },
  encoding: {
    x: { field: 'gold', type: 'quantitative', title: 'gold z_mean' },
    y: { field: 'predicted', type: 'quantitative', title: 'predicted', scale: { zero: false } },
    color: { field: 'pair', type: 'nominal' },
  },
};
const scatterFile = `${OUTPUT}/03-predicted-vs-gold`;
await renderVegaLite(scatter, scatterFile);
console.log(`plot: ${rel(scatterFile)}.svg / .png`);

// %% [markdown]
// ## Scoring new translations
//
// `predict` takes `{ source, translation }` pairs; the output is on the z_mean scale of training.

// %%
const fresh = [
  { source: 'The weather will improve tomorrow.', translation: 'Das Wetter wird morgen besser.' },
  { source: 'The weather will improve tomorrow.', translation: 'Morgen das Wetter.' },
];
const scores = await model.predict<number>(task.name, fresh);
console.log(
  markdownTable(
    ['source', 'translation', 'predicted'],
    fresh.map((f, i) => [f.source, f.translation, scores[i]!.toFixed(3)]),
  ),
);
console.log(
  scores[0]! > scores[1]!
    ? 'The complete translation scores higher than the broken one.'
    : 'The model scores the broken translation as high as or higher than the complete one: its correlation with human ratings (above) is too weak to rank single sentences reliably.',
);

// %%
model.dispose();
await encoder.dispose();
console.log(`\ndone in ${elapsed()}`);
