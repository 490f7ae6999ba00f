/**
 * What the queue tests set up the same way: whether redis-server is here (the tests skip with a
 * message when not), the CLI run in this process with its output captured, a small saved sentiment
 * model (fixture:bert, a few steps on the samples) and a `mtl worker` process that serves it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { TrainRunOptions } from '../../src/experiment/train.js';
import { packageRoot } from '../../src/utils/paths.js';
import { redisServerPath } from './redis.js';

/** The redis-server binary, or null (then a warning says why the queue tests skip). */
export const REDIS = redisServerPath();
if (!REDIS) console.warn('test/distributed: redis-server is not installed (apt-get install redis-server); skipping the queue tests');

/** Runs the CLI in this process; stdout and stderr captured. */
export async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import('../../src/cli/main.js'); // on first use: a test that only starts workers loads none of it
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((stdout += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((stderr += s), true)) as typeof process.stderr.write;
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** Trains the sentiment task of tasks/multitask.yaml on the samples (fixture:bert, 4 steps) and saves it to `out`. */
export async function trainSentimentModel(out: string, limit: TrainRunOptions['limit']): Promise<void> {
  const { trainFromConfig } = await import('../../src/experiment/train.js');
  await trainFromConfig({
    config: join(packageRoot(), 'tasks/multitask.yaml'),
    sample: true,
    encoder: 'fixture:bert',
    tasks: ['sentiment'],
    steps: 4,
    limit,
    baselines: false,
    out,
  });
}

/**
 * Starts `mtl worker --queue url --models <models>` (from source, or the built dist/cli/bin.js) and
 * resolves once it waits for shards; it rejects with the worker's log when it exits before.
 */
export async function startWorkerProcess(url: string, models: readonly string[], options: { built?: boolean } = {}): Promise<ChildProcess> {
  const root = packageRoot();
  const entry = options.built ? [join(root, 'dist/cli/bin.js')] : ['--import', 'tsx', join(root, 'src/cli/bin.ts')];
  const worker = spawn(process.execPath, [...entry, 'worker', '--queue', url, '--models', models.join(',')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    worker.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (/waiting for shards/.test(log)) resolve();
    });
    worker.on('exit', (c) => reject(new Error(`worker exited ${c}: ${log}`)));
  });
  return worker;
}
