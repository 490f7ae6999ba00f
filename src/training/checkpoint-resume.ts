/**
 * Reading a checkpoint back for a resumed fit(): which folder to resume from, its trainer.json
 * (checked against this run's settings: a resumed run must share them to continue exactly) and
 * its optimizer state. The checkpoints are written by the Checkpoints callback (./callbacks.ts)
 * through ./checkpoint.ts; the run applies what is read here (./trainer.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { OPTIMIZER_FILE, TRAINER_FILE } from './callbacks.js';
import { checkpointPath } from './checkpoint.js';
import { decodeSafetensors } from './safetensors.js';
import type { FitOptions, TrainerState } from './types.js';

/** Settings that must be equal as given. */
const SAME_VALUE = ['seed', 'batchSize', 'totalSteps'] as const;
/** Settings that must be equal, an absent one counting as null. */
const SAME_CONFIG = ['sampling', 'weighting', 'tasks', 'finetune', 'taskBatchSizes'] as const;

/** The checkpoint folder `options.resume` asks for (the latest under its root); null: a fresh start. */
export function resumeFolder(options: FitOptions): string | null {
  const ckpt = options.checkpoints;
  if (options.resume === true && !ckpt)
    throw new UserError('resume: true needs checkpoints.dir (the folder the checkpoints were written to)');
  const root = options.resume === true ? ckpt?.dir : typeof options.resume === 'string' ? options.resume : undefined;
  return root ? checkpointPath(root, 'latest') : null;
}

/** The checkpoint's trainer.json, refused when it was written with other settings than `fingerprint`. */
export function readTrainerState(folder: string, fingerprint: Record<string, unknown>): TrainerState {
  const state = JSON.parse(readFileSync(join(folder, TRAINER_FILE), 'utf8')) as TrainerState;
  for (const key of SAME_VALUE) {
    if (JSON.stringify(state.fingerprint[key]) !== JSON.stringify(fingerprint[key])) {
      throw new UserError(
        `resume: checkpoint ${folder} was written with ${key} = ${JSON.stringify(state.fingerprint[key])}, this run has ${JSON.stringify(fingerprint[key])}`,
      );
    }
  }
  for (const key of SAME_CONFIG) {
    if (JSON.stringify(state.fingerprint[key] ?? null) !== JSON.stringify(fingerprint[key] ?? null)) {
      throw new UserError(`resume: checkpoint ${folder} used a different ${key} (${JSON.stringify(state.fingerprint[key])})`);
    }
  }
  return state;
}

/** The optimizer's moment tensors saved in the checkpoint, by parameter name. */
export function readOptimizerTensors(folder: string): Map<string, { shape: number[]; data: Float32Array }> {
  const file = join(folder, OPTIMIZER_FILE);
  return decodeSafetensors(new Uint8Array(readFileSync(file)), file).tensors as Map<string, { shape: number[]; data: Float32Array }>;
}
