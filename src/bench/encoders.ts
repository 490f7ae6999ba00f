/**
 * Encoder suite: the same training command on several encoders, joint and single task, with the
 * baselines beside them — the table behind "which encoder is the default". For each encoder:
 * `mtl train --config tasks/multitask.yaml --epochs 2 --encoder E` (joint), the same with
 * `--tasks T` for each task (single), and Δm of the joint run against the singles. Writes
 * `results/encoders-<date>.{json,md}` and a bar plot of the primary dev metrics.
 */
import { join, resolve } from 'node:path';
import { loadTrainingConfig } from '../config/load.js';
import { loadEncoder } from '../experiment/encoder.js';
import { fmt, markdownTable } from '../experiment/report.js';
import { chooseData, trainFromConfig, type TrainReport } from '../experiment/train.js';
import { metricBarsSpec, renderVegaLite } from '../report/plots.js';
import { writeFileAtomic } from '../utils/fs.js';
import { packageRoot } from '../utils/paths.js';
import { deltaMAgainst } from './quality.js';

export interface EncoderUnderTest {
  /** Row label, e.g. "mtl:mini (default)". */
  label: string;
  /** Hub id, folder, `fixture:<variant>` or `mtl:<name>`. */
  model: string;
  dtype?: 'fp32' | 'fp16' | 'q8' | 'q4';
}

export interface EncoderSuiteOptions {
  encoders: EncoderUnderTest[];
  config?: string;
  epochs?: number;
  /** Small slices and few steps (smoke test). */
  quick?: boolean;
  dataDir?: string;
  sample?: boolean;
  out?: string;
  log?: (line: string) => void;
}

export interface EncoderSuiteRow {
  encoder: EncoderUnderTest;
  info: Record<string, unknown>;
  joint: TrainReport;
  singles: Record<string, TrainReport>;
  deltaM: number | null;
  encodeSeconds: number;
}

const TASKS = ['sentiment', 'translation-quality', 'summarization'] as const;
const COLUMNS: [string, string, string][] = [
  ['sentiment', 'accuracy', 'SST-2 acc'],
  ['translation-quality', 'pearson', 'MLQE-PE Pearson'],
  ['summarization', 'rouge1', 'BBC R-1'],
  ['summarization', 'rouge2', 'BBC R-2'],
  ['summarization', 'rougeLsum', 'BBC R-Lsum'],
];

export async function runEncoderSuite(opts: EncoderSuiteOptions): Promise<{ json: string; markdown: string; rows: EncoderSuiteRow[] }> {
  const log = opts.log ?? (() => undefined);
  const configFile = opts.config ?? join(packageRoot(), 'tasks', 'multitask.yaml');
  const cfg = loadTrainingConfig(configFile);
  const data = chooseData({ dataDir: opts.dataDir, sample: opts.sample });
  const date = new Date().toISOString().slice(0, 10);
  const outDir = resolve(opts.out ?? 'results');
  const epochs = opts.epochs ?? 2;
  const base = opts.quick ? { limit: { train: 120, dev: 40 }, steps: 40 } : { epochs };
  const rows: EncoderSuiteRow[] = [];
  let baselines: Record<string, Record<string, Record<string, number>>> = {};
  for (const e of opts.encoders) {
    const started = Date.now();
    const encoder = await loadEncoder({ ...cfg.encoder, model: e.model, ...(e.dtype ? { dtype: e.dtype } : {}) });
    try {
      const common = {
        ...base,
        config: configFile,
        dataDir: data.sample ? undefined : data.dir,
        sample: data.sample,
        encoderInstance: encoder,
      };
      const jointRun = await trainFromConfig({ ...common, baselines: false });
      jointRun.model.dispose();
      const encodeSeconds = (Date.now() - started) / 1000 - jointRun.report.trainMs / 1000;
      log(`${e.label}: joint ${jointRun.report.steps} steps`);
      const singles: Record<string, TrainReport> = {};
      for (const task of TASKS) {
        const wantBaselines = Object.keys(baselines).length < TASKS.length;
        const run = await trainFromConfig({ ...common, tasks: [task], baselines: wantBaselines });
        run.model.dispose();
        singles[task] = run.report;
        if (wantBaselines) baselines = { ...baselines, [task]: run.report.tasks[task]!.baselines };
        log(`${e.label}: single ${task} ${run.report.steps} steps`);
      }
      rows.push({
        encoder: e,
        info: { ...encoder.info },
        joint: jointRun.report,
        singles,
        deltaM: deltaMAgainst(jointRun.report, singles),
        encodeSeconds,
      });
    } finally {
      await encoder.dispose();
    }
  }

  const summary = {
    suite: 'encoders',
    date,
    quick: Boolean(opts.quick),
    data: data.sample ? 'sample' : data.dir,
    command: `mtl train --config ${configFile.slice(packageRoot().length + 1)} ${opts.quick ? '(quick slices)' : `--epochs ${epochs}`} --encoder E [--tasks T]`,
    rows: rows.map((r) => ({
      label: r.encoder.label,
      model: r.encoder.model,
      info: r.info,
      joint: Object.fromEntries(Object.entries(r.joint.tasks).map(([t, x]) => [t, x.metrics])),
      single: Object.fromEntries(Object.entries(r.singles).map(([t, s]) => [t, s.tasks[t]!.metrics])),
      deltaM: r.deltaM,
      steps: { joint: r.joint.steps, single: Object.fromEntries(Object.entries(r.singles).map(([t, s]) => [t, s.steps])) },
    })),
    baselines,
  };
  const json = JSON.stringify(summary, null, 2);
  const stem = join(outDir, `encoders-${date}${opts.quick ? '-quick' : ''}`);
  await writeFileAtomic(`${stem}.json`, json + '\n');

  const bars: { task: string; system: string; value: number; metric: string }[] = [];
  for (const [task, metric] of [
    ['sentiment', 'accuracy'],
    ['translation-quality', 'pearson'],
    ['summarization', 'rouge2'],
  ] as const) {
    for (const r of rows)
      bars.push({ task, metric, system: `${r.encoder.label} joint`, value: r.joint.tasks[task]?.metrics[metric] ?? NaN });
    for (const [b, m] of Object.entries(baselines[task] ?? {}))
      bars.push({ task, metric, system: `baseline ${b}`, value: m[metric] ?? NaN });
  }
  await renderVegaLite(metricBarsSpec(bars.filter((b) => Number.isFinite(b.value))), `${stem}-bars`);

  const header = ['encoder', 'run', ...COLUMNS.map((c) => c[2]), 'Δm %'];
  const table: (string | number)[][] = [];
  for (const r of rows) {
    table.push([
      r.encoder.label,
      'joint',
      ...COLUMNS.map(([t, m]) => fmt(r.joint.tasks[t]?.metrics[m], m.startsWith('rouge') ? 2 : 3)),
      r.deltaM === null ? '–' : r.deltaM.toFixed(2),
    ]);
    table.push([
      r.encoder.label,
      'single task',
      ...COLUMNS.map(([t, m]) => fmt(r.singles[t]?.tasks[t]?.metrics[m], m.startsWith('rouge') ? 2 : 3)),
      '',
    ]);
  }
  for (const [task, bs] of Object.entries(baselines)) {
    for (const [b, m] of Object.entries(bs))
      table.push([`baseline ${b}`, '', ...COLUMNS.map(([t, k]) => (t === task ? fmt(m[k], k.startsWith('rouge') ? 2 : 3) : '')), '']);
  }
  const markdown = [
    `# Encoder suite ${date}${opts.quick ? ' (quick)' : ''}`,
    '',
    `Data: ${summary.data}. Command per encoder: \`${summary.command}\`. Dev metrics; Δm of the joint run against the single-task runs (LibMTL, %).`,
    '',
    markdownTable(header, table),
    '',
    ...rows.map(
      (r) =>
        `- ${r.encoder.label}: \`${r.encoder.model}\` (${String(r.info.dtype)}, dim ${String(r.info.dim)}, maxLength ${String(r.info.maxLength)}); encoding + setup ${r.encodeSeconds.toFixed(0)} s`,
    ),
    '',
    `![primary dev metrics](${stem.slice(outDir.length + 1)}-bars.png)`,
  ].join('\n');
  await writeFileAtomic(`${stem}.md`, markdown + '\n');
  return { json, markdown, rows };
}
