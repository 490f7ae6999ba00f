/**
 * The suites that run the measurement scripts of benchmarks/ (each in its own process, so their
 * timings don't share a warmed-up runtime; they need a checkout of the repository and tsx): the speed
 * suite (the encoder, training and fine-tuning step benchmarks, combined into one report), the ablation
 * suite (each task's input options and the encoder layer, the commands of the README's result tables)
 * and the finetune suite (its arguments in src/bench/finetune.ts).
 *
 * Where benchmark code lives: src/bench holds the suites `mtl bench` runs and what they share (shipped
 * with the package); benchmarks/ holds the standalone measurement scripts and their helpers (run from a
 * checkout: `npx tsx benchmarks/<script>.ts`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { markdownTable } from '../experiment/report.js';
import { writeFileAtomic } from '../utils/fs.js';
import { finetuneStepTable, type FinetuneStepRow } from './finetune.js';
import { packageRoot } from '../utils/paths.js';

/** What the speed report reads of finetune-step-<date>.json. */
interface FinetuneStepResult {
  machine: { cpu: { summary: string } };
  torchSkipped?: string | null;
  steps: FinetuneStepRow[];
}

/** Combine the speed benchmarks' outputs into results/speed-<date>[-quick].{json,md}. */
export async function writeSpeedReport(out: string, quick: boolean): Promise<void> {
  const day = new Date().toISOString().slice(0, 10);
  const suffix = quick ? '-quick' : '';
  const read = (f: string) => (existsSync(join(out, f)) ? readFileSync(join(out, f), 'utf8') : null);
  const encoderJson = read(`encoder-${day}.json`);
  const encoderMd = read(`encoder-${day}.md`);
  const trainingJson = read(`training-${day}${suffix}.json`);
  const finetuneJson = read(`finetune-step-${day}${suffix}.json`);
  const json = {
    suite: 'speed',
    date: day,
    quick,
    encoder: encoderJson ? JSON.parse(encoderJson) : null,
    training: trainingJson ? JSON.parse(trainingJson) : null,
    finetuneStep: finetuneJson ? (JSON.parse(finetuneJson) as FinetuneStepResult) : null,
  };
  await writeFileAtomic(join(out, `speed-${day}${suffix}.json`), JSON.stringify(json, null, 2) + '\n');
  const rows = (json.training?.rows ?? []) as {
    backend: string;
    workload: string;
    batchSize: string;
    stepsPerSec: number;
    examplesPerSec: number;
  }[];
  const training = markdownTable(
    ['backend', 'workload', 'batch', 'steps/s', 'examples/s'],
    rows.map((r) => [r.backend, r.workload, r.batchSize, r.stepsPerSec.toFixed(2), r.examplesPerSec.toFixed(0)]),
  );
  const md = [
    `# Speed suite ${day}${quick ? ' (quick)' : ''}`,
    '',
    '## Encoder',
    '',
    encoderMd ?? '(no encoder result)',
    '',
    '## Training',
    '',
    training,
    '',
    '## Fine-tuning step (top layers: ours vs PyTorch)',
    '',
    ...(json.finetuneStep
      ? [
          `CPU: ${json.finetuneStep.machine.cpu.summary}; batch 32, reference-mini's top layers (benchmarks/finetune-step.ts).`,
          '',
          finetuneStepTable(json.finetuneStep.steps, json.finetuneStep.torchSkipped ?? null),
        ]
      : ['(no fine-tuning step result)']),
  ].join('\n');
  await writeFileAtomic(join(out, `speed-${day}${suffix}.md`), md + '\n');
}

/**
 * The ablation suite: each task's input options on the frozen reference encoder, one task alone, the
 * same step budget per variant, several seeds (the commands of the results tables in docs/benchmarks.md).
 */
export const ABLATIONS: readonly { script: string; args: readonly string[]; quick: readonly string[] }[] = [
  {
    script: 'task-features',
    args: ['--task', 'sentiment', '--steps', '1000', '--batch', '32', '--seeds', '3'],
    quick: ['--task', 'sentiment', '--steps', '100', '--seeds', '1'],
  },
  {
    script: 'task-features',
    args: ['--task', 'summarization', '--steps', '600', '--batch', '16', '--seeds', '2'],
    quick: ['--task', 'summarization', '--steps', '60', '--seeds', '1'],
  },
  {
    script: 'translation-quality',
    args: ['--train-per-pair', '2000', '--steps', '1000', '--batch', '32', '--seeds', '3'],
    quick: ['--quick'],
  },
  // the encoder layer (Encoder's `layer` option): TQ's default at layers 3–6 of 6, summarization's at layer 4
  {
    script: 'translation-quality',
    args: [
      '--train-per-pair',
      '2000',
      '--steps',
      '1000',
      '--batch',
      '32',
      '--seeds',
      '3',
      '--only',
      'cross + score + ratio',
      '--layer',
      '3,4,5,6',
      '--tag',
      'layers',
    ],
    quick: ['--quick', '--only', 'cross + score + ratio', '--layer', '4,6', '--tag', 'layers'],
  },
  {
    script: 'task-features',
    args: ['--task', 'summarization', '--layer', '4', '--steps', '600', '--batch', '16', '--seeds', '2', '--variants', '6'],
    quick: ['--task', 'summarization', '--layer', '4', '--steps', '60', '--seeds', '1', '--variants', '6'],
  },
  // the joint model: every task on the last layer, a layer per task, every task on layer 4
  { script: 'joint-layers', args: ['--seeds', '3'], quick: ['--seeds', '1', '--steps', '60'] },
];

/** Runs benchmarks/<script>.ts in its own process with the results directory `out`. */
export function runScript(script: string, args: readonly string[], out: string): void {
  const root = packageRoot();
  const file = join(root, 'benchmarks', `${script}.ts`);
  if (!existsSync(file)) throw new UserError(`${file} not found: this suite runs from a checkout of the repository`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, MTL_RESULTS_DIR: out },
  });
  if (res.status !== 0) throw new UserError(`benchmarks/${script}.ts ${args.join(' ')} failed (exit ${res.status ?? res.signal})`);
}
