/**
 * The coordinator's side: split texts into shards, enqueue them under deterministic job ids (a run
 * started again re-attaches to its jobs and takes the finished ones as they are), follow them from
 * the queue and hand the rows on in input order as the shards finish. Redis going away mid-run is
 * waited out; a shard that fails after its attempts is reported with its line range and reason once
 * every other shard is done.
 */
import { Queue, type Job } from 'bullmq';
import { UserError } from '../errors.js';
import { bullConnection, parseQueueUrl, plainClient, probeRedis, scrub, type QueueTarget } from './connection.js';
import {
  PredictResultSchema,
  QUEUE_NAME,
  sha256,
  shardJobId,
  ShardResultSchema,
  unpackResult,
  type EncodeSettings,
  type PredictSettings,
  type ShardJob,
} from './protocol.js';

export interface DistributedProgress {
  /** Shards finished (re-attached ones included) and all shards. */
  doneShards: number;
  totalShards: number;
  doneTexts: number;
  totalTexts: number;
  /** Shards that had already finished when this run attached. */
  reused: number;
}

export interface RunShardsOptions {
  queue: string;
  model: string;
  settings?: EncodeSettings;
  /** Texts per shard (default 256). */
  shardSize?: number;
  /** Tries per shard for errors a worker reports (default 3); worker deaths count apart, see startWorker's maxStalledCount. */
  attempts?: number;
  signal?: AbortSignal;
  onProgress?: (p: DistributedProgress) => void;
  /** The input's name in error messages (e.g. the file path). */
  source?: string;
  /** The 1-based line of item i in the source (default i + 1: one item a line). */
  lineOf?: (index: number) => number;
  /** How often the queue is read (default 200 ms). */
  pollMs?: number;
  /** Keep the finished jobs in Redis after the run (default: removed once `onRows` and `beforeRelease` are done). */
  keepJobs?: boolean;
  log?: (message: string) => void;
}

export interface RunShardsResult {
  rows: number;
  dim: number;
  shards: number;
  reused: number;
  computed: number;
}

/** A shard whose result does not fit the run (a bug or a foreign job under our id): not waited out like Redis. */
export class ShardMismatchError extends Error {}

type RowsSink = (start: number, data: Float32Array, rows: number, dim: number) => void | Promise<void>;

/** What differs between the kinds of shard: the payload and how a result is read. */
export interface JobSpec<R> {
  kind: ShardJob['kind'];
  /** Items (texts, inputs) in all. */
  count: number;
  /** What the job id hashes beside the input: the model and its settings. */
  idKey: { model: string; settings: Record<string, unknown>; inputHash: string };
  payload(start: number, end: number): ShardJob;
  /** The result of shard k, checked against its size (throws ShardMismatchError). */
  parse(returnvalue: unknown, k: number, rows: number): R;
  sink(start: number, result: R, rows: number): void | Promise<void>;
}

interface ShardState {
  id: string;
  start: number;
  end: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason ?? new Error('aborted'));
      },
      { once: true },
    );
  });

/** In chunks, so a large run does not open thousands of requests at once. */
async function mapChunked<T, R>(items: readonly T[], fn: (t: T) => Promise<R>, chunk = 256): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += chunk) out.push(...(await Promise.all(items.slice(i, i + chunk).map(fn))));
  return out;
}

/** Runs the encode shards through the queue, calling `sink` with each shard's rows in input order. */
export async function runShards(
  texts: readonly string[],
  options: RunShardsOptions,
  sink: RowsSink,
  beforeRelease?: () => Promise<void>,
): Promise<RunShardsResult> {
  const settings = options.settings ?? {};
  let dim = 0;
  const res = await runJobs<Float32Array>(options, beforeRelease, {
    kind: 'encode',
    count: texts.length,
    idKey: { model: options.model, settings, inputHash: sha256(JSON.stringify(texts)) },
    payload: (start, end) => ({ v: 1, kind: 'encode', model: options.model, settings, start, texts: texts.slice(start, end) }),
    parse(rv, k, rows) {
      const r = ShardResultSchema.parse(rv);
      if (r.rows !== rows) throw new ShardMismatchError(`shard ${k} returned ${r.rows} rows for ${rows} texts`);
      if (dim && r.dim !== dim) throw new ShardMismatchError(`shard ${k} returned dim ${r.dim}, the others ${dim}`);
      dim = r.dim;
      return unpackResult(r);
    },
    sink: (start, data, rows) => sink(start, data, rows, dim),
  });
  return { ...res, dim };
}

export interface RunPredictOptions extends Omit<RunShardsOptions, 'settings'> {
  settings: PredictSettings;
}

/** Runs `mtl predict`'s parsed inputs through the queue: each shard's predictions in input order. */
export async function runPredictShards(
  inputs: readonly Record<string, unknown>[],
  options: RunPredictOptions,
  sink: (start: number, predictions: unknown[]) => void | Promise<void>,
): Promise<RunShardsResult> {
  const res = await runJobs<unknown[]>(options, undefined, {
    kind: 'predict',
    count: inputs.length,
    idKey: { model: options.model, settings: options.settings, inputHash: sha256(JSON.stringify(inputs)) },
    payload: (start, end) => ({
      v: 1,
      kind: 'predict',
      model: options.model,
      settings: options.settings,
      start,
      inputs: inputs.slice(start, end),
    }),
    parse(rv, k, rows) {
      const r = PredictResultSchema.parse(rv);
      if (r.predictions.length !== rows)
        throw new ShardMismatchError(`shard ${k} returned ${r.predictions.length} predictions for ${rows} inputs`);
      return r.predictions;
    },
    sink: (start, preds) => sink(start, preds),
  });
  return { ...res, dim: 0 };
}

export async function runJobs<R>(
  options: Omit<RunShardsOptions, 'settings'>,
  beforeRelease: (() => Promise<void>) | undefined,
  spec: JobSpec<R>,
): Promise<Omit<RunShardsResult, 'dim'>> {
  const target = parseQueueUrl(options.queue);
  await probeRedis(target);
  const shardSize = options.shardSize ?? 256;
  if (!Number.isInteger(shardSize) || shardSize < 1) throw new UserError(`--shard-size ${shardSize}: must be a positive integer`);
  const source = options.source ?? 'input';
  const log = options.log ?? (() => undefined);
  const shards: ShardState[] = [];
  for (let s = 0, k = 0; s < spec.count; s += shardSize, k++) {
    shards.push({
      id: shardJobId(spec.kind, spec.idKey.inputHash, k, shardSize, spec.idKey.model, spec.idKey.settings),
      start: s,
      end: Math.min(spec.count, s + shardSize),
    });
  }
  if (!shards.length) {
    await beforeRelease?.();
    return { rows: 0, shards: 0, reused: 0, computed: 0 };
  }
  const queue = new Queue(QUEUE_NAME, { connection: bullConnection(target) });
  queue.on('error', () => undefined);
  try {
    return await follow(queue, target, shards, options, spec, source, log, beforeRelease);
  } finally {
    await queue.close().catch(() => undefined);
  }
}

async function follow<R>(
  queue: Queue,
  target: QueueTarget,
  shards: ShardState[],
  options: Omit<RunShardsOptions, 'settings'>,
  spec: JobSpec<R>,
  source: string,
  log: (m: string) => void,
  beforeRelease?: () => Promise<void>,
): Promise<Omit<RunShardsResult, 'dim'>> {
  const jobOpts = (id: string) => ({
    jobId: id,
    attempts: options.attempts ?? 3,
    backoff: { type: 'fixed' as const, delay: 500 },
    removeOnComplete: false,
    removeOnFail: false,
  });
  const enqueue = async (list: ShardState[]) => {
    for (let i = 0; i < list.length; i += 500)
      await queue.addBulk(
        list.slice(i, i + 500).map((s) => ({ name: spec.kind, data: spec.payload(s.start, s.end), opts: jobOpts(s.id) })),
      );
  };

  // attach: finished shards are taken as they are, failed ones from an earlier run are tried again
  const existing = await mapChunked(shards, (s) => queue.getJob(s.id));
  let reused = 0;
  const missing: ShardState[] = [];
  const states = await mapChunked(existing, (job) => (job ? job.getState() : Promise.resolve(null)));
  for (let k = 0; k < shards.length; k++) {
    const job = existing[k];
    if (!job) missing.push(shards[k]!);
    else if (states[k] === 'completed') reused++;
    else if (states[k] === 'failed') await job.retry('failed');
  }
  await enqueue(missing);
  if (reused || missing.length < shards.length)
    log(`[queue] re-attached to ${shards.length - missing.length} of ${shards.length} shards (${reused} already done)`);

  const results = new Map<number, R>();
  const failed = new Map<number, string>();
  const pending = new Set(shards.map((_, k) => k));
  let next = 0;
  let doneTexts = 0;
  let redisDown = false;
  const report = () =>
    options.onProgress?.({
      doneShards: shards.length - pending.size - failed.size,
      totalShards: shards.length,
      doneTexts,
      totalTexts: spec.count,
      reused,
    });

  // Each tick reads only the shards that finished since the last one (BullMQ's completed and failed
  // sets, scored by finish time), so a tick costs what finished, not what is pending; every few
  // seconds all pending shards are read (shards removed behind our back, a clock far off).
  const indexOf = new Map(shards.map((s, k) => [s.id, k]));
  const client = plainClient(target);
  const prefix = `bull:${QUEUE_NAME}`;
  let since = 0;
  let lastFull = 0;
  report();
  try {
    while (pending.size) {
      options.signal?.throwIfAborted();
      try {
        let ids: number[];
        const now = Date.now();
        if (now - lastFull > 3000) {
          ids = [...pending];
          lastFull = now;
        } else {
          const [done, failedIds] = await Promise.all([
            client.zrangebyscore(`${prefix}:completed`, since - 60_000, '+inf'),
            client.zrangebyscore(`${prefix}:failed`, since - 60_000, '+inf'),
          ]);
          ids = [...done, ...failedIds].map((id) => indexOf.get(id)).filter((k): k is number => k !== undefined && pending.has(k));
        }
        since = now;
        const jobs = await mapChunked(ids, (k) => queue.getJob(shards[k]!.id));
        if (redisDown) log(`[queue] ${target.masked}: reachable again`);
        redisDown = false;
        const lost: ShardState[] = [];
        for (let i = 0; i < ids.length; i++) {
          const k = ids[i]!;
          const job = jobs[i] as Job | undefined;
          if (!job) {
            lost.push(shards[k]!); // removed behind our back (e.g. `mtl queue clean`): enqueue again
            continue;
          }
          if (!job.finishedOn) continue;
          const state = await job.getState();
          if (state === 'completed') {
            const s = shards[k]!;
            results.set(k, spec.parse(job.returnvalue, k, s.end - s.start));
            doneTexts += s.end - s.start;
            pending.delete(k);
          } else if (state === 'failed') {
            failed.set(k, scrub(target, job.failedReason || 'unknown reason'));
            pending.delete(k);
          }
        }
        if (lost.length) await enqueue(lost);
      } catch (err) {
        if (err instanceof ShardMismatchError) throw err;
        if (!redisDown)
          log(`[queue] ${target.masked}: ${scrub(target, err instanceof Error ? err.message : String(err))}; waiting for Redis`);
        redisDown = true;
      }
      while (results.has(next)) {
        const s = shards[next]!;
        await spec.sink(s.start, results.get(next)!, s.end - s.start);
        results.delete(next);
        next++;
      }
      report();
      if (pending.size) await sleep(options.pollMs ?? 200, options.signal);
    }
  } finally {
    client.disconnect();
  }
  if (failed.size) {
    const lineOf = options.lineOf ?? ((i: number) => i + 1);
    const lines = [...failed]
      .sort((a, b) => a[0] - b[0])
      .map(([k, why]) => `${source}:${lineOf(shards[k]!.start)}-${lineOf(shards[k]!.end - 1)}: shard ${k} failed: ${why}`);
    throw new UserError(
      `${failed.size} of ${shards.length} shards failed (the others are done and kept in the queue; run the same command again to retry only these):\n  ${lines.join('\n  ')}`,
    );
  }
  await beforeRelease?.();
  if (!options.keepJobs) await mapChunked(shards, (s) => queue.remove(s.id).catch(() => 0));
  return { rows: spec.count, shards: shards.length, reused, computed: shards.length - reused };
}

export type EncodeDistributedOptions = Omit<RunShardsOptions, 'source'>;

/** Encodes texts on the workers behind `queue`: the rows in input order, as `Encoder.encode` gives them. */
export async function encodeDistributed(
  texts: readonly string[],
  options: EncodeDistributedOptions,
): Promise<{ dims: [number, number]; data: Float32Array }> {
  let data = new Float32Array(0);
  const res = await runShards(texts, options, (start, rows, n, dim) => {
    if (data.length === 0) data = new Float32Array(texts.length * dim);
    data.set(rows, start * dim);
  });
  return { dims: [res.rows, res.dim], data };
}
