/**
 * Fine-tuning the encoder's top layers with the heads against the frozen encoder
 * (docs/benchmarks.md, "Fine-tuning the top layers"): the same steps, seed and heads, the encoder's
 * top N layers trained (N = 0: frozen). Sentiment on SST-2 (mean pooling, no side features) alone,
 * and with `--joint` also translation quality on MLQE-PE's 7 pairs (cross-encoded, with the MT
 * system's score and the length ratio as side features, as tasks/translation-quality.yaml) alone and
 * jointly with sentiment, reporting Δm of the joint model over the single-task ones.
 *
 *   npx tsx benchmarks/finetune-quality.ts [--models ../shared/models/reference-mini,mtl:mini]
 *       [--layers 0,1,2] [--layer K] [--seeds 3] [--first-seed 42] [--steps 300] [--joint]
 *       [--weightings static,uncertainty,dwa] [--train N] [--dev N] [--cache-mb MB] [--ft-lr LR]
 *       [--previous a.json,b.json] [--out results]
 *
 * `--previous` carries the runs of earlier result files into the summary (each run keeps the command
 * that made it); a later run (a later file's, or this process's) of the same model, top layers,
 * seed, tasks and weighting replaces an earlier one. `--models ''` runs nothing and reports the earlier runs.
 * While it runs, results/finetune-quality-<date>.partial.json holds the runs so far (a stopped
 * matrix keeps them; pass the file to `--previous`); the finished report replaces it.
 * `--joint-only` runs only the joint runs (their single-task twins from a `--previous` file).
 * `--layer K` reads the encoder at layer K (default: its last), so the trained top is layers K−N+1..K.
 *
 * `--weightings` lists the loss weightings of the joint runs (each task gets a batch every step, so the
 * dynamic ones act), one Δm per weighting against the same seed's single-task runs.
 * The full comparison is the defaults plus --joint; the table in docs/benchmarks.md ran
 * `--models ../shared/models/reference-mini --layers 0,1 --seeds 3 --steps 300`; `--cache-mb 0`
 * recomputes the frozen bottom for every batch instead of caching its token states; `--train N` and
 * `--dev N` keep the first N training and dev examples of each task (the smoke test of
 * `mtl bench --suite finetune --quick`). Writes
 * results/finetune-quality-<date>.{json,md}.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadTaskConfig } from '../src/config/load.js';
import { loadDataset } from '../src/data/index.js';
import { Encoder } from '../src/encoder/index.js';
import { deltaM } from '../src/metrics/delta-m.js';
import { initBackend } from '../src/training/backend.js';
import { MultiTaskModel } from '../src/training/model.js';
import { SentimentTask } from '../src/tasks/sentiment/index.js';
import { TranslationQualityTask } from '../src/tasks/translation-quality/index.js';
import type { AnyTask } from '../src/tasks/types.js';
import { weightings as weightingRegistry, type WeightingConfig } from '../src/weighting/index.js';
import { writeFileAtomic } from '../src/utils/fs.js';
import { packageRoot } from '../src/utils/paths.js';
import { mean, sd } from './stats.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const datasets = join(packageRoot(), '..', 'shared', 'datasets');
const models = (arg('models') ?? '../shared/models/reference-mini,mtl:mini').split(',').filter(Boolean);
const previous = (arg('previous') ?? '').split(',').filter(Boolean);
const layersList = (arg('layers') ?? '0,1,2').split(',').map(Number);
const seeds = Number(arg('seeds') ?? 3);
const firstSeed = Number(arg('first-seed') ?? 42);
const steps = Number(arg('steps') ?? 300);
const readLayer = arg('layer') === undefined ? undefined : Number(arg('layer'));
const jointOnly = process.argv.includes('--joint-only');
const joint = jointOnly || process.argv.includes('--joint');
const weightings = (arg('weightings') ?? 'static').split(',').filter(Boolean);
for (const w of weightings)
  if (!weightingRegistry.types().includes(w))
    throw new Error(`--weightings: unknown weighting "${w}"; the weightings are ${weightingRegistry.types().join(', ')}`);
if (weightings.length === 0) throw new Error('--weightings: name at least one weighting, e.g. --weightings static,uncertainty');
const cacheMB = arg('cache-mb') === undefined ? undefined : Number(arg('cache-mb'));
const ftLr = arg('ft-lr') === undefined ? undefined : Number(arg('ft-lr'));
const devLimit = arg('dev') === undefined ? Infinity : Number(arg('dev'));
const trainLimit = arg('train') === undefined ? Infinity : Number(arg('train'));
for (const [flag, v] of [
  ['--dev', devLimit],
  ['--train', trainLimit],
  ['--steps', steps],
  ['--seeds', seeds],
  ['--layer', readLayer ?? 1],
] as const)
  if (!(v === Infinity || (Number.isInteger(v) && v > 0))) throw new Error(`${flag} must be a positive integer, got '${v}'`);
const outDir = resolve(arg('out') ?? process.env.MTL_RESULTS_DIR ?? 'results');
const log = (l: string) => console.error(l);

await initBackend('wasm', { log: false });
const sst = (f: string) => loadDataset({ format: 'sst2', path: join(datasets, 'sentiment', 'sst2', f) }).rows;
// translation quality as the shipped task trains it: its pairs, input mode and side features
const tqConfig = loadTaskConfig('translation-quality');
const PAIRS = tqConfig.data.train.pairs ?? [];
const tqInput = tqConfig.input as { mode: 'cross'; features: ('model-score' | 'length-ratio')[] };
// each pair's first N rows (`--train` / `--dev`), so a cut keeps every pair
const mlqe = (split: string, limit: number) =>
  PAIRS.flatMap((p) =>
    loadDataset({ format: 'mlqe', path: join(datasets, 'translation-quality', 'mlqe-pe', split, `${p}.tsv`) }).rows.slice(0, limit),
  );
const data = {
  sentiment: { train: sst('stsa.binary.train').slice(0, trainLimit), dev: sst('stsa.binary.dev').slice(0, devLimit) },
  'translation-quality': { train: mlqe('train', trainLimit), dev: mlqe('dev', devLimit) },
};
const PRIMARY: Record<string, string> = { sentiment: 'accuracy', 'translation-quality': 'pearson' };
const makeTask = (name: string): AnyTask =>
  name === 'sentiment'
    ? new SentimentTask({ name, pooling: 'mean' })
    : new TranslationQualityTask({ name, input: tqInput.mode, features: tqInput.features, pairs: PAIRS });

interface Run {
  model: string;
  layers: number;
  seed: number;
  tasks: string[];
  /** The joint runs' loss weighting (null for a single task). */
  weighting: string | null;
  metrics: Record<string, number>;
  msPerStep: number;
  /**
   * ms/step in the first epoch (fine-tuning: every text's bottom states computed) and after it
   * (all of them from the cache); null when the run ends within one epoch.
   */
  msPerStepFirstEpoch: number | null;
  msPerStepLaterEpochs: number | null;
  /** Frozen runs: encoding the training texts once, before the steps. */
  encodeMs: number;
  /** Tokens through the trained part per second of training (rows × mean tokens of the task's texts). */
  tokensPerSecond: number | null;
  cacheMB: number | null;
  /** The command that made the run (runs carried in with --previous keep theirs). */
  command?: string;
}
const runs: Run[] = [];
const date = new Date().toISOString().slice(0, 10);
const base = join(outDir, `finetune-quality-${date}`);
// the runs so far, after each one: a stopped matrix keeps them (usable with --previous)
const partial = `${base}.partial.json`;
const command = `npx tsx benchmarks/finetune-quality.ts ${process.argv.slice(2).join(' ')}`.trim();
const singles = jointOnly
  ? []
  : [{ tasks: ['sentiment'], weighting: null }, ...(joint ? [{ tasks: ['translation-quality'], weighting: null }] : [])];
const taskSets: { tasks: string[]; weighting: string | null }[] = [
  ...singles,
  ...(joint ? weightings.map((w) => ({ tasks: ['sentiment', 'translation-quality'], weighting: w })) : []),
];
for (const modelId of models) {
  const encoder = await Encoder.load(modelId, {
    dtype: modelId.startsWith('mtl:') ? 'auto' : 'fp32',
    pooling: 'mean',
    maxLength: 128,
    ...(readLayer === undefined ? {} : { layer: readLayer }),
  });
  for (const layers of layersList) {
    for (let s = 0; s < seeds; s++) {
      for (const { tasks, weighting } of taskSets) {
        const seed = firstSeed + s;
        const model = await MultiTaskModel.create({
          encoder,
          tasks: tasks.map(makeTask),
          sharedLayers: { depth: 1, width: 256, dropout: 0.1 },
          seed,
          log: false,
          finetune: { layers, ...(cacheMB === undefined ? {} : { cacheMB }), ...(ftLr === undefined ? {} : { lr: ftLr }) },
        });
        const fitData = Object.fromEntries(tasks.map((t) => [t, data[t as keyof typeof data]]));
        const encodeStart = Date.now();
        // the frozen run encodes its training texts once, outside the timed steps (as `mtl train` does)
        if (!model.finetune) await model.ensureFeatures(Object.fromEntries(tasks.map((t) => [t, data[t as keyof typeof data].train])));
        const encodeMs = Date.now() - encodeStart;
        let tokens = 0;
        const count = (texts: readonly string[]) => texts.reduce((n, t) => n + encoder.tokenize(t).length, 0);
        const started = Date.now();
        const history = await model.fit(fitData, {
          steps,
          batchSize: 32,
          seed,
          log: false,
          evalEvery: 0,
          ...(weighting ? { weighting: { type: weighting } as WeightingConfig } : {}),
          optimizer: { type: 'adamw', lr: 1e-3, weightDecay: 0.01 },
          schedule: { warmup: 0.05, decay: 'linear' },
        });
        const trainMs = Date.now() - started;
        const textsOf = (t: string): string[] =>
          t === 'sentiment'
            ? data.sentiment.train.slice(0, 500).map((e) => e.text)
            : data['translation-quality'].train.filter((_, i) => i % 28 === 0).map((e) => `${e.source} ${e.translation}`);
        const examples = (t: string) => textsOf(t).length;
        const avgTokens = Object.fromEntries(tasks.map((t) => [t, count(textsOf(t)) / examples(t)])); // per example
        for (const st of history.steps) for (const t of st.tasks) tokens += 32 * (avgTokens[t] as number);
        const spe = history.stepsPerEpoch;
        const at = (i: number) => (i === 0 ? 0 : history.steps[i - 1]!.elapsedMs);
        const first = steps > spe ? (at(spe) - at(0)) / spe : null;
        const later = steps > spe ? (at(steps) - at(spe)) / (steps - spe) : null;
        const metrics = await model.evaluate(Object.fromEntries(tasks.map((t) => [t, data[t as keyof typeof data].dev])));
        const flat: Record<string, number> = {};
        for (const [t, m] of Object.entries(metrics)) for (const [k, v] of Object.entries(m)) flat[`${t}.${k}`] = v;
        const run: Run = {
          model: modelId,
          layers,
          seed,
          tasks,
          weighting,
          metrics: flat,
          msPerStep: trainMs / steps,
          msPerStepFirstEpoch: first,
          msPerStepLaterEpochs: later,
          encodeMs,
          tokensPerSecond: (tokens / trainMs) * 1000,
          cacheMB: model.finetune ? model.finetune.cacheSize.mb : null,
          command,
        };
        runs.push(run);
        await writeFileAtomic(partial, JSON.stringify({ meta: { command }, runs }, null, 2) + '\n');
        log(
          `[${modelId} top ${layers}] seed ${seed} ${tasks.join('+')}${weighting ? ` (${weighting})` : ''}: ${tasks.map((t) => `${t} ${PRIMARY[t]} ${flat[`${t}.${PRIMARY[t]}`]!.toFixed(4)}`).join(', ')}; ${run.msPerStep.toFixed(0)} ms/step, ${run.tokensPerSecond!.toFixed(0)} tokens/s`,
        );
        await model.finetune?.dispose();
        model.dispose();
      }
    }
  }
  await encoder.dispose();
}

const runKey = (r: Run) => JSON.stringify([r.model, r.layers, r.seed, r.tasks, r.weighting]);
// earlier files in order, then this process: a later run of the same key replaces an earlier one
const merged = new Map<string, Run>();
for (const file of previous) {
  const earlier = JSON.parse(readFileSync(file, 'utf8')) as { meta: { command: string }; runs: Run[] };
  for (const r of earlier.runs) {
    const run = { command: earlier.meta.command, ...r, weighting: r.weighting ?? null };
    merged.delete(runKey(run));
    merged.set(runKey(run), run);
  }
}
for (const r of runs.splice(0)) {
  merged.delete(runKey(r));
  merged.set(runKey(r), r);
}
runs.push(...merged.values());
const groups = [...new Map(runs.map((r) => [`${r.model}\0${r.layers}`, { model: r.model, layers: r.layers }])).values()];
const jointWeightings = weightingRegistry.types().filter((w) => runs.some((r) => r.tasks.length > 1 && r.weighting === w)); // registry order
/** A joint run's Δm (%) over the same model, top and seed's single-task runs; null where one is missing. */
function runDeltaM(r: Run, all: readonly Run[]): number | null {
  const base = r.tasks.map(
    (t) =>
      all.find((x) => x.model === r.model && x.layers === r.layers && x.seed === r.seed && x.tasks.join() === t)?.metrics[
        `${t}.${PRIMARY[t]}`
      ],
  );
  if (base.some((b) => b === undefined)) return null;
  return deltaM([r.tasks.map((t) => r.metrics[`${t}.${PRIMARY[t]}`]!)], [base as number[]], [r.tasks.map(() => true)]);
}
const summary = groups.map((g) => {
  const rs = runs.filter((r) => r.model === g.model && r.layers === g.layers);
  const single = (t: string) => rs.filter((r) => r.tasks.length === 1 && r.tasks[0] === t);
  const out: Record<string, unknown> = {
    ...g,
    msPerStep: mean(rs.map((r) => r.msPerStep)),
    tokensPerSecond: mean(rs.map((r) => r.tokensPerSecond ?? 0)),
  };
  for (const t of Object.keys(PRIMARY)) {
    const xs = single(t).map((r) => r.metrics[`${t}.${PRIMARY[t]}`]!);
    if (xs.length) out[`${t}.${PRIMARY[t]}`] = { mean: mean(xs), sd: sd(xs) };
  }
  if (jointWeightings.length) {
    // Δm of each weighting's joint runs over the same seeds' single-task runs
    const dms: Record<string, { mean: number; sd: number; n: number }> = {};
    for (const w of jointWeightings) {
      const dm = rs.filter((r) => r.tasks.length === 2 && r.weighting === w).flatMap((r) => runDeltaM(r, rs) ?? []);
      if (dm.length) dms[w] = { mean: mean(dm), sd: sd(dm), n: dm.length };
    }
    out.deltaM = dms;
  }
  return out;
});

const meta = {
  command,
  previous,
  steps,
  seeds,
  /** The encoder layer read (null: its last). */
  layer: readLayer ?? null,
  batchSize: 32,
  joint,
  weightings: joint ? weightings : [],
  devLimit: Number.isFinite(devLimit) ? devLimit : null,
  trainLimit: Number.isFinite(trainLimit) ? trainLimit : null,
};
await writeFileAtomic(`${base}.json`, JSON.stringify({ meta, summary, runs }, null, 2) + '\n');
/** mean ± sd; a Δm over fewer than 2 seeds says how many instead of an sd of 0. */
const fmt = (v: unknown, d: number, unit = '') => {
  if (!v || typeof v !== 'object') return '–';
  const { mean: m, sd: s, n } = v as { mean: number; sd: number; n?: number };
  return n !== undefined && n < 2 ? `${m.toFixed(d)}${unit} (1 seed)` : `${m.toFixed(d)} ± ${s.toFixed(d)}${unit}`;
};
const dmHeads = jointWeightings;
const perRun = runs.map((r) => {
  const dm = r.tasks.length > 1 ? runDeltaM(r, runs) : null;
  const ms = r.tasks.map((t) => `${t === 'sentiment' ? 'SST-2' : 'MLQE-PE'} ${r.metrics[`${t}.${PRIMARY[t]}`]!.toFixed(4)}`);
  return `- ${r.model} top ${r.layers}, seed ${r.seed}, ${r.tasks.join(' + ')}${r.weighting ? ` (${r.weighting})` : ''}: ${ms.join(', ')}${dm === null ? '' : `; Δm ${dm.toFixed(2)} %`}; ${r.msPerStep.toFixed(0)} ms/step${r.command && r.command !== command ? ` (\`${r.command}\`)` : ''}`;
});
const md = [
  `# Fine-tuning the top layers (${date})`,
  '',
  models.length
    ? `\`${meta.command}\` — ${steps} steps, batch 32, seeds ${seeds}, the encoder read at ${readLayer === undefined ? 'its last layer' : `layer ${readLayer}`}${previous.length ? `; with the runs of ${previous.map((f) => `\`${f}\``).join(', ')} (each run's command below where it differs)` : ''}.`
    : `The runs of ${previous.map((f) => `\`${f}\``).join(', ')}, each with its command below.`,
  '',
  `| model | top layers trained | SST-2 dev accuracy | MLQE-PE Pearson (mean of 7 pairs) | ${dmHeads.map((w) => `Δm joint vs single, ${w}`).join(' | ')}${dmHeads.length ? ' | ' : ''}ms/step | tokens/s |`,
  `| --- | --- | --- | --- | ${dmHeads.map(() => '--- | ').join('')}--- | --- |`,
  ...summary.map(
    (s) =>
      `| ${s.model} | ${s.layers === 0 ? '0 (frozen)' : s.layers} | ${fmt(s['sentiment.accuracy'], 4)} | ${fmt(s['translation-quality.pearson'], 3)} | ${dmHeads.map((w) => `${fmt((s.deltaM as Record<string, unknown> | undefined)?.[w], 2, ' %')} | `).join('')}${(s.msPerStep as number).toFixed(0)} | ${(s.tokensPerSecond as number).toFixed(0)} |`,
  ),
  '',
  `${dmHeads.length ? "Δm: the joint run against the same seed's single-task runs (mean ± sd over seeds). " : ''}Each run:`,
  '',
  ...perRun,
  '',
];
await writeFileAtomic(`${base}.md`, md.join('\n'));
rmSync(partial, { force: true });
log(`wrote ${base}.{json,md}`);
