/**
 * `mtl eval --queue`: the evaluation set's examples are predicted by the workers (the saved model's
 * folder on their allow lists), in shards with deterministic ids, then scored here by the evaluator
 * of plain `mtl eval`. The data is read (and a malformed row refused with its file:line) before
 * anything is enqueued.
 */
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import { evaluate, type EvalOptions, type EvalResult } from '../experiment/evaluate.js';
import { runPredictShards, type DistributedProgress } from './coordinator.js';
import type { PredictSettings } from './protocol.js';

export interface EvaluateDistributedOptions extends Omit<EvalOptions, 'predict' | 'baseline'> {
  model: string;
  /** `redis://host:6379` or `rediss://user:pass@host:6380/0`. */
  queue: string;
  /** Examples per shard (default 256). */
  shardSize?: number;
  signal?: AbortSignal;
  /** How often the queue is read (default 200 ms). */
  pollMs?: number;
  onProgress?: (p: DistributedProgress) => void;
  log?: (message: string) => void;
  /** Called once with how many shards the workers computed and how many were already done. */
  onShards?: (r: { shards: number; computed: number; reused: number }) => void;
}

/** A saved model scored on a data file, its predictions computed by the workers behind `queue`. */
export async function evaluateDistributed(options: EvaluateDistributedOptions): Promise<EvalResult> {
  if ((options as { baseline?: unknown }).baseline !== undefined)
    throw new UserError('--queue applies to --model: a baseline runs here, without --queue');
  const model = resolve(options.model);
  return evaluate({
    ...options,
    model,
    async predict(task, examples) {
      const preds: unknown[] = new Array(examples.length);
      const settings: PredictSettings = {
        task: task as PredictSettings['task'],
        ...(options.encoder !== undefined ? { encoder: options.encoder } : {}),
      };
      const res = await runPredictShards(
        examples as Record<string, unknown>[],
        {
          queue: options.queue,
          model,
          settings,
          ...(options.shardSize !== undefined ? { shardSize: options.shardSize } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          ...(options.log ? { log: options.log } : {}),
          source: `${options.data} (examples)`,
        },
        (start, p) => p.forEach((x, i) => (preds[start + i] = x)),
      );
      options.onShards?.(res);
      return preds;
    },
  });
}
