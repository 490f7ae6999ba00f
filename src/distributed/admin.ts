/** `mtl queue status|clean`: the shards by state and the workers attached; removing finished shards. */
import { Queue } from 'bullmq';
import { bullConnection, parseQueueUrl, plainClient, probeRedis } from './connection.js';
import { QUEUE_NAME } from './protocol.js';

export interface QueueStatus {
  /** The masked URL. */
  queue: string;
  workers: number;
  counts: Record<string, number>;
  redisMemoryBytes?: number;
}

async function withQueue<T>(url: string, fn: (q: Queue) => Promise<T>): Promise<T> {
  const target = parseQueueUrl(url);
  await probeRedis(target);
  const q = new Queue(QUEUE_NAME, { connection: bullConnection(target) });
  try {
    return await fn(q);
  } finally {
    await q.close();
  }
}

export function queueStatus(url: string): Promise<QueueStatus> {
  return withQueue(url, async (q) => {
    const counts = await q.getJobCounts('active', 'waiting', 'delayed', 'prioritized', 'completed', 'failed');
    const workers = (await q.getWorkers()).length;
    const client = plainClient(parseQueueUrl(url));
    const info = await client.info('memory').finally(() => client.disconnect());
    const m = /used_memory:(\d+)/.exec(info);
    return { queue: parseQueueUrl(url).masked, workers, counts, ...(m ? { redisMemoryBytes: Number(m[1]) } : {}) };
  });
}

/** Removes completed and failed shards (with `all`, waiting and delayed ones too). */
export function queueClean(url: string, options: { all?: boolean } = {}): Promise<{ removed: number; byState: Record<string, number> }> {
  return withQueue(url, async (q) => {
    const states = options.all ? (['completed', 'failed', 'wait', 'delayed', 'prioritized'] as const) : (['completed', 'failed'] as const);
    const byState: Record<string, number> = {};
    let removed = 0;
    for (const st of states) {
      let n = 0;
      for (;;) {
        const ids = await q.clean(0, 1000, st);
        n += ids.length;
        if (ids.length < 1000) break;
      }
      byState[st] = n;
      removed += n;
    }
    return { removed, byState };
  });
}
