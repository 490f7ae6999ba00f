/**
 * `mtl bench [--suite quality|speed|all] [--quick]`. The quality suite runs in-process; the speed
 * suite runs the encoder and training benchmark scripts in benchmarks/ (each its own process, so
 * their timings don't share a warmed-up runtime), which needs the repository checkout and tsx.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runQualitySuite } from '../../bench/quality.js';
import { UserError } from '../../errors.js';
import { packageRoot } from '../../utils/paths.js';
import type { GlobalOptions } from '../main.js';

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
  }
  if (suite === 'quality' || suite === 'all') {
    const { markdown } = await runQualitySuite({ quick, out, log, steps: opts.steps as number | undefined, sample: Boolean(opts.sample), encoder: opts.encoder as string | undefined });
    process.stdout.write(markdown + '\n');
  }
}
