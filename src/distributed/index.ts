/**
 * Corpus-scale encoding on BullMQ workers over Redis (Node only). The entry loads BullMQ only when
 * one of these is called: importing the package stays as fast as before, and bullmq and ioredis
 * are optional peer dependencies (a clear error with the install line when they are missing).
 */
import type { EncodeDistributedOptions } from './coordinator.js';
import { loadQueueModule } from './deps.js';
import type { RunningWorker, StartWorkerOptions } from './worker.js';

export type { DistributedProgress, EncodeDistributedOptions, RunShardsResult } from './coordinator.js';
export type { RunningWorker, StartWorkerOptions, WorkerFaults } from './worker.js';
export type { EncodeSettings } from './protocol.js';
export type { QueueStatus } from './admin.js';
export type { EvaluateDistributedOptions } from './evaluate.js';
export type { QueueFeaturesResult } from './features.js';

/** Encodes texts on the workers behind `options.queue` (see `startWorker` / `mtl worker`): rows in input order. */
export async function encodeDistributed(
  texts: readonly string[],
  options: EncodeDistributedOptions,
): Promise<{ dims: [number, number]; data: Float32Array }> {
  return (await loadQueueModule(() => import('./coordinator.js'))).encodeDistributed(texts, options);
}

/** `mtl eval --queue`: a saved model scored on a data file, its predictions computed by the workers. */
export async function evaluateDistributed(
  options: import('./evaluate.js').EvaluateDistributedOptions,
): Promise<import('../experiment/evaluate.js').EvalResult> {
  return (await loadQueueModule(() => import('./evaluate.js'))).evaluateDistributed(options);
}

/**
 * `mtl train --queue`: trainFromConfig's `fillFeatures` hook that has the workers encode every text
 * the run reads, e.g. `trainFromConfig({ config, fillFeatures: queueFeatureFiller({ queue: 'redis://…' }) })`.
 */
export function queueFeatureFiller(
  options: Parameters<typeof import('./features.js').queueFeatureFiller>[0],
): NonNullable<import('../experiment/train.js').TrainRunOptions['fillFeatures']> {
  return async (model, examples, encoder) =>
    (await loadQueueModule(() => import('./features.js'))).queueFeatureFiller(options)(model, examples, encoder);
}

/** Starts a worker in this process: it takes shards until `close()`. */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  return (await loadQueueModule(() => import('./worker.js'))).startWorker(options);
}

export async function queueStatus(url: string): Promise<import('./admin.js').QueueStatus> {
  return (await loadQueueModule(() => import('./admin.js'))).queueStatus(url);
}
