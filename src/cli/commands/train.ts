import { resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { configFile } from '../../config/load.js';
import { formatTrainReport } from '../../experiment/report.js';
import { CHECKPOINTS_DIR, prepareRunFolder } from '../../experiment/run-folder.js';
import { trainFromConfig, type TrainRunOptions } from '../../experiment/train.js';
import type { ProgressEvent } from '../../training/trainer.js';
import type { GlobalOptions } from '../global-options.js';
import { warnUser } from '../input.js';
import { createProgress } from '../progress.js';

/** Training progress: steps, loss per task, λ and ETA (a bar on a TTY, periodic lines otherwise). */
export function trainingProgress(global: GlobalOptions): { onProgress: (e: ProgressEvent) => void; stop: () => void } {
  const progress = createProgress({ quiet: global.quiet });
  let started = false;
  return {
    onProgress(e) {
      if (!started) {
        progress.start('train', e.totalSteps);
        started = true;
      }
      const fields: Record<string, string | number> = {};
      for (const [task, loss] of Object.entries(e.losses)) fields[`loss.${task}`] = loss;
      for (const [task, lambda] of Object.entries(e.lambdas)) fields[`λ.${task}`] = lambda;
      progress.update(e.step, fields);
    },
    stop: () => progress.stop(),
  };
}

/** Encoding progress (texts not yet in the embedding cache). */
export function encodingProgress(global: GlobalOptions): { onEncodeProgress: (done: number, total: number) => void; stop: () => void } {
  const progress = createProgress({ quiet: global.quiet });
  let started = false;
  let last = 0;
  return {
    onEncodeProgress(done, total) {
      if (!started) {
        progress.start('encode', total);
        started = true;
      }
      last = done;
      progress.update(done);
    },
    stop: () => {
      if (started) {
        progress.update(last);
        progress.stop();
      }
    },
  };
}

export async function runTraining(opts: TrainRunOptions, global: GlobalOptions, json: boolean) {
  const enc = encodingProgress(global);
  const bar = trainingProgress(global);
  let encoding = true;
  const run = await trainFromConfig({
    warn: (m) => warnUser(global, m),
    ...opts,
    onEncodeProgress: enc.onEncodeProgress,
    onProgress: (e) => {
      if (encoding) {
        enc.stop();
        encoding = false;
      }
      bar.onProgress(e);
    },
  });
  if (encoding) enc.stop();
  bar.stop();
  process.stdout.write((json ? JSON.stringify(run.report, null, 2) : formatTrainReport(run.report)) + '\n');
  return run;
}

/** `mtl train --queue URL`: the run's features are encoded by the workers (the encoder on their allow list). */
async function queueFiller(opts: Record<string, unknown>, global: GlobalOptions): Promise<NonNullable<TrainRunOptions['fillFeatures']>> {
  const { loadQueueModule } = await import('../../distributed/deps.js');
  const { queueFeatureFiller } = await loadQueueModule(() => import('../../distributed/features.js'));
  let last = 0;
  return queueFeatureFiller({
    queue: String(opts.queue),
    ...(opts.shardSize !== undefined ? { shardSize: opts.shardSize as number } : {}),
    log: global.quiet ? () => undefined : (m) => process.stderr.write(`${m}\n`),
    onProgress: (p) => {
      const now = Date.now();
      if (global.quiet || (now - last < 1000 && p.doneShards !== p.totalShards)) return;
      last = now;
      process.stderr.write(`features ${p.doneTexts}/${p.totalTexts} (shards ${p.doneShards}/${p.totalShards})\n`);
    },
    onDone: (r) => {
      if (!global.quiet)
        process.stderr.write(
          `the workers encoded ${r.vectors} texts and the token states of ${r.tokens} (${r.shards} shards, ${r.reused} already done)\n`,
        );
    },
  });
}

export default async function train(opts: Record<string, unknown>, _args: string[], global: GlobalOptions): Promise<void> {
  const out = resolve(String(opts.out));
  // refuse to reuse a folder holding a model or an interrupted run unless told how (before any slow loading)
  const folder = prepareRunFolder(String(opts.out), { resume: Boolean(opts.resume), overwrite: Boolean(opts.overwrite) });
  if (opts.resume && folder.step === null)
    warnUser(global, `${String(opts.out)}: the interrupted run wrote no checkpoint yet; starting at step 0`);
  let run: Awaited<ReturnType<typeof runTraining>>;
  try {
    run = await runTraining(
      {
        config: configFile(String(opts.config)),
        dataDir: opts.dataDir as string | undefined,
        sample: Boolean(opts.sample),
        out,
        encoder: opts.encoder as string | undefined,
        dtype: opts.dtype as TrainRunOptions['dtype'],
        tasks:
          typeof opts.tasks === 'string'
            ? opts.tasks
                .split(',')
                .map((t) => t.trim())
                .filter(Boolean)
            : undefined,
        epochs: opts.epochs as number | undefined,
        steps: opts.steps as number | undefined,
        ...(opts.seed !== undefined ? { seed: opts.seed as number } : {}),
        ...(opts.finetune !== undefined ? { finetune: opts.finetune as number } : {}),
        ...(opts.layer !== undefined ? { layer: opts.layer as number } : {}),
        checkpointsDir: resolve(out, CHECKPOINTS_DIR),
        resume: Boolean(opts.resume),
        runInfo: { argv: global.argv ?? [] },
        ...(opts.queue !== undefined ? { fillFeatures: await queueFiller(opts, global) } : {}),
      },
      global,
      Boolean(opts.json),
    );
  } catch (err) {
    if (err instanceof UserError && err.message.startsWith('resume: ')) {
      throw new UserError(`${err.message}; resume with the same options as the interrupted run, or pass --overwrite to start over`, {
        cause: err,
      });
    }
    throw err;
  }
  run.model.dispose();
  await run.encoder.dispose();
}
