/**
 * `mtl bench [--suite quality|speed|all] [--quick]`. The quality suite runs in-process; the speed
 * suite runs the encoder and training benchmark scripts in benchmarks/ (each its own process, so
 * their timings don't share a warmed-up runtime), which needs the repository checkout and tsx.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runQualitySuite } from '../../bench/quality.js';
import { UserError } from '../../errors.js';
import { markdownTable } from '../../experiment/report.js';
import { writeFileAtomic } from '../../utils/fs.js';
import { packageRoot } from '../../utils/paths.js';
import type { GlobalOptions } from '../global-options.js';

/** Combine the two speed benchmarks' outputs into results/speed-<date>.{json,md}. */
export async function writeSpeedReport(out: string, quick: boolean): Promise<void> {
  const day = new Date().toISOString().slice(0, 10);
  const suffix = quick ? '-quick' : '';
  const read = (f: string) => (existsSync(join(out, f)) ? readFileSync(join(out, f), 'utf8') : null);
  const encoderJson = read(`encoder-${day}.json`);
  const encoderMd = read(`encoder-${day}.md`);
  const trainingJson = read(`training-${day}${suffix}.json`);
  const json = { suite: 'speed', date: day, quick, encoder: encoderJson ? JSON.parse(encoderJson) : null, training: trainingJson ? JSON.parse(trainingJson) : null };
  await writeFileAtomic(join(out, `speed-${day}${suffix}.json`), JSON.stringify(json, null, 2) + '\n');
  const rows = (json.training?.rows ?? []) as { backend: string; workload: string; batchSize: string; stepsPerSec: number; examplesPerSec: number }[];
  const training = markdownTable(
    ['backend', 'workload', 'batch', 'steps/s', 'examples/s'],
    rows.map((r) => [r.backend, r.workload, r.batchSize, r.stepsPerSec.toFixed(2), r.examplesPerSec.toFixed(0)]),
  );
  const md = [`# Speed suite ${day}${quick ? ' (quick)' : ''}`, '', '## Encoder', '', encoderMd ?? '(no encoder result)', '', '## Training', '', training].join('\n');
  await writeFileAtomic(join(out, `speed-${day}${suffix}.md`), md + '\n');
}

/** The encoders the encoder suite compares by default: the shipped default and the reference yardstick. */
const DEFAULT_ENCODERS = `mtl:mini,${join(packageRoot(), '..', 'shared', 'models', 'reference-mini')}`;

export default async function bench(opts: Record<string, unknown>, _args: string[], global: GlobalOptions): Promise<void> {
  const suite = String(opts.suite);
  const quick = Boolean(opts.quick);
  const out = resolve(String(opts.out));
  const log = (l: string) => {
    if (!global.quiet) process.stderr.write(l + '\n');
  };
  if (suite === 'speed' || suite === 'all') {
    const root = packageRoot();
    for (const script of ['encoder', 'training']) {
      const file = join(root, 'benchmarks', `${script}.ts`);
      if (!existsSync(file)) throw new UserError(`${file} not found: the speed suite runs from a checkout of the repository`);
      log(`speed: ${script} benchmark${quick ? ' (quick)' : ''}`);
      const res = spawnSync(process.execPath, ['--import', 'tsx', file, ...(quick ? ['--quick'] : [])], {
        cwd: root,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, MTL_RESULTS_DIR: out },
      });
      if (res.status !== 0) throw new UserError(`benchmarks/${script}.ts failed (exit ${res.status ?? res.signal})`);
    }
    await writeSpeedReport(out, quick);
  }
  if (suite === 'encoders') {
    const list = String(opts.encoders ?? DEFAULT_ENCODERS)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const { runEncoderSuite } = await import('../../bench/encoders.js');
    const { markdown } = await runEncoderSuite({
      encoders: list.map((model) => ({ label: model.replace(/^.*[/\\]/, ''), model })),
      quick,
      out,
      log,
      sample: Boolean(opts.sample),
      ...(opts.epochs !== undefined ? { epochs: opts.epochs as number } : {}),
    });
    process.stdout.write(markdown + '\n');
  }
  if (suite === 'quality' || suite === 'all') {
    const { markdown } = await runQualitySuite({ quick, out, log, steps: opts.steps as number | undefined, sample: Boolean(opts.sample), encoder: opts.encoder as string | undefined });
    process.stdout.write(markdown + '\n');
  }
}
