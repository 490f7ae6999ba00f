/**
 * `startWorker`: a BullMQ worker that takes shards from the queue, validates each payload, encodes
 * it with a warm model from its allow list and returns the vectors. A job naming a model off the
 * list fails at once (no retries) and the worker stays up. A worker that dies mid-shard loses its
 * lock; after `lockDurationMs` another worker takes the shard again (BullMQ's stalled-job check),
 * and a shard that stalls more than `maxStalledCount` times fails as poison.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { bullConnection, parseQueueUrl, probeRedis, scrub } from './connection.js';
import { DEFAULT_ALLOWED_MODELS, ModelNotAllowedError, WarmModels } from './models.js';
import { describeZodError, packResult, QUEUE_NAME, ShardJobSchema, type FeaturesResult, type ShardResult } from './protocol.js';

/** Test hooks that cause the failures the tests check (a slow shard, a shard that kills its worker). */
export interface WorkerFaults {
  /** Wait this long before encoding each shard. */
  delayMs?: number;
  /** A shard with a text containing this kills the worker process (SIGKILL), like a native crash. */
  crashOnText?: string;
}

export interface StartWorkerOptions {
  /** `redis://host:6379` or `rediss://user:pass@host:6380/0`. */
  queue: string;
  /** Shards processed at once by this worker (default 1). */
  concurrency?: number;
  /** Model references this worker may open (default: the bundled ones, `mtl:mini`). */
  models?: readonly string[];
  /** How long a shard's lock lasts without renewal, i.e. how soon a dead worker's shard is retaken (default 30 s). */
  lockDurationMs?: number;
  /** How often stalled shards are looked for (default: the lock duration). */
  stalledIntervalMs?: number;
  /** Stalls (worker deaths) a shard survives before it fails as poison (default 2). */
  maxStalledCount?: number;
  logger?: (message: string) => void;
  faults?: WorkerFaults;
}

export interface RunningWorker {
  /** Stops taking shards, finishes the ones in hand (or hands them back after `timeoutMs`) and closes. */
  close(timeoutMs?: number): Promise<void>;
  /** Shards this worker finished. */
  readonly processed: number;
}

export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const target = parseQueueUrl(options.queue);
  await probeRedis(target);
  const log = options.logger ?? (() => undefined);
  const models = new WarmModels(options.models?.length ? options.models : DEFAULT_ALLOWED_MODELS, log);
  const faults = options.faults ?? {};
  let processed = 0;
  const lockDuration = options.lockDurationMs ?? 30_000;

  const processor = async (job: Job): Promise<ShardResult | FeaturesResult | { predictions: unknown[] }> => {
    const parsed = ShardJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`malformed job payload: ${describeZodError(parsed.error)}`);
    const shard = parsed.data;
    const items = shard.kind === 'encode' ? shard.texts : shard.kind === 'features' ? shard.keys : shard.inputs;
    const range = `lines ${shard.start + 1}-${shard.start + items.length}`;
    log(`[worker ${process.pid}] shard ${job.id} (${range}) start`);
    try {
      let result: ShardResult | FeaturesResult | { predictions: unknown[] };
      if (shard.kind === 'features') {
        const model = await models.get(shard.model, shard.settings);
        if (!model.features) throw new UnrecoverableError(`model '${shard.model}' cannot compute training features`);
        await faultsBefore(shard.keys);
        const out = await model.features(shard.keys, shard.tokens);
        result = { ...packResult(out.data, out.rows, out.dim), ...(out.lengths ? { lengths: out.lengths } : {}) };
      } else if (shard.kind === 'encode') {
        const model = await models.get(shard.model, shard.settings);
        await faultsBefore(shard.texts);
        const out = await model.encode(shard.texts);
        result = packResult(out.data, out.dims[0], out.dims[1]);
      } else {
        const model = await models.predictor(shard.model, shard.settings.encoder);
        await faultsBefore(shard.inputs.map((x) => JSON.stringify(x)));
        result = { predictions: await model.predict(shard.settings, shard.inputs) };
      }
      processed++;
      log(`[worker ${process.pid}] shard ${job.id} (${range}) done`);
      return result;
    } catch (err) {
      // not worth retrying: the same worker would refuse it again
      if (err instanceof ModelNotAllowedError) throw new UnrecoverableError(err.message);
      throw err;
    }
  };

  const faultsBefore = async (items: readonly string[]) => {
    if (faults.delayMs) await new Promise((r) => setTimeout(r, faults.delayMs));
    if (faults.crashOnText !== undefined && items.some((t) => t.includes(faults.crashOnText!))) process.kill(process.pid, 'SIGKILL');
  };

  const worker = new Worker(QUEUE_NAME, processor, {
    connection: bullConnection(target),
    concurrency: options.concurrency ?? 1,
    lockDuration,
    stalledInterval: options.stalledIntervalMs ?? lockDuration,
    maxStalledCount: options.maxStalledCount ?? 2,
    autorun: true,
  });
  worker.on('failed', (job, err) => log(`[worker ${process.pid}] shard ${job?.id ?? '?'} failed: ${scrub(target, err.message)}`));
  worker.on('error', (err) => log(`[worker ${process.pid}] ${target.masked}: ${scrub(target, err.message)}`));
  await worker.waitUntilReady();
  log(
    `[worker ${process.pid}] waiting for shards on ${target.masked} (models: ${(options.models?.length ? options.models : DEFAULT_ALLOWED_MODELS).join(', ')})`,
  );

  return {
    get processed() {
      return processed;
    },
    async close(timeoutMs = 60_000) {
      // finish the shards in hand; past the timeout, close without waiting: their locks lapse and
      // another worker takes them (nothing is lost, the shard is only computed again)
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<void>((r) => {
        timer = setTimeout(() => {
          void worker.close(true).then(r, r);
        }, timeoutMs);
      });
      await Promise.race([worker.close(), forced]);
      if (timer) clearTimeout(timer);
      await models.disposeAll();
    },
  };
}
