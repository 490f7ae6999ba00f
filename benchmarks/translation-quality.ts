/**
 * Translation-quality ablation (issue #15): input modes (siamese, cross, cross+siamese) × side
 * features (none, model score, length ratio, both), each trained with the project's training
 * (`trainFromConfig`, the path of `mtl train`) on the same frozen encoder, the same training subset
 * and the same step budget, over several seeds; MLQE-PE dev Pearson per language pair and the mean
 * of the per-pair values, next to the `model-scores` and `length-ratio` baselines.
 *
 *   npx tsx benchmarks/translation-quality.ts [--encoder DIR] [--train-per-pair N] [--steps S]
 *     [--batch B] [--seeds K] [--only name,name] [--layer K] [--out results] [--tag T] [--quick]
 *
 * --layer K reads the encoder's features from layer K (its `layer` option; default the last); a list
 * (--layer 3,4,5,6) runs every variant at each of those layers.
 *
 * Writes results/tq-ablation-<date>[-tag].{json,md} and -bars.{svg,png} (vega-lite, src/report/plots.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadTaskConfig } from '../src/config/load.js';
import { loadEncoder } from '../src/experiment/encoder.js';
import { trainFromConfig, type TrainReport } from '../src/experiment/train.js';
import { metricBarsSpec, renderVegaLite } from '../src/report/plots.js';
import type { TranslationQualityFeature, TranslationQualityInput } from '../src/tasks/translation-quality/index.js';
import { writeFileAtomic } from '../src/utils/fs.js';
import { packageRoot } from '../src/utils/paths.js';
import { mean, sd } from './stats.js';

const PAIRS = ['en-de', 'en-zh', 'et-en', 'ne-en', 'ro-en', 'ru-en', 'si-en'];

interface Variant {
  name: string;
  mode: TranslationQualityInput;
  features: TranslationQualityFeature[];
  /** The encoder layer the features are read from (--layer; absent: the last). */
  layer?: number;
}

const VARIANTS: Variant[] = [];
for (const features of [[], ['model-score', 'length-ratio']] as TranslationQualityFeature[][]) {
  for (const mode of ['siamese', 'cross', 'cross+siamese'] as const) {
    VARIANTS.push({ name: features.length ? `${mode} + score + ratio` : mode, mode, features });
  }
}
VARIANTS.push({ name: 'cross+siamese + score', mode: 'cross+siamese', features: ['model-score'] });
VARIANTS.push({ name: 'cross+siamese + ratio', mode: 'cross+siamese', features: ['length-ratio'] });

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const quick = process.argv.includes('--quick');
const encoderDir = resolve(arg('encoder') ?? join(packageRoot(), '..', 'shared', 'models', 'reference-mini'));
const perPair = Number(arg('train-per-pair') ?? (quick ? 200 : 2000));
const steps = Number(arg('steps') ?? (quick ? 100 : 1000));
const batchSize = Number(arg('batch') ?? 32);
const seeds = Number(arg('seeds') ?? (quick ? 1 : 3));
const only = arg('only')?.split(',');
const outDir = resolve(arg('out') ?? 'results');
const tag = arg('tag');
const layers = arg('layer')?.split(',').map(Number);
if (layers?.some((k) => !Number.isInteger(k))) throw new Error(`--layer: integers (0 = embeddings, -1 = the last), got ${arg('layer')}`);
const encoderSpec = (layer: number | undefined) => ({
  model: encoderDir,
  dtype: 'fp32' as const,
  pooling: 'mean' as const,
  maxLength: 128,
  ...(layer !== undefined ? { layer } : {}),
});
const log = (l: string) => console.error(l);

const chosen = only ? VARIANTS.filter((v) => only.includes(v.name)) : VARIANTS;
const variants: Variant[] =
  layers === undefined
    ? chosen
    : layers.length === 1
      ? chosen.map((v) => ({ ...v, layer: layers[0] }))
      : layers.flatMap((k) => chosen.map((v) => ({ ...v, name: `layer ${k} · ${v.name}`, layer: k })));
const tmp = mkdtempSync(join(tmpdir(), 'mtl-tq-ablation-'));
const base = loadTaskConfig(join(packageRoot(), 'tasks', 'translation-quality.yaml'));

/** A training config (JSON is YAML) for one variant: the task config with its input block, static λ. */
function configFor(v: Variant): string {
  const task = join(tmp, `${v.name.replace(/[^a-z0-9]+/gi, '-')}.task.yaml`);
  const { input: _input, ...rest } = base;
  writeFileSync(task, JSON.stringify({ ...rest, input: { mode: v.mode, features: v.features } }));
  const file = join(tmp, `${v.name.replace(/[^a-z0-9]+/gi, '-')}.yaml`);
  writeFileSync(
    file,
    JSON.stringify({
      encoder: encoderSpec(v.layer),
      tasks: [{ config: task, lambda: 1 }],
      architecture: { type: 'hard' },
      sharedLayers: { depth: 1, width: 256, dropout: 0.1 },
      training: {
        batchSize,
        optimizer: { type: 'adamw', lr: 0.001, weightDecay: 0.01 },
        schedule: { warmup: 0.05, decay: 'linear' },
        weighting: { type: 'static' },
        sampling: { type: 'all' },
        clipNorm: 1.0,
        seed: 42,
      },
    }),
  );
  return file;
}

const t0 = Date.now();
const baseEncoder = await loadEncoder(encoderSpec(undefined));
/** The encoder at a variant's layer: the same model cut there (opened once, disposed with `baseEncoder`). */
const encoderAt = (layer: number | undefined) => (layer === undefined ? baseEncoder : baseEncoder.atLayer(layer));
const runs: { variant: Variant; seed: number; metrics: Record<string, number>; trainMs: number }[] = [];
let baselines: TrainReport['tasks'][string]['baselines'] = {};
let counts = { train: 0, dev: 0 };
try {
  for (const v of variants) {
    const config = configFor(v);
    const encoder = await encoderAt(v.layer);
    for (let s = 0; s < seeds; s++) {
      const run = await trainFromConfig({
        config,
        encoderInstance: encoder,
        limit: { train: perPair * PAIRS.length },
        steps,
        batchSize,
        seed: 42 + s,
        baselines: runs.length === 0,
        onEncodeProgress: (done, total) => {
          if (done === total || done % 5000 < 40) log(`[${v.name}] encoded ${done}/${total}`);
        },
      });
      const tq = run.report.tasks['translation-quality']!;
      if (runs.length === 0) {
        baselines = tq.baselines;
        counts = { train: tq.train, dev: tq.dev };
      }
      runs.push({ variant: v, seed: 42 + s, metrics: tq.metrics, trainMs: run.report.trainMs });
      log(
        `[${v.name}] seed ${42 + s}: mean Pearson ${tq.metrics.pearson?.toFixed(3)} (${PAIRS.map((p) => `${p} ${tq.metrics[`pearson@${p}`]?.toFixed(3)}`).join(', ')})`,
      );
      run.model.dispose();
    }
  }
} finally {
  await baseEncoder.dispose();
  rmSync(tmp, { recursive: true, force: true });
}

const keys = [...PAIRS.map((p) => `pearson@${p}`), 'pearson'];
const summary = variants.map((v) => {
  const rs = runs.filter((r) => r.variant === v);
  return {
    name: v.name,
    mode: v.mode,
    features: v.features,
    ...(v.layer !== undefined ? { layer: v.layer } : {}),
    seeds: rs.map((r) => r.seed),
    mean: Object.fromEntries(keys.map((k) => [k, mean(rs.map((r) => r.metrics[k] as number))])),
    sd: Object.fromEntries(keys.map((k) => [k, sd(rs.map((r) => r.metrics[k] as number))])),
  };
});

const date = new Date().toISOString().slice(0, 10);
const stem = join(outDir, `tq-ablation-${date}${tag ? `-${tag}` : ''}${quick ? '-quick' : ''}`);
const setup = {
  encoder: encoderDir,
  ...(layers !== undefined ? { layers } : {}),
  train: counts.train,
  trainPerPair: perPair,
  dev: counts.dev,
  steps,
  batchSize,
  seeds,
  lr: 0.001,
  sharedLayers: '1 × 256',
  head: base.head,
};
await writeFileAtomic(
  `${stem}.json`,
  JSON.stringify(
    {
      date,
      setup,
      summary,
      baselines,
      runs: runs.map((r) => ({ variant: r.variant.name, seed: r.seed, metrics: r.metrics, trainMs: r.trainMs })),
    },
    null,
    2,
  ) + '\n',
);

const f3 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '' : x.toFixed(3));
const header = `| variant | ${PAIRS.join(' | ')} | **mean** |\n| --- | ${PAIRS.map(() => '---').join(' | ')} | --- |`;
const rows = summary.map(
  (s) => `| ${s.name} | ${keys.map((k) => (k === 'pearson' ? `**${f3(s.mean[k])}** ± ${f3(s.sd[k])}` : f3(s.mean[k]))).join(' | ')} |`,
);
const baseRows = Object.entries(baselines).map(([b, m]) => `| baseline ${b} | ${keys.map((k) => f3(m[k])).join(' | ')} |`);
const openKiwi = {
  'en-de': 0.146,
  'en-zh': 0.168,
  'et-en': 0.477,
  'ne-en': 0.386,
  'ro-en': 0.685,
  'ru-en': 0.548,
  'si-en': 0.374,
} as Record<string, number>;
const kiwiRow = `| OpenKiwi (published, test split) | ${PAIRS.map((p) => f3(openKiwi[p])).join(' | ')} | ${f3(mean(Object.values(openKiwi)))} |`;
const best = [...summary].sort((a, b) => (b.mean.pearson as number) - (a.mean.pearson as number))[0]!;
const ms = baselines['model-scores'];
const beatsEvery = ms ? PAIRS.every((p) => (best.mean[`pearson@${p}`] as number) > (ms[`pearson@${p}`] as number)) : false;

const bars = [
  ...summary.flatMap((s) =>
    keys.map((k) => ({ task: k === 'pearson' ? 'mean' : k.slice(8), system: s.name, value: s.mean[k] as number, metric: 'Pearson' })),
  ),
  ...(ms
    ? keys.map((k) => ({
        task: k === 'pearson' ? 'mean' : k.slice(8),
        system: 'baseline model-scores',
        value: ms[k] as number,
        metric: 'Pearson',
      }))
    : []),
].filter((b) => Number.isFinite(b.value));
let plot = '';
try {
  await renderVegaLite(
    metricBarsSpec(bars, `MLQE-PE dev Pearson: input modes × side features${layers && layers.length > 1 ? ' × encoder layer' : ''}`),
    `${stem}-bars`,
  );
  plot = `\n![MLQE-PE dev Pearson per pair and mean](${stem.slice(outDir.length + 1)}-bars.png)\n`;
} catch (err) {
  log(`no plot: ${(err as Error).message}`);
}

const md = `# Translation-quality ablation ${date}

Encoder \`${encoderDir}\` (frozen, mean pooling, fp32, maxLength 128${layers !== undefined ? `, layer ${layers.join(', ')}` : ''}). Training: \`trainFromConfig\` (the path of \`mtl train\`),
translation quality alone, ${counts.train} MLQE-PE training pairs (${perPair} per language pair, evenly spaced), ${steps} steps of ${batchSize},
AdamW lr 1e-3, warmup 5 %, linear decay, shared layer 1 × 256, head ${base.head.hidden} hidden; ${seeds} seed(s) per variant (mean ± sd of
the mean Pearson). Dev: all ${counts.dev} dev pairs. Metric: Pearson r with \`z_mean\` per pair; **mean** = mean of the 7 per-pair values.
Command: \`npx tsx benchmarks/translation-quality.ts --train-per-pair ${perPair} --steps ${steps} --batch ${batchSize} --seeds ${seeds}${only ? ` --only "${only.join(',')}"` : ''}${layers !== undefined ? ` --layer ${layers.join(',')}` : ''}${tag ? ` --tag ${tag}` : ''}\`.

${header}
${rows.join('\n')}
${baseRows.join('\n')}
${kiwiRow}

Best: **${best.name}** (mean ${f3(best.mean.pearson)}); above \`model-scores\` on every pair: ${beatsEvery ? 'yes' : 'no'}. Total time ${Math.round((Date.now() - t0) / 1000)} s.
${plot}`;
await writeFileAtomic(`${stem}.md`, md);
console.log(md);
