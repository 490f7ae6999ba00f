/**
 * The `--out` folder of `mtl train`: a finished model (`manifest.json` + weights), and the training
 * run's `checkpoints/` (crash-safe checkpoints, `latest`/`best` pointers, `metrics.jsonl`).
 *
 * A folder that holds a finished model or an unfinished run is never reused silently: the caller
 * passes `resume` (continue from `checkpoints/latest`) or `overwrite` (start over), else a
 * UserError says which to pass. `predict`/`eval` on an unfinished run say how to finish it.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { checkpointPath, readPointer } from '../training/checkpoint.js';
import { MANIFEST_FILE, MultiTaskModel, WEIGHTS_FILE } from '../training/model.js';

export const CHECKPOINTS_DIR = 'checkpoints';

export interface RunFolderState {
  /** empty: nothing of a training run; finished: a saved model; unfinished: checkpoints but no model. */
  state: 'empty' | 'finished' | 'unfinished';
  /** Step of the latest checkpoint (unfinished runs; null when none was written yet). */
  step: number | null;
  /** Total steps of the unfinished run, from its latest checkpoint. */
  totalSteps: number | null;
  /** The command line of the last run, when its metrics log recorded one. */
  command: string[] | null;
}

function lastRunCommand(checkpoints: string): string[] | null {
  const log = join(checkpoints, 'metrics.jsonl');
  if (!existsSync(log)) return null;
  let command: string[] | null = null;
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (!line.startsWith('{"type":"run"')) continue;
    try {
      const rec = JSON.parse(line) as { argv?: unknown };
      if (Array.isArray(rec.argv) && rec.argv.every((a) => typeof a === 'string')) command = rec.argv as string[];
    } catch {
      /* a line cut by a kill: ignore */
    }
  }
  return command;
}

export function inspectRunFolder(out: string): RunFolderState {
  const checkpoints = join(out, CHECKPOINTS_DIR);
  const none: RunFolderState = { state: 'empty', step: null, totalSteps: null, command: null };
  if (existsSync(join(out, MANIFEST_FILE))) return { ...none, state: 'finished' };
  if (!existsSync(checkpoints)) return none;
  let step: number | null = null;
  let totalSteps: number | null = null;
  try {
    const p = readPointer(checkpoints, 'latest');
    const folder = checkpointPath(checkpoints, 'latest');
    if (p && folder) {
      step = p.step;
      const state = JSON.parse(readFileSync(join(folder, 'trainer.json'), 'utf8')) as { totalSteps?: unknown };
      if (typeof state.totalSteps === 'number') totalSteps = state.totalSteps;
    }
  } catch {
    /* a damaged pointer or checkpoint: still an unfinished run; resume reports the damage */
  }
  return { state: 'unfinished', step, totalSteps, command: lastRunCommand(checkpoints) };
}

function progressText(s: RunFolderState): string {
  if (s.step === null) return 'no checkpoint written yet';
  return `last checkpoint at step ${s.step}${s.totalSteps !== null ? ` of ${s.totalSteps}` : ''}`;
}

/** Shell-quote a command line for display. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The `mtl train … --resume` command that continues the run in `out`. */
export function resumeCommand(out: string, s: RunFolderState): string {
  if (!s.command)
    return `mtl train --config <the same config> --out ${shellJoin([out])} --resume (with the same options as the interrupted run)`;
  const argv = s.command.filter((a) => a !== '--resume' && a !== '--overwrite');
  return shellJoin(['mtl', ...argv, '--resume']);
}

/**
 * Check (and, with overwrite, clear) a training output folder before a run. Throws a one-line
 * UserError naming the folder and the flag to pass. Returns whether there is something to resume.
 */
export function prepareRunFolder(out: string, opts: { resume?: boolean; overwrite?: boolean }): RunFolderState {
  if (opts.resume && opts.overwrite) throw new UserError('give --resume or --overwrite, not both');
  const s = inspectRunFolder(out);
  if (opts.overwrite) {
    // only what a training run writes; other files in the folder are the user's
    rmSync(join(out, MANIFEST_FILE), { force: true });
    rmSync(join(out, WEIGHTS_FILE), { force: true });
    rmSync(join(out, CHECKPOINTS_DIR), { recursive: true, force: true });
    return { state: 'empty', step: null, totalSteps: null, command: null };
  }
  if (s.state === 'finished') {
    throw new UserError(
      opts.resume
        ? `${out} holds a finished model: nothing to resume; pass --overwrite to train it again, or choose another --out`
        : `${out} already holds a trained model; pass --overwrite to replace it, or choose another --out`,
    );
  }
  if (s.state === 'unfinished' && !opts.resume) {
    throw new UserError(
      `${out} holds an unfinished training run (${progressText(s)}); pass --resume to continue it or --overwrite to start over`,
    );
  }
  if (opts.resume && s.state === 'empty')
    throw new UserError(`${out}: nothing to resume (no ${CHECKPOINTS_DIR}/ folder); run without --resume`);
  return s;
}

/**
 * For `predict`/`eval --model DIR`: when DIR is an unfinished training run rather than a saved
 * model, a UserError that says so and how to finish it; otherwise null.
 */
export function unfinishedModelError(dir: string): UserError | null {
  const s = inspectRunFolder(dir);
  if (s.state !== 'unfinished') return null;
  return new UserError(
    `${dir}: unfinished training run (${progressText(s)}), no saved model yet; finish it with: ${resumeCommand(dir, s)}`,
  );
}

/** The manifest of a saved model for `predict`/`eval`, with user errors for a missing folder or an unfinished run. */
export function readModelManifest(dir: string): ReturnType<typeof MultiTaskModel.readManifest> {
  if (!existsSync(dir)) throw new UserError(`--model ${dir}: folder not found`);
  const unfinished = unfinishedModelError(dir);
  if (unfinished) throw unfinished;
  if (!existsSync(join(dir, MANIFEST_FILE)))
    throw new UserError(`--model ${dir}: no ${MANIFEST_FILE} (not a saved model folder; \`mtl train --out DIR\` writes one)`);
  return MultiTaskModel.readManifest(dir);
}
