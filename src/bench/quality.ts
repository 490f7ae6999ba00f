/**
 * Quality suite: each task alone vs the three jointly under several loss weightings, architectures
 * and samplers, on the shared datasets (or the samples), with baselines beside them. Writes
 * `results/quality-<date>.json`, a Markdown report and plots.
 */
import { join, resolve } from 'node:path';
import type { ArchitectureConfig } from '../architectures/types.js';
import type { SentenceEncoder } from '../encoder/types.js';
import { deltaM } from '../metrics/delta-m.js';
import { loadEncoder } from '../experiment/encoder.js';
import { fmt, HEADLINE_METRICS, markdownTable } from '../experiment/report.js';
import { chooseData, trainFromConfig, type TrainReport, type TrainRunOptions } from '../experiment/train.js';
import { loadTrainingConfig } from '../config/load.js';
import { heatmapSpec, lambdaSpec, learningCurvesSpec, metricBarsSpec, renderVegaLite } from '../report/plots.js';
import type { SamplingConfig } from '../sampling/index.js';
import type { StepRecord } from '../training/trainer.js';
import type { WeightingConfig } from '../weighting/types.js';
import { writeFileAtomic } from '../utils/fs.js';
import { packageRoot } from '../utils/paths.js';

export interface QualityRunSpec {
  name: string;
  group: 'single' | 'lambda' | 'weighting' | 'architecture' | 'sampling';
  tasks?: string[];
  weighting?: WeightingConfig;
  architecture?: ArchitectureConfig;
  sampling?: SamplingConfig;
}

export interface QualityOptions {
  config?: string;
  quick?: boolean;
  out?: string;
  dataDir?: string;
  sample?: boolean;
  encoder?: string;
  /** Subset of run names (default all). */
  only?: string[];
  /** Optimisation steps of every run (default 400; --quick 60): one budget so runs compare. */
  steps?: number;
  /** Batch size per task and step (default 16). */
  batchSize?: number;
  log?: (line: string) => void;
}

export interface QualityRunResult {
  spec: QualityRunSpec;
  report: TrainReport;
  deltaM: number | null;
  steps: Pick<StepRecord, 'step' | 'losses' | 'lambdas'>[];
}

const TASKS = ['sentiment', 'translation-quality', 'summarization'];

export function qualityRuns(): QualityRunSpec[] {
  const lam = (s: number, q: number, m: number): WeightingConfig => ({
    type: 'static',
    lambdas: { sentiment: s, 'translation-quality': q, summarization: m },
  });
  // λ, weightings and architectures see a batch of every task each step (sampling 'all', as in
  // LibMTL): with one task per step, Adam's per-parameter scaling cancels a constant λ on that
  // task's own head, and GradNorm / PCGrad need all task gradients of a step.
  const all: SamplingConfig = { type: 'all' };
  return [
    ...TASKS.map((t): QualityRunSpec => ({ name: `single:${t}`, group: 'single', tasks: [t] })),
    { name: 'static λ=1,1,1', group: 'lambda', weighting: lam(1, 1, 1), sampling: all },
    { name: 'static λ=1,0.5,1', group: 'lambda', weighting: lam(1, 0.5, 1), sampling: all },
    { name: 'static λ=0.5,1,1', group: 'lambda', weighting: lam(0.5, 1, 1), sampling: all },
    { name: 'static λ=1,1,0.5', group: 'lambda', weighting: lam(1, 1, 0.5), sampling: all },
    { name: 'equal', group: 'weighting', weighting: { type: 'equal' }, sampling: all },
    { name: 'uncertainty', group: 'weighting', weighting: { type: 'uncertainty' }, sampling: all },
    { name: 'dwa', group: 'weighting', weighting: { type: 'dwa', T: 2 }, sampling: all },
    { name: 'gradnorm', group: 'weighting', weighting: { type: 'gradnorm', alpha: 1.5 }, sampling: all },
    { name: 'pcgrad', group: 'weighting', weighting: { type: 'pcgrad' }, sampling: all },
    { name: 'rlw', group: 'weighting', weighting: { type: 'rlw' }, sampling: all },
    { name: 'cross-stitch', group: 'architecture', architecture: { type: 'cross-stitch' }, weighting: { type: 'equal' }, sampling: all },
    { name: 'mmoe', group: 'architecture', architecture: { type: 'mmoe', experts: 4 }, weighting: { type: 'equal' }, sampling: all },
    { name: 'sampling proportional', group: 'sampling', sampling: { type: 'proportional' }, weighting: { type: 'equal' } },
    { name: 'sampling temperature T=2', group: 'sampling', sampling: { type: 'temperature', T: 2 }, weighting: { type: 'equal' } },
  ];
}

function headline(report: TrainReport): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [task, t] of Object.entries(report.tasks)) {
    out[task] = Object.fromEntries((HEADLINE_METRICS[task] ?? [t.primaryMetric]).map((m) => [m, t.metrics[m] ?? NaN]));
  }
  return out;
}

/** Δm of a joint run against the single-task runs, over the headline metrics (all higher-is-better). */
export function deltaMAgainst(joint: TrainReport, singles: Record<string, TrainReport>): number | null {
  const m = headline(joint);
  const b: Record<string, Record<string, number>> = {};
  const dir: Record<string, Record<string, boolean>> = {};
  for (const task of Object.keys(m)) {
    const s = singles[task];
    if (!s) return null;
    b[task] = headline(s)[task]!;
    dir[task] = Object.fromEntries(Object.keys(m[task]!).map((k) => [k, true]));
  }
  try {
    const v = deltaM(m, b, dir);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null; // a zero or NaN baseline metric leaves Δm undefined
  }
}

export async function runQualitySuite(opts: QualityOptions = {}): Promise<{ json: string; markdown: string; results: QualityRunResult[] }> {
  const log = opts.log ?? (() => undefined);
  const configFile = opts.config ?? join(packageRoot(), 'tasks', 'multitask.yaml');
  const cfg = loadTrainingConfig(configFile);
  const data = chooseData({ dataDir: opts.dataDir, sample: opts.sample });
  const outDir = resolve(opts.out ?? 'results');
  const date = new Date().toISOString().slice(0, 10);
  const encoderId = opts.encoder ?? cfg.encoder.model;
  const encoder: SentenceEncoder = await loadEncoder({ ...cfg.encoder, model: encoderId });
  const runs = qualityRuns().filter((r) => !opts.only || opts.only.includes(r.name));
  // quick: small slices and few steps, a smoke test of every plug-in in a few minutes
  const batchSize = opts.batchSize ?? 16;
  const base: Partial<TrainRunOptions> = opts.quick
    ? { limit: { train: 160, dev: 60 }, steps: opts.steps ?? 60, batchSize }
    : { steps: opts.steps ?? 400, batchSize };
  const results: QualityRunResult[] = [];
  const singles: Record<string, TrainReport> = {};
  try {
    for (const [i, spec] of runs.entries()) {
      const started = Date.now();
      const run = await trainFromConfig({
        ...base,
        config: configFile,
        dataDir: data.sample ? undefined : data.dir,
        sample: data.sample,
        encoderInstance: encoder,
        tasks: spec.tasks,
        weighting: spec.weighting,
        architecture: spec.architecture,
        sampling: spec.sampling,
        baselines: spec.group === 'single',
      });
      const steps = run.history.steps.map((s) => ({ step: s.step, losses: s.losses, lambdas: s.lambdas }));
      run.model.dispose();
      if (spec.group === 'single') singles[spec.tasks![0]!] = run.report;
      results.push({ spec, report: run.report, deltaM: null, steps });
      log(`[${i + 1}/${runs.length}] ${spec.name}: ${run.report.steps} steps, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await encoder.dispose();
  }
  for (const r of results) if (r.spec.group !== 'single') r.deltaM = deltaMAgainst(r.report, singles);

  const baselines: Record<string, Record<string, Record<string, number>>> = {};
  for (const [task, s] of Object.entries(singles)) baselines[task] = s.tasks[task]!.baselines;

  const summary = {
    suite: 'quality',
    date,
    quick: Boolean(opts.quick),
    data: data.sample ? 'sample' : data.dir,
    encoderId,
    encoder: encoder.info,
    runs: results.map((r) => ({
      name: r.spec.name,
      group: r.spec.group,
      architecture: r.report.architecture,
      weighting: r.report.weighting,
      sampling: r.report.sampling,
      steps: r.report.steps,
      trainMs: r.report.trainMs,
      backend: r.report.backend,
      metrics: Object.fromEntries(Object.entries(r.report.tasks).map(([t, x]) => [t, x.metrics])),
      deltaM: r.deltaM,
      lambdas: r.report.lambdas,
      relations: r.report.relations,
    })),
    baselines,
  };
  const json = JSON.stringify(summary, null, 2);
  const stem = join(outDir, `quality-${date}${opts.quick ? '-quick' : ''}`);
  await writeFileAtomic(`${stem}.json`, json + '\n');

  // plots
  const plots: string[] = [];
  const joint = results.find((r) => r.spec.name === 'static λ=1,1,1') ?? results.find((r) => r.spec.group !== 'single');
  if (joint) {
    const rows = joint.steps.flatMap((s) => Object.entries(s.losses).map(([task, value]) => ({ step: s.step, task, value })));
    await renderVegaLite(learningCurvesSpec(smooth(rows), `Training loss per task (${joint.spec.name})`), `${stem}-curves`);
    plots.push(`${stem}-curves.png`);
  }
  const dynamic = results.find((r) => r.spec.name === 'uncertainty') ?? results.find((r) => r.spec.name === 'dwa');
  if (dynamic) {
    const rows = dynamic.steps.flatMap((s) => Object.entries(s.lambdas).map(([task, lambda]) => ({ step: s.step, task, lambda })));
    await renderVegaLite(lambdaSpec(rows, `λ over training (${dynamic.spec.name})`), `${stem}-lambdas`);
    plots.push(`${stem}-lambdas.png`);
  }
  const bars: { task: string; system: string; value: number; metric: string }[] = [];
  for (const task of TASKS) {
    const single = singles[task];
    if (!single) continue;
    const metric = single.tasks[task]!.primaryMetric;
    bars.push({ task, metric, system: 'single', value: single.tasks[task]!.metrics[metric] ?? NaN });
    if (joint?.report.tasks[task]) bars.push({ task, metric, system: 'joint', value: joint.report.tasks[task]!.metrics[metric] ?? NaN });
    for (const [b, m] of Object.entries(single.tasks[task]!.baselines)) bars.push({ task, metric, system: b, value: m[metric] ?? NaN });
  }
  if (bars.length) {
    await renderVegaLite(metricBarsSpec(bars.filter((b) => Number.isFinite(b.value))), `${stem}-bars`);
    plots.push(`${stem}-bars.png`);
  }
  const cs = results.find((r) => r.spec.name === 'cross-stitch');
  const matrix = cs ? firstMatrix(cs.report.relations) : null;
  if (cs && matrix) {
    await renderVegaLite(
      heatmapSpec(matrix, cs.report.relations.tasks, undefined, 'Cross-stitch task relations (last layer)'),
      `${stem}-relations`,
    );
    plots.push(`${stem}-relations.png`);
  }

  const markdown = qualityMarkdown(
    summary,
    results,
    baselines,
    plots.map((p) => p.slice(outDir.length + 1)),
  );
  await writeFileAtomic(`${stem}.md`, markdown + '\n');
  return { json, markdown, results };
}

function smooth(rows: { step: number; task: string; value: number }[], window = 20) {
  const byTask = new Map<string, { step: number; value: number }[]>();
  for (const r of rows) byTask.set(r.task, [...(byTask.get(r.task) ?? []), r]);
  const out: { step: number; task: string; value: number }[] = [];
  for (const [task, list] of byTask) {
    for (let i = 0; i < list.length; i++) {
      const from = Math.max(0, i - window + 1);
      const slice = list.slice(from, i + 1);
      out.push({ step: list[i]!.step, task, value: slice.reduce((a, b) => a + b.value, 0) / slice.length });
    }
  }
  return out;
}

/** The cross-stitch relation matrix of the last layer, if the relations hold one. */
function firstMatrix(relations: TrainReport['relations']): number[][] | null {
  if (relations.type !== 'cross-stitch' || relations.alphas.length === 0) return null;
  return relations.alphas[relations.alphas.length - 1]!;
}

function qualityMarkdown(
  summary: { date: string; quick: boolean; data: string; encoderId: string; encoder: SentenceEncoder['info'] },
  results: QualityRunResult[],
  baselines: Record<string, Record<string, Record<string, number>>>,
  plots: string[],
): string {
  const cols: [string, string][] = [
    ['sentiment', 'accuracy'],
    ['sentiment', 'macro_f1'],
    ['translation-quality', 'pearson'],
    ['translation-quality', 'spearman'],
    ['summarization', 'rouge1'],
    ['summarization', 'rouge2'],
    ['summarization', 'rougeLsum'],
  ];
  const header = ['run', ...cols.map(([t, m]) => `${t.replace('translation-quality', 'TQ')} ${m}`), 'Δm %', 'steps', 'train s'];
  const rows = results.map((r) => [
    r.spec.name,
    ...cols.map(([t, m]) => fmt(r.report.tasks[t]?.metrics[m])),
    r.deltaM === null ? '–' : r.deltaM.toFixed(2),
    r.report.steps,
    (r.report.trainMs / 1000).toFixed(1),
  ]);
  for (const [task, bs] of Object.entries(baselines)) {
    for (const [b, m] of Object.entries(bs)) {
      rows.push([`baseline ${b}`, ...cols.map(([t, k]) => (t === task ? fmt(m[k]) : '')), '', '', '']);
    }
  }
  return [
    `# Quality suite ${summary.date}${summary.quick ? ' (quick)' : ''}`,
    '',
    `Data: ${summary.data}. Encoder: \`${summary.encoderId}\` (${summary.encoder.dtype}, ${summary.encoder.pooling}, dim ${summary.encoder.dim}). Dev metrics; Δm against the single-task runs over the metrics shown (LibMTL definition, %).`,
    '',
    markdownTable(header, rows),
    '',
    ...plots.map((p) => `![${p}](${p})`),
  ].join('\n');
}
