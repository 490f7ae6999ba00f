/**
 * Joint fine-tuning of the three tasks on the full datasets (docs/benchmarks.md, "Joint fine-tuning of
 * the three tasks"): the README's fine-tuning command and its variants, each run as `mtl train` in a
 * child process (its own peak memory), one after another, on the same machine:
 *
 *   npx tsx benchmarks/finetune-joint.ts [--variants frozen,top2] [--encoder DIR] [--epochs 2] [--seed 42] [--quick]
 *                                        [--previous a.json,b.json] [--out results]
 *
 * Variants (`mtl train --config multitask-finetune --encoder DIR --epochs E --seed S` plus):
 *   top2          nothing more: the shipped config (top 2 layers below the layer read, 4)
 *   frozen        --finetune 0 (the same config, encoder frozen)
 *   top2-last     --layer -1 (the same config read at the last layer: layers 5–6 of 6 fine-tuned)
 * `--previous` carries the runs of earlier result files into the table and the plot (each keeps its
 * commit; `--variants ''` only reports them). Each saved model is reloaded with `fromPretrained` and
 * evaluated on the dev sets (benchmarks/reload-check.ts); the json and the table give the metrics and
 * their largest difference from the run's own. Runs the built CLI (dist/) when there is one. `--quick`: a smoke run on the samples, 4 steps each
 * (results named -quick; another encoder than reference-mini adds its name, e.g. -mtl-mini). `mtl bench --suite finetune-joint` runs this script. Writes results/finetune-joint-<date>.{json,md} and -bars.{svg,png}; needs `npm run build`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadTrainingConfig } from '../src/config/load.js';
import { metricBarsSpec, renderVegaLite } from '../src/report/plots.js';
import { cpuFeatures } from '../src/utils/cpu.js';
import { writeFileAtomic } from '../src/utils/fs.js';
import { packageRoot } from '../src/utils/paths.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const encoder = arg('encoder') ?? '../shared/models/reference-mini';
const epochs = Number(arg('epochs') ?? 2);
const seed = Number(arg('seed') ?? 42);
const quick = process.argv.includes('--quick');
/** The machine's 1/5/15-minute load when the script starts: other work running would show here. */
const loadStart = loadavg();
const outDir = resolve(arg('out') ?? process.env.MTL_RESULTS_DIR ?? 'results');
const log = (l: string) => console.error(l);

const VARIANTS: Record<string, { name: string; args: readonly string[] }> = {
  top2: { name: 'top 2 fine-tuned (layers 3–4, read at 4)', args: [] },
  frozen: { name: 'frozen (read at layer 4)', args: ['--finetune', '0'] },
  'top2-last': { name: 'top 2 fine-tuned (layers 5–6, the last)', args: ['--layer', '-1'] },
};
// a task trained in batches of its own size is named in the runs' names (the config as it ran)
const ownBatches = loadTrainingConfig('multitask-finetune')
  .taskConfigs.filter((t) => t.batchSize !== undefined)
  .map((t) => `${t.name} in batches of ${t.batchSize}`);
for (const v of Object.values(VARIANTS)) if (ownBatches.length) v.name = `${v.name.slice(0, -1)}; ${ownBatches.join(', ')})`;
const chosen = (arg('variants') ?? 'frozen,top2').split(',').filter(Boolean);
const previous = (arg('previous') ?? '').split(',').filter(Boolean);
if (chosen.length === 0 && previous.length === 0) throw new Error('--variants: name at least one variant (or --previous runs to report)');
for (const v of chosen)
  if (!VARIANTS[v]) throw new Error(`--variants: unknown variant "${v}"; the variants are ${Object.keys(VARIANTS).join(', ')}`);

export interface JointRun {
  variant: string;
  name: string;
  command: string;
  commit: string;
  wallS: number;
  trainS: number;
  peakRssMiB: number | null;
  finetune: unknown;
  /** Median step time (ms) per epoch and task, from the run's metrics.jsonl. */
  stepMs: Record<string, { n: number; median: number }>;
  /** Dev metrics at each epoch's end. */
  evals: { epoch: number; step: number; metrics: Record<string, Record<string, number>> }[];
  baselines: Record<string, Record<string, Record<string, number>>>;
  /**
   * The saved model reloaded with `fromPretrained` (benchmarks/reload-check.ts) and evaluated on the
   * dev sets: its primary metrics, those the run reported at its end, and the largest difference.
   */
  reloaded?: { metrics: Record<string, number>; trained: Record<string, number>; maxDiff: number; ms: number };
}

/** Runs `mtl train` in a child; its peak RSS is the VmHWM of /proc/<pid>/status read until it exits (Linux). */
async function trainChild(args: string[]): Promise<{ stdout: string; wallS: number; peakRssMiB: number | null }> {
  const t0 = Date.now();
  // the built CLI (`npm run build`; what the README's command runs), else the source through tsx
  const built = join(packageRoot(), 'dist', 'cli', 'bin.js');
  const cli = existsSync(built) ? [built] : ['--import', 'tsx', join(packageRoot(), 'src', 'cli', 'bin.ts')];
  const child = spawn(process.execPath, [...cli, 'train', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  let peak: number | null = null;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak ?? 0, Number(m[1]) / 1024);
    } catch {
      // not Linux, or the child has just exited
    }
  }, 500);
  const code = await new Promise<number | null>((res) => child.on('close', res));
  clearInterval(poll);
  if (code !== 0) throw new Error(`mtl train ${args.join(' ')} exited with ${code}`);
  return { stdout, wallS: (Date.now() - t0) / 1000, peakRssMiB: peak };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Each task's primary metric, as the tables and the reload check read them. */
const METRICS: [task: string, metric: string, label: string, digits: number][] = [
  ['sentiment', 'accuracy', 'SST-2 accuracy', 3],
  ['translation-quality', 'pearson', 'MLQE-PE Pearson (mean of 7 pairs)', 3],
  ['summarization', 'rouge2', 'BBC ROUGE-2', 2],
];

/** Reloads the saved model in a child (benchmarks/reload-check.ts) and compares its dev metrics with the run's. */
async function reloadCheck(
  dir: string,
  trained: Record<string, { metrics: Record<string, number> }>,
): Promise<NonNullable<JointRun['reloaded']>> {
  const script = join(packageRoot(), 'benchmarks', 'reload-check.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, dir, ...(quick ? ['--sample'] : [])], {
    cwd: packageRoot(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  const code = await new Promise<number | null>((res) => child.on('close', res));
  if (code !== 0) throw new Error(`reload-check ${dir} exited with ${code}`);
  const got = JSON.parse(stdout) as { metrics: Record<string, Record<string, number>>; ms: number };
  const pick = (m: Record<string, Record<string, number>>) => Object.fromEntries(METRICS.map(([t, k]) => [t, m[t]?.[k] as number]));
  const metrics = pick(got.metrics);
  const before = pick(Object.fromEntries(Object.entries(trained).map(([t, x]) => [t, x.metrics])));
  const maxDiff = Math.max(...METRICS.map(([t]) => Math.abs((metrics[t] as number) - (before[t] as number))));
  return { metrics, trained: before, maxDiff, ms: got.ms };
}

const git = (...a: string[]) => execFileSync('git', a, { cwd: packageRoot(), encoding: 'utf8' }).trim();
// the commit that ran; "+changes" when tracked files differed from it
const commit = git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--untracked-files=no') ? '+changes' : '');
const runs: JointRun[] = [];
for (const p of previous) runs.push(...(JSON.parse(readFileSync(p, 'utf8')) as { runs: JointRun[] }).runs);
const tmp = mkdtempSync(join(tmpdir(), 'mtl-finetune-joint-'));
try {
  for (const v of chosen) {
    const spec = VARIANTS[v]!;
    const out = join(tmp, v);
    const args = [
      ...['--config', 'multitask-finetune', '--encoder', encoder, '--epochs', String(epochs), '--seed', String(seed)],
      ...(quick ? ['--sample', '--steps', '4'] : []),
      ...spec.args,
    ];
    log(`[${v}] mtl train ${args.join(' ')}`);
    const r = await trainChild([...args, '--out', out, '--json']);
    const report = JSON.parse(r.stdout) as {
      trainMs: number;
      finetune?: unknown;
      tasks: Record<string, { metrics: Record<string, number>; baselines: Record<string, Record<string, number>> }>;
    };
    const reloaded = await reloadCheck(out, report.tasks);
    const lines = readFileSync(join(out, 'checkpoints', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const steps = new Map<string, number[]>();
    for (const l of lines.filter((x) => x.type === 'step' && typeof x.stepMs === 'number')) {
      const key = `epoch${l.epoch + 1}.${(l.tasks as string[]).join('+')}`;
      steps.set(key, [...(steps.get(key) ?? []), l.stepMs as number]);
    }
    runs.push({
      variant: v,
      name: spec.name,
      command: `npx mtl train ${args.join(' ')}`,
      commit,
      wallS: Math.round(r.wallS),
      trainS: Math.round(report.trainMs / 100) / 10,
      peakRssMiB: r.peakRssMiB === null ? null : Math.round(r.peakRssMiB),
      finetune: report.finetune ?? null,
      stepMs: Object.fromEntries([...steps].sort().map(([k, xs]) => [k, { n: xs.length, median: Math.round(median(xs)) }])),
      evals: lines.filter((x) => x.type === 'eval').map((x) => ({ epoch: x.epoch, step: x.step, metrics: x.metrics })),
      baselines: Object.fromEntries(Object.entries(report.tasks).map(([t, x]) => [t, x.baselines])),
      reloaded,
    });
    log(
      `[${v}] ${Math.round(r.wallS)} s, peak RSS ${r.peakRssMiB?.toFixed(0) ?? '?'} MiB; reloaded: largest metric difference ${reloaded.maxDiff.toExponential(1)}`,
    );
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

/** The dev targets the fine-tuned encoder is held to on reference-mini (dashed rules in its plot only). */
const TARGETS = { 'sentiment · accuracy': 0.84, 'translation-quality · pearson': 0.56, 'summarization · rouge2': 48.3 };
const PAIRS = ['en-de', 'en-zh', 'et-en', 'ne-en', 'ro-en', 'ru-en', 'si-en'];
const last = (r: JointRun) => r.evals[r.evals.length - 1]!.metrics;
const date = new Date().toISOString().slice(0, 10);
// another encoder than the yardstick gets its own file: finetune-joint-<date>-mtl-mini.json
const encoderName = encoder
  .replace(/[/\\]+$/, '')
  .split(/[/\\]/)
  .pop()!
  .replace(/[^\w.-]+/g, '-');
const tag = encoderName === 'reference-mini' ? '' : `-${encoderName}`;
const stem = join(outDir, `finetune-joint-${date}${tag}${quick ? '-quick' : ''}`);
const cpu = cpuFeatures();
await writeFileAtomic(`${stem}.json`, JSON.stringify({ date, encoder, epochs, seed, cpu, loadStart, runs }, null, 1) + '\n');
let plot = '';
try {
  // values as the tables round them (3 decimals, ROUGE 2)
  const bars = runs.flatMap((r) =>
    METRICS.map(([task, metric, , d]) => ({ task, metric, system: r.name, value: Number(last(r)[task]![metric]!.toFixed(d)) })),
  );
  const spec = metricBarsSpec(bars, `Joint fine-tuning on ${encoder.split('/').pop()}: dev metrics`, {
    labels: true,
    ...(tag === '' ? { targets: TARGETS } : {}),
  });
  await renderVegaLite(spec, `${stem}-bars`);
  plot = `\n![joint fine-tuning, dev metrics](${stem.slice(outDir.length + 1)}-bars.png)\n`;
} catch (err) {
  log(`no plot: ${(err as Error).message}`);
}
const f = (x: number | undefined, d: number) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const base = runs[runs.length - 1]!.baselines;
const md = `# Joint fine-tuning of the three tasks ${date}

Encoder \`${encoder}\`, ${quick ? 'the samples, 4 steps (a smoke run, --quick)' : `the full datasets, ${epochs} epochs`}, seed ${seed}; one run after another, on ${cpu.summary}
${chosen.length ? `(load average when the script started: ${loadStart.map((x) => x.toFixed(2)).join(', ')})` : "(each file's machine and load average when its runs started are in its json)"}.
${chosen.length ? `Command: \`npx tsx benchmarks/finetune-joint.ts${arg('encoder') ? ` --encoder ${encoder}` : ''} --variants ${chosen.join(',')}${quick ? ' --quick' : ''}\`` : 'Earlier runs'}${previous.length ? ` (${chosen.length ? 'with the runs of' : 'the runs of'} ${previous.map((p) => `\`${p}\``).join(', ')}; each run's own command is in the json)` : ''}.

| variant | commit | ${METRICS.map(([, , l]) => l).join(' | ')} | wall | peak RSS |
| --- | --- | ${METRICS.map(() => '---:').join(' | ')} | ---: | ---: |
${runs.map((r) => `| ${r.name} | ${r.commit} | ${METRICS.map(([t, m, , d]) => f(last(r)[t]?.[m], d)).join(' | ')} | ${r.wallS} s | ${r.peakRssMiB === null ? '–' : `${r.peakRssMiB} MiB`} |`).join('\n')}

MLQE-PE Pearson per pair (model-scores: ${PAIRS.map((p) => f(base['translation-quality']?.['model-scores']?.[`pearson@${p}`], 3)).join(', ')}):

| variant | ${PAIRS.join(' | ')} |
| --- | ${PAIRS.map(() => '---:').join(' | ')} |
${runs.map((r) => `| ${r.name} | ${PAIRS.map((p) => f(last(r)['translation-quality']?.[`pearson@${p}`], 3)).join(' | ')} |`).join('\n')}

${
  runs.some((r) => r.reloaded)
    ? `Each saved model reloaded with \`fromPretrained\` (benchmarks/reload-check.ts) and evaluated on the dev sets: ${runs
        .filter((r) => r.reloaded)
        .map(
          (r) =>
            `${r.name}: ${METRICS.map(([t, , , d]) => f(r.reloaded!.metrics[t], d)).join(' / ')}, largest difference from the run's own ${r.reloaded!.maxDiff.toExponential(1)}`,
        )
        .join('; ')}.

`
    : ''
}Dev metrics at each epoch's end and median step times (ms) per epoch and task:

${runs
  .map(
    (r) =>
      `- ${r.name}: ${r.evals.map((e) => `epoch ${e.epoch}: ${METRICS.map(([t, m, , d]) => f(e.metrics[t]?.[m], d)).join(' / ')}`).join('; ')}; steps ${Object.entries(
        r.stepMs,
      )
        .map(([k, s]) => `${k} ${s.median} (${s.n})`)
        .join(', ')}`,
  )
  .join('\n')}

Baselines (on the last run's encoder layer): SST-2 ${Object.entries(base.sentiment ?? {})
  .map(([k, m]) => `${k} ${f(m.accuracy, 3)}`)
  .join(', ')}; MLQE-PE ${Object.entries(base['translation-quality'] ?? {})
  .map(([k, m]) => `${k} ${f(m.pearson, 3)}`)
  .join(', ')}; BBC ROUGE-2 ${Object.entries(base.summarization ?? {})
  .map(([k, m]) => `${k} ${f(m.rouge2, 2)}`)
  .join(', ')}.
${plot}`;
await writeFileAtomic(`${stem}.md`, md);
console.log(md);
