/**
 * Which encoder layer each task reads, in a joint model (docs/benchmarks.md, "Which layer of the encoder"): the
 * three tasks trained together on reference-mini (frozen) with the configs in benchmarks/configs/
 * (the path of `mtl train`): every task on the last layer, sentiment and translation quality on layer
 * 4 with summarization on the last (`tasks[].layer`), and every task on layer 4 (`encoder.layer`).
 *
 *   npx tsx benchmarks/joint-layers.ts [--seeds K] [--steps S] [--out results]
 *
 * Writes results/joint-layers-<date>.{json,md} and -bars.{svg,png}.
 */
import { join, resolve } from 'node:path';
import { trainFromConfig } from '../src/experiment/train.js';
import { metricBarsSpec, renderVegaLite } from '../src/report/plots.js';
import { writeFileAtomic } from '../src/utils/fs.js';
import { packageRoot } from '../src/utils/paths.js';
import { mean, sd } from './stats.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const seeds = Number(arg('seeds') ?? 3);
const steps = arg('steps') === undefined ? undefined : Number(arg('steps'));
const outDir = resolve(arg('out') ?? process.env.MTL_RESULTS_DIR ?? 'results');
const log = (l: string) => console.error(l);

const VARIANTS = [
  { config: 'joint-last', name: 'every task on the last layer (6 of 6)' },
  { config: 'joint-task-layers', name: 'sentiment, TQ on layer 4; summarization on the last' },
  { config: 'joint-layer4', name: 'every task on layer 4' },
];
const PAIRS = ['en-de', 'en-zh', 'et-en', 'ne-en', 'ro-en', 'ru-en', 'si-en'];
const METRICS: [task: string, metric: string, label: string, digits: number][] = [
  ['sentiment', 'accuracy', 'SST-2 accuracy', 4],
  ['translation-quality', 'pearson', 'MLQE-PE Pearson (mean of 7 pairs)', 3],
  ['summarization', 'rouge2', 'BBC ROUGE-2', 2],
];

const t0 = Date.now();
const runs: { variant: string; seed: number; metrics: Record<string, number> }[] = [];
let baselines: Record<string, Record<string, Record<string, number>>> = {};
for (const v of VARIANTS) {
  for (let s = 0; s < seeds; s++) {
    const run = await trainFromConfig({
      config: join(packageRoot(), 'benchmarks', 'configs', `${v.config}.yaml`),
      seed: 42 + s,
      ...(steps ? { steps } : {}),
      baselines: runs.length === 0,
    });
    const t = run.report.tasks;
    if (runs.length === 0) baselines = Object.fromEntries(Object.entries(t).map(([k, r]) => [k, r.baselines]));
    const metrics: Record<string, number> = {};
    for (const [task, m] of METRICS) metrics[`${task}.${m}`] = t[task]!.metrics[m]!;
    for (const p of PAIRS) metrics[`translation-quality.pearson@${p}`] = t['translation-quality']!.metrics[`pearson@${p}`]!;
    runs.push({ variant: v.name, seed: 42 + s, metrics });
    log(`[${v.name}] seed ${42 + s}: ${METRICS.map(([task, m, , d]) => `${task} ${m} ${metrics[`${task}.${m}`]!.toFixed(d)}`).join(', ')}`);
    run.model.dispose();
    await run.model.encoder?.dispose();
  }
}
const keys = Object.keys(runs[0]!.metrics);
const summary = VARIANTS.map((v) => {
  const rs = runs.filter((r) => r.variant === v.name);
  return {
    name: v.name,
    config: `benchmarks/configs/${v.config}.yaml`,
    mean: Object.fromEntries(keys.map((k) => [k, mean(rs.map((r) => r.metrics[k]!))])),
    sd: Object.fromEntries(keys.map((k) => [k, sd(rs.map((r) => r.metrics[k]!))])),
  };
});
const date = new Date().toISOString().slice(0, 10);
const stem = join(outDir, `joint-layers-${date}`);
await writeFileAtomic(
  `${stem}.json`,
  JSON.stringify(
    { date, setup: { encoder: '../shared/models/reference-mini', seeds, steps: steps ?? 3000 }, summary, baselines, runs },
    null,
    2,
  ) + '\n',
);
const bars = summary.flatMap((s) => METRICS.map(([task, m]) => ({ task, system: s.name, value: s.mean[`${task}.${m}`]!, metric: m })));
let plot = '';
try {
  await renderVegaLite(metricBarsSpec(bars, 'Joint model on reference-mini: which encoder layer each task reads'), `${stem}-bars`);
  plot = `\n![joint model by encoder layer](${stem.slice(outDir.length + 1)}-bars.png)\n`;
} catch (err) {
  log(`no plot: ${(err as Error).message}`);
}
const f = (x: number | undefined, d: number) => (x === undefined || !Number.isFinite(x) ? '' : x.toFixed(d));
const md = `# Joint model by encoder layer ${date}

The three tasks trained jointly on reference-mini (frozen, fp32, mean pooling) with the default task YAMLs,
${steps ?? 3000} steps of 32, temperature sampling (T = 2), static λ = 1, hard sharing 1 × 256; ${seeds} seeds (mean ± sd).
Command: \`npx tsx benchmarks/joint-layers.ts --seeds ${seeds}${steps ? ` --steps ${steps}` : ''}\` (each run is \`npx mtl train --config <config> --seed <seed>\`).

| variant | config | ${METRICS.map(([, , label]) => label).join(' | ')} | ${PAIRS.join(' | ')} |
| --- | --- | ${METRICS.map(() => '---').join(' | ')} | ${PAIRS.map(() => '---').join(' | ')} |
${summary.map((s) => `| ${s.name} | \`${s.config}\` | ${METRICS.map(([task, m, , d]) => `**${f(s.mean[`${task}.${m}`], d)}** ± ${f(s.sd[`${task}.${m}`], d)}`).join(' | ')} | ${PAIRS.map((p) => f(s.mean[`translation-quality.pearson@${p}`], 3)).join(' | ')} |`).join('\n')}

Baselines (first run's encoder, the last layer): ${Object.entries(baselines)
  .map(
    ([task, b]) =>
      `${task}: ${Object.entries(b)
        .map(
          ([name, m]) =>
            `${name} ${Object.entries(m)
              .filter(([k]) => ['accuracy', 'pearson', 'rouge2'].includes(k))
              .map(([, x]) => x.toFixed(3))
              .join(' ')}`,
        )
        .join(', ')}`,
  )
  .join('; ')}.

Total time ${Math.round((Date.now() - t0) / 1000)} s.
${plot}`;
await writeFileAtomic(`${stem}.md`, md);
console.log(md);
