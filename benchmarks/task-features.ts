/**
 * Side-feature ablations of sentiment and summarization (issue #15), trained with the project's
 * training (`trainFromConfig`, the path of `mtl train`) on the same frozen encoder, one task alone,
 * the same step budget, several seeds; dev metrics next to the task's baselines.
 *
 *   npx tsx benchmarks/task-features.ts --task sentiment|summarization [--encoder DIR] [--layer K] [--steps S]
 *     [--batch B] [--seeds K] [--out results] [--variants 0,3]
 *
 *   sentiment:      mean-pooled vector vs + lexicon (AFINN score), each with attention pooling of the token states;
 *                   then the default read from inner layers of the encoder (its `layer` option: 5, 4, 3 of 6)
 *   summarization:  none vs + textrank vs + textrank, centrality, redundancy vs the same with
 *                   conditional selection (redundancy to the selected sentences learnt in training)
 *                   vs conditional selection alone (all with trigram blocking); the three features
 *                   with and without conditional selection, trigram blocking off
 *
 * Writes results/<task>-features-<date>.{json,md} and -bars.{svg,png} (vega-lite, src/report/plots.ts);
 * with --variants (indices into the list) only those run, written to <task>-features-<date>[-layer<K>]-v<i>-<j>.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadTaskConfig } from '../src/config/load.js';
import { loadEncoder } from '../src/experiment/encoder.js';
import { trainFromConfig } from '../src/experiment/train.js';
import { metricBarsSpec, renderVegaLite } from '../src/report/plots.js';
import { writeFileAtomic } from '../src/utils/fs.js';
import { packageRoot } from '../src/utils/paths.js';
import { mean, sd } from './stats.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const taskName = arg('task') ?? 'sentiment';
if (taskName !== 'sentiment' && taskName !== 'summarization') throw new Error(`--task sentiment|summarization, got ${taskName}`);
const encoderDir = resolve(arg('encoder') ?? join(packageRoot(), '..', 'shared', 'models', 'reference-mini'));
/** The encoder layer of the variants that name none (Encoder's `layer`; default the last). */
const layerArg = arg('layer') === undefined ? undefined : Number(arg('layer'));
if (layerArg !== undefined && !Number.isInteger(layerArg))
  throw new Error(`--layer: an integer (0 = embeddings, -1 = the last), got ${arg('layer')}`);
const quick = process.argv.includes('--quick');
const steps = Number(arg('steps') ?? (quick ? 100 : 1000));
const batchSize = Number(arg('batch') ?? (taskName === 'sentiment' ? 32 : 16));
const seeds = Number(arg('seeds') ?? (quick ? 1 : 3));
const outDir = resolve(arg('out') ?? process.env.MTL_RESULTS_DIR ?? 'results');
const log = (l: string) => console.error(l);

/**
 * Each variant is the task YAML's `input` block (and optionally `inference` settings over the YAML's, and
 * the encoder `layer` its features are read from).
 */
const ALL_VARIANTS: { name: string; input: Record<string, unknown>; inference?: Record<string, unknown>; layer?: number }[] =
  taskName === 'sentiment'
    ? [
        { name: 'mean-pooled vector', input: { features: [] } },
        { name: '+ lexicon', input: { features: ['lexicon'] } },
        { name: 'attention pooling', input: { features: [], pooling: 'attention' } },
        { name: 'attention pooling + lexicon', input: { features: ['lexicon'], pooling: 'attention' } },
        { name: 'attention pooling + lexicon, encoder layer 5 of 6', input: { features: ['lexicon'], pooling: 'attention' }, layer: 5 },
        { name: 'attention pooling + lexicon, encoder layer 4 of 6', input: { features: ['lexicon'], pooling: 'attention' }, layer: 4 },
        { name: 'attention pooling + lexicon, encoder layer 3 of 6', input: { features: ['lexicon'], pooling: 'attention' }, layer: 3 },
      ]
    : [
        // 0–4 select with trigram blocking (the YAML's default until 2026-11-30), 5–6 without
        { name: 'vector + document mean + position', input: { features: [] }, inference: { trigramBlocking: true } },
        { name: '+ textrank', input: { features: ['textrank'] }, inference: { trigramBlocking: true } },
        {
          name: '+ textrank, centrality, redundancy',
          input: { features: ['textrank', 'centrality', 'redundancy'] },
          inference: { trigramBlocking: true },
        },
        {
          name: '+ textrank, centrality, redundancy, conditional selection',
          input: { features: ['textrank', 'centrality', 'redundancy'], selection: 'conditional' },
          inference: { trigramBlocking: true },
        },
        {
          name: 'conditional selection alone (no document features)',
          input: { features: [], selection: 'conditional' },
          inference: { trigramBlocking: true },
        },
        {
          name: '+ textrank, centrality, redundancy; no trigram blocking',
          input: { features: ['textrank', 'centrality', 'redundancy'] },
          inference: { trigramBlocking: false },
        },
        {
          name: '+ textrank, centrality, redundancy, conditional selection; no trigram blocking',
          input: { features: ['textrank', 'centrality', 'redundancy'], selection: 'conditional' },
          inference: { trigramBlocking: false },
        },
      ];
const only = arg('variants')?.split(',').map(Number);
if (only?.some((i) => !(i >= 0 && i < ALL_VARIANTS.length)))
  throw new Error(`--variants: indices into 0..${ALL_VARIANTS.length - 1}, got ${arg('variants')}`);
const VARIANTS = only ? ALL_VARIANTS.filter((_, i) => only.includes(i)) : ALL_VARIANTS;
const METRICS = taskName === 'sentiment' ? ['accuracy', 'macro_f1'] : ['rouge1', 'rouge2', 'rougeLsum'];
const digits = taskName === 'sentiment' ? 4 : 2;

const tmp = mkdtempSync(join(tmpdir(), 'mtl-features-ablation-'));
const base = loadTaskConfig(join(packageRoot(), 'tasks', `${taskName}.yaml`));
function configFor(
  input: Record<string, unknown>,
  inference: Record<string, unknown> | undefined,
  layer: number | undefined,
  i: number,
): string {
  const task = join(tmp, `v${i}.task.yaml`);
  const { input: _input, ...rest } = base;
  writeFileSync(
    task,
    JSON.stringify({
      ...rest,
      input,
      ...(inference ? { inference: { ...(rest as { inference?: object }).inference, ...inference } } : {}),
    }),
  );
  const file = join(tmp, `v${i}.yaml`);
  writeFileSync(
    file,
    JSON.stringify({
      encoder: { model: encoderDir, dtype: 'fp32', pooling: 'mean', maxLength: 128, ...(layer !== undefined ? { layer } : {}) },
      tasks: [{ config: task, lambda: 1 }],
      sharedLayers: { depth: 1, width: 256, dropout: 0.1 },
      training: {
        batchSize,
        optimizer: { type: 'adamw', lr: 0.001, weightDecay: 0.01 },
        schedule: { warmup: 0.05, decay: 'linear' },
        sampling: { type: 'all' },
        clipNorm: 1.0,
        seed: 42,
      },
    }),
  );
  return file;
}

const t0 = Date.now();
const baseEncoder = await loadEncoder({ model: encoderDir, dtype: 'fp32', pooling: 'mean', maxLength: 128 });
/** The encoder at a variant's layer: the same model cut there (opened once, disposed with `baseEncoder`). */
const encoderAt = (layer: number | undefined) => (layer === undefined ? baseEncoder : baseEncoder.atLayer(layer));
const runs: { variant: string; seed: number; metrics: Record<string, number> }[] = [];
let baselines: Record<string, Record<string, number>> = {};
let counts = { train: 0, dev: 0 };
try {
  for (const [i, v] of VARIANTS.entries()) {
    const layer = v.layer ?? layerArg;
    const config = configFor(v.input, v.inference, layer, i);
    const encoder = await encoderAt(layer);
    for (let s = 0; s < seeds; s++) {
      const run = await trainFromConfig({ config, encoderInstance: encoder, steps, batchSize, seed: 42 + s, baselines: runs.length === 0 });
      const r = run.report.tasks[taskName]!;
      if (runs.length === 0) {
        baselines = r.baselines;
        counts = { train: r.train, dev: r.dev };
      }
      runs.push({ variant: v.name, seed: 42 + s, metrics: r.metrics });
      log(`[${v.name}] seed ${42 + s}: ${METRICS.map((m) => `${m} ${r.metrics[m]?.toFixed(digits)}`).join(', ')}`);
      run.model.dispose();
    }
  }
} finally {
  await baseEncoder.dispose();
  rmSync(tmp, { recursive: true, force: true });
}
const summary = VARIANTS.map((v) => {
  const rs = runs.filter((r) => r.variant === v.name);
  return {
    name: v.name,
    input: v.input,
    ...(v.inference ? { inference: v.inference } : {}),
    ...((v.layer ?? layerArg) !== undefined ? { layer: v.layer ?? layerArg } : {}),
    mean: Object.fromEntries(METRICS.map((m) => [m, mean(rs.map((r) => r.metrics[m]!))])),
    sd: Object.fromEntries(METRICS.map((m) => [m, sd(rs.map((r) => r.metrics[m]!))])),
  };
});
const date = new Date().toISOString().slice(0, 10);
const stem = join(
  outDir,
  `${taskName}-features-${date}${layerArg !== undefined ? `-layer${layerArg}` : ''}${only ? `-v${only.join('-')}` : ''}`,
);
await writeFileAtomic(
  `${stem}.json`,
  JSON.stringify(
    {
      date,
      task: taskName,
      setup: { encoder: encoderDir, train: counts.train, dev: counts.dev, steps, batchSize, seeds },
      summary,
      baselines,
      runs,
    },
    null,
    2,
  ) + '\n',
);
const primary = base.primaryMetric;
const bars = [
  ...summary.map((s) => ({ task: taskName, system: s.name, value: s.mean[primary]!, metric: primary })),
  ...Object.entries(baselines).map(([b, m]) => ({ task: taskName, system: `baseline ${b}`, value: m[primary]!, metric: primary })),
].filter((b) => Number.isFinite(b.value));
let plot = '';
try {
  await renderVegaLite(metricBarsSpec(bars, `${taskName} dev ${primary}: side features`), `${stem}-bars`);
  plot = `\n![${taskName} dev ${primary}](${stem.slice(outDir.length + 1)}-bars.png)\n`;
} catch (err) {
  log(`no plot: ${(err as Error).message}`);
}
const f = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '' : x.toFixed(digits));
const md = `# ${taskName} side-feature ablation ${date}

Encoder \`${encoderDir}\` (frozen, mean pooling, fp32, maxLength 128${layerArg !== undefined ? `, layer ${layerArg}` : ''}). ${taskName} alone, ${counts.train} training / ${counts.dev} dev examples,
${steps} steps of ${batchSize}, AdamW lr 1e-3, warmup 5 %, linear decay, shared layer 1 × 256, head ${base.head.hidden} hidden; ${seeds} seeds (mean ± sd).
Command: \`npx tsx benchmarks/task-features.ts --task ${taskName} --steps ${steps} --batch ${batchSize} --seeds ${seeds}${layerArg !== undefined ? ` --layer ${layerArg}` : ''}${only ? ` --variants ${only.join(',')}` : ''}\`.

| variant | ${METRICS.join(' | ')} |
| --- | ${METRICS.map(() => '---').join(' | ')} |
${summary.map((s) => `| ${s.name} | ${METRICS.map((m) => (m === primary ? `**${f(s.mean[m])}** ± ${f(s.sd[m])}` : f(s.mean[m]))).join(' | ')} |`).join('\n')}
${Object.entries(baselines)
  .map(([b, m]) => `| baseline ${b} | ${METRICS.map((k) => f(m[k])).join(' | ')} |`)
  .join('\n')}

Total time ${Math.round((Date.now() - t0) / 1000)} s.
${plot}`;
await writeFileAtomic(`${stem}.md`, md);
console.log(md);
