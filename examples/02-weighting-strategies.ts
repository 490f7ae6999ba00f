// %% [markdown]
// # 02 · Loss weighting: static λ against dynamic strategies
//
// Joint training minimises L = Σᵢ λᵢ·Lᵢ. The λᵢ can be fixed by hand (**static**) or adapted
// during training:
//
// | strategy | idea |
// | --- | --- |
// | `equal` | λᵢ = 1 for every task |
// | `uncertainty` | learned homoscedastic uncertainty: Lᵢ/(2σᵢ²) + log σᵢ (Kendall et al. 2018) |
// | `dwa` | Dynamic Weight Average: λᵢ from the rate at which each loss falls (Liu et al. 2019) |
// | `gradnorm` | λᵢ learned so the tasks' gradient norms on the shared layers train at similar rates (Chen et al. 2018) |
// | `pcgrad` | project away conflicting components of task gradients (Yu et al. 2020) |
//
// Every run below uses the same data, encoder, seed and number of steps, with sampling `all`
// (each step sees one batch of every task, which the gradient-level methods need). We compare the
// per-task dev metrics in a table and a plot, and look at how λ moves for a dynamic strategy.
//
// **About the numbers.** The encoder is the bundled pretrained default (`mtl:mini`) and the runs
// are short, so the differences between strategies are small. After the table the notebook says,
// from the dev set's size, whether the spread between strategies is larger than the sampling
// noise of one run: read it before ranking the strategies.

// %%
import {
  fmt,
  lambdaSpec,
  loadEncoder,
  markdownTable,
  metricBarsSpec,
  renderVegaLite,
  trainFromConfig,
  type StepRecord,
  type TrainReport,
  type WeightingConfig,
} from 'mtl-nlp';
import { chooseExampleData, DEVICE, elapsed, ENCODER, ENCODER_DTYPE, heading, OUTPUT, QUICK, rel, repoPath } from './common.js';

const data = chooseExampleData();
console.log(`# 02 · Weighting strategies${QUICK ? ' (quick mode)' : ''}`);
console.log(`data: ${data.describe} · encoder: ${ENCODER}`);

const STEPS = QUICK ? 12 : 150;
// per task: sentences and pairs are cheap to encode, documents (~20 sentences each) are not; the
// whole SST-2 dev set and 50 dev rows per language pair, so a metric moves by noise less
const LIMIT = QUICK
  ? { train: 96, dev: 48 }
  : {
      train: { sentiment: 1000, 'translation-quality': 1000, summarization: 120 },
      dev: { sentiment: 872, 'translation-quality': 350, summarization: 60 },
    };

// %% [markdown]
// ## The runs
//
// Three static settings, each down-weighting one task to 0.5, then the dynamic strategies.

// %%
const lambdas = (sentiment: number, quality: number, summarization: number): WeightingConfig => ({
  type: 'static',
  lambdas: { sentiment, 'translation-quality': quality, summarization },
});
const RUNS: { name: string; weighting: WeightingConfig }[] = [
  { name: 'static 1/0.5/1', weighting: lambdas(1, 0.5, 1) },
  { name: 'static 0.5/1/1', weighting: lambdas(0.5, 1, 1) },
  { name: 'static 1/1/0.5', weighting: lambdas(1, 1, 0.5) },
  { name: 'equal', weighting: { type: 'equal' } },
  { name: 'uncertainty', weighting: { type: 'uncertainty' } },
  { name: 'dwa', weighting: { type: 'dwa', T: 2 } },
  { name: 'gradnorm', weighting: { type: 'gradnorm', alpha: 1.5 } },
  { name: 'pcgrad', weighting: { type: 'pcgrad' } },
];
const sizes = (l: number | Record<string, number>) => (typeof l === 'number' ? `${l} per task` : Object.values(l).join(' / '));
console.log(`${RUNS.length} runs × ${STEPS} steps, sampling all, train ${sizes(LIMIT.train)}, dev ${sizes(LIMIT.dev)}`);

// %% [markdown]
// ## Train
//
// One encoder instance is shared by every run (`encoderInstance`), and the embedding cache means
// the texts are encoded only once. The baselines are scored once, with the first run. `limit`
// takes that many examples evenly spaced across each split, so every language pair and news
// category is in the sample.

// %%
const encoder = await loadEncoder({ model: ENCODER, dtype: ENCODER_DTYPE, pooling: 'mean', maxLength: 128 }, { device: DEVICE });

interface Result {
  name: string;
  report: TrainReport;
  steps: Pick<StepRecord, 'step' | 'lambdas'>[];
}
const results: Result[] = [];
for (const [i, spec] of RUNS.entries()) {
  const run = await trainFromConfig({
    config: repoPath('tasks', 'multitask.yaml'),
    sample: data.sample,
    dataDir: data.dataDir,
    encoderInstance: encoder,
    weighting: spec.weighting,
    sampling: { type: 'all' },
    steps: STEPS,
    limit: LIMIT,
    baselines: i === 0,
  });
  results.push({ name: spec.name, report: run.report, steps: run.history.steps.map((s) => ({ step: s.step, lambdas: s.lambdas })) });
  run.model.dispose();
  console.log(`${spec.name.padEnd(16)} trained in ${(run.report.trainMs / 1000).toFixed(1)} s`);
}

// %% [markdown]
// ## Dev metrics per strategy
//
// Sentiment: accuracy and macro-F1; translation quality: Pearson / Spearman / Kendall with the
// z-normalised human scores (mean over language pairs when there are several); summarization:
// ROUGE F-measure ×100. The last column is the λ each run ended with
// (sentiment / translation-quality / summarization).

// %%
const COLUMNS: [task: string, metric: string, label: string][] = [
  ['sentiment', 'accuracy', 'sent. acc'],
  ['sentiment', 'macro_f1', 'sent. F1'],
  ['translation-quality', 'pearson', 'TQ r'],
  ['translation-quality', 'spearman', 'TQ ρ'],
  ['translation-quality', 'kendall', 'TQ τ'],
  ['summarization', 'rouge1', 'R-1'],
  ['summarization', 'rouge2', 'R-2'],
  ['summarization', 'rougeL', 'R-L'],
  ['summarization', 'rougeLsum', 'R-Lsum'],
];
const TASKS = ['sentiment', 'translation-quality', 'summarization'];
heading('Models');
console.log(
  markdownTable(
    ['strategy', ...COLUMNS.map((c) => c[2]), 'final λ'],
    results.map((r) => [
      r.name,
      ...COLUMNS.map(([task, metric]) => fmt(r.report.tasks[task]?.metrics[metric])),
      TASKS.map((t) => (r.report.lambdas[t] ?? NaN).toFixed(2)).join(' / '),
    ]),
  ),
);

// %% [markdown]
// Is the spread between strategies more than noise? One run's sampling error on n dev rows: for an
// accuracy p, ±2·√(p(1−p)/n); for a Pearson r, ±2·(1−r²)/√(n−3) (Fisher's approximation; the mean
// of the per-pair r over k pairs of n/k rows each has about the same error).

// %%
const noise: [task: string, metric: string, se: (v: number, n: number) => number][] = [
  ['sentiment', 'accuracy', (p, n) => Math.sqrt((p * (1 - p)) / n)],
  ['translation-quality', 'pearson', (r, n) => (1 - r * r) / Math.sqrt(n - 3)],
];
for (const [task, metric, se] of noise) {
  const values = results.map((r) => r.report.tasks[task]?.metrics[metric] ?? NaN).filter(Number.isFinite);
  const n = results[0]!.report.tasks[task]?.dev ?? 0;
  if (!values.length || n < 4) continue;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const band = 2 * se((lo + hi) / 2, n);
  console.log(
    `${task} ${metric}: strategies span ${lo.toFixed(3)}–${hi.toFixed(3)} (spread ${(hi - lo).toFixed(3)}); ` +
      `sampling noise of one run on ${n} dev rows ±${band.toFixed(3)}: the spread is ${hi - lo > band ? 'larger than' : 'within'} that noise`,
  );
}

// %% [markdown]
// The baselines on the same dev examples, for scale (– where a baseline does not apply):

// %%
heading('Baselines');
const baselineRows: (string | number)[][] = [];
for (const task of TASKS) {
  for (const [name, m] of Object.entries(results[0]!.report.tasks[task]?.baselines ?? {})) {
    baselineRows.push([`${name} (${task})`, ...COLUMNS.map(([t, metric]) => (t === task ? fmt(m[metric]) : '–'))]);
  }
}
console.log(markdownTable(['baseline', ...COLUMNS.map((c) => c[2])], baselineRows));

// %% [markdown]
// ## Plot: the primary metric of each task, per strategy

// %%
const PRIMARY: [string, string][] = [
  ['sentiment', 'accuracy'],
  ['translation-quality', 'pearson'],
  ['summarization', 'rouge2'],
];
const bars = results.flatMap((r) =>
  PRIMARY.map(([task, metric]) => ({ task, metric, system: r.name, value: r.report.tasks[task]?.metrics[metric] ?? NaN })).filter((x) =>
    Number.isFinite(x.value),
  ),
);
const barsFile = `${OUTPUT}/02-dev-metrics`;
await renderVegaLite(metricBarsSpec(bars, `Dev metrics per weighting strategy (${STEPS} steps)`), barsFile);
console.log(`plot: ${rel(barsFile)}.svg / .png`);

// %% [markdown]
// ## λ over training for a dynamic strategy
//
// GradNorm moves λ every step to balance the tasks' training rates (the λ are renormalised to sum to
// the number of tasks). `history.steps[i].lambdas` holds the weights used at each step; the other
// dynamic runs are kept in `results` if you want to plot them too.

// %%
const DYNAMIC = 'gradnorm';
const dyn = results.find((r) => r.name === DYNAMIC)!;
const lambdaRows = dyn.steps.flatMap((s) => Object.entries(s.lambdas).map(([task, lambda]) => ({ step: s.step, task, lambda })));
const lambdaFile = `${OUTPUT}/02-lambdas-${DYNAMIC}`;
await renderVegaLite(lambdaSpec(lambdaRows, `λ over training (${DYNAMIC})`), lambdaFile);
console.log(`plot: ${rel(lambdaFile)}.svg / .png`);
for (const r of results.filter((x) => ['uncertainty', 'dwa', 'gradnorm'].includes(x.name))) {
  const range = TASKS.map((t) => {
    const v = r.steps.map((s) => s.lambdas[t] ?? NaN);
    return `${t} ${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)}`;
  });
  console.log(`λ range, ${r.name}: ${range.join(', ')}`);
}

// %%
await encoder.dispose();
console.log(`\ndone in ${elapsed()}`);
