/**
 * The coordinator's side: split texts into shards, enqueue them under deterministic job ids (a run
 * started again re-attaches to its jobs and takes the finished ones as they are), follow them from
 * the queue and hand the rows on in input order as the shards finish. Redis going away mid-run is
 * waited out; a shard that fails after its attempts is reported with its line range and reason once
 * every other shard is done.
 */
import { Queue, type Job } from 'bullmq';
import { UserError } from '../errors.js';
import { bullConnection, parseQueueUrl, probeRedis, scrub, type QueueTarget } from './connection.js';
import { QUEUE_NAME, sha256, shardJobId, ShardResultSchema, unpackResult, type EncodeSettings, type ShardJob } from './protocol.js';

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
class ShardMismatchError extends Error {}

type RowsSink = (start: number, data: Float32Array, rows: number, dim: number) => void | Promise<void>;

interface ShardState {
  id: string;
  start: number;
  end: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason ?? new Error('aborted')); }, { once: true });
  });

/** In chunks, so a large run does not open thousands of requests at once. */
async function mapChunked<T, R>(items: readonly T[], fn: (t: T) => Promise<R>, chunk = 256): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += chunk) out.push(...(await Promise.all(items.slice(i, i + chunk).map(fn))));
  return out;
}

/** Runs the shards through the queue, calling `sink` with each shard's rows in input order. */
export async function runShards(texts: readonly string[], options: RunShardsOptions, sink: RowsSink, beforeRelease?: () => Promise<void>): Promise<RunShardsResult> {
  const target = parseQueueUrl(options.queue);
  await probeRedis(target);
  const shardSize = options.shardSize ?? 256;
  if (!Number.isInteger(shardSize) || shardSize < 1) throw new UserError(`--shard-size ${shardSize}: must be a positive integer`);
  const settings = options.settings ?? {};
  const source = options.source ?? 'input';
  const log = options.log ?? (() => undefined);
  const inputHash = sha256(JSON.stringify(texts));
  const shards: ShardState[] = [];
  for (let s = 0, k = 0; s < texts.length; s += shardSize, k++) {
    shards.push({ id: shardJobId(inputHash, k, shardSize, options.model, settings), start: s, end: Math.min(texts.length, s + shardSize) });
  }
  if (!shards.length) {
    await beforeRelease?.();
    return { rows: 0, dim: 0, shards: 0, reused: 0, computed: 0 };
  }
  const queue = new Queue(QUEUE_NAME, { connection: bullConnection(target) });
  queue.on('error', () => undefined);
  try {
    return await follow(queue, target, texts, shards, options, settings, source, log, sink, beforeRelease);
  } finally {
    await queue.close().catch(() => undefined);
  }
}

async function follow(
  queue: Queue,
  target: QueueTarget,
  texts: readonly string[],
  shards: ShardState[],
  options: RunShardsOptions,
  settings: EncodeSettings,
  source: string,
  log: (m: string) => void,
  sink: RowsSink,
  beforeRelease?: () => Promise<void>,
): Promise<RunShardsResult> {
  const jobOpts = (id: string) => ({ jobId: id, attempts: options.attempts ?? 3, backoff: { type: 'fixed' as const, delay: 500 }, removeOnComplete: false, removeOnFail: false });
  const payload = (s: ShardState): ShardJob => ({ v: 1, kind: 'encode', model: options.model, settings, start: s.start, texts: texts.slice(s.start, s.end) });
  const enqueue = async (list: ShardState[]) => {
    for (let i = 0; i < list.length; i += 500) await queue.addBulk(list.slice(i, i + 500).map((s) => ({ name: 'encode', data: payload(s), opts: jobOpts(s.id) })));
  };

  // attach: finished shards are taken as they are, failed ones from an earlier run are tried again
  const existing = await mapChunked(shards, (s) => queue.getJob(s.id));
  let reused = 0;
  const missing: ShardState[] = [];
  for (let k = 0; k < shards.length; k++) {
    const job = existing[k];
    if (!job) missing.push(shards[k]!);
    else {
      const state = await job.getState();
      if (state === 'completed') reused++;
      else if (state === 'failed') await job.retry('failed');
    }
  }
  await enqueue(missing);
  if (reused || missing.length < shards.length) log(`[queue] re-attached to ${shards.length - missing.length} of ${shards.length} shards (${reused} already done)`);

  const results = new Map<number, Float32Array>();
  const failed = new Map<number, string>();
  const pending = new Set(shards.map((_, k) => k));
  let next = 0;
  let dim = 0;
  let doneTexts = 0;
  let redisDown = false;
  const report = () =>
    options.onProgress?.({ doneShards: shards.length - pending.size - failed.size, totalShards: shards.length, doneTexts, totalTexts: texts.length, reused });

  report();
  while (pending.size) {
    options.signal?.throwIfAborted();
    try {
      const ids = [...pending];
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
          const r = ShardResultSchema.parse(job.returnvalue);
          const s = shards[k]!;
          if (r.rows !== s.end - s.start) throw new ShardMismatchError(`shard ${k} returned ${r.rows} rows for ${s.end - s.start} texts`);
          if (dim && r.dim !== dim) throw new ShardMismatchError(`shard ${k} returned dim ${r.dim}, the others ${dim}`);
          dim = r.dim;
          results.set(k, unpackResult(r));
          doneTexts += r.rows;
          pending.delete(k);
        } else if (state === 'failed') {
          failed.set(k, scrub(target, job.failedReason || 'unknown reason'));
          pending.delete(k);
        }
      }
      if (lost.length) await enqueue(lost);
    } catch (err) {
      if (err instanceof ShardMismatchError) throw err;
      if (!redisDown) log(`[queue] ${target.masked}: ${scrub(target, err instanceof Error ? err.message : String(err))}; waiting for Redis`);
      redisDown = true;
    }
    while (results.has(next)) {
      const s = shards[next]!;
      await sink(s.start, results.get(next)!, s.end - s.start, dim);
      results.delete(next);
      next++;
    }
    report();
    if (pending.size) await sleep(options.pollMs ?? 200, options.signal);
  }
  if (failed.size) {
    const lines = [...failed].sort((a, b) => a[0] - b[0]).map(([k, why]) => `${source}:${shards[k]!.start + 1}-${shards[k]!.end}: shard ${k} failed: ${why}`);
    throw new UserError(`${failed.size} of ${shards.length} shards failed (the others are done and kept in the queue; run the same command again to retry only these):\n  ${lines.join('\n  ')}`);
  }
  await beforeRelease?.();
  if (!options.keepJobs) await mapChunked(shards, (s) => queue.remove(s.id).catch(() => 0));
  return { rows: texts.length, dim, shards: shards.length, reused, computed: shards.length - reused };
}

export interface EncodeDistributedOptions extends Omit<RunShardsOptions, 'source'> {}

/** Encodes texts on the workers behind `queue`: the rows in input order, as `Encoder.encode` gives them. */
export async function encodeDistributed(texts: readonly string[], options: EncodeDistributedOptions): Promise<{ dims: [number, number]; data: Float32Array }> {
  let data = new Float32Array(0);
  const res = await runShards(texts, options, (start, rows, n, dim) => {
    if (data.length === 0) data = new Float32Array(texts.length * dim);
    data.set(rows, start * dim);
  });
  return { dims: [res.rows, res.dim], data };
}
