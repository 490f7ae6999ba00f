import { UserError } from '../../errors.js';
import type { GlobalOptions } from '../global-options.js';

/** `mtl worker --queue URL`: runs until SIGTERM/SIGINT, then finishes (or hands back) its shards. */
export default async function worker(opts: Record<string, unknown>, _args: string[], global: GlobalOptions): Promise<void> {
  const { loadQueueModule } = await import('../../distributed/deps.js');
  const { startWorker } = await loadQueueModule(() => import('../../distributed/worker.js'));
  const models =
    opts.models === undefined
      ? undefined
      : String(opts.models)
          .split(',')
          .map((m) => m.trim())
          .filter(Boolean);
  if (models && !models.length) throw new UserError('--models: name at least one model, e.g. --models mtl:mini');
  const faults = process.env.MTL_TEST_WORKER_FAULTS ? (JSON.parse(process.env.MTL_TEST_WORKER_FAULTS) as object) : undefined;
  const { shortProviderLine } = await import('../../encoder/backend/fallback.js');
  const log = global.quiet ? () => undefined : (m: string) => process.stderr.write(`${global.verbose ? m : shortProviderLine(m)}\n`);
  const w = await startWorker({
    queue: String(opts.queue),
    ...(opts.concurrency ? { concurrency: opts.concurrency as number } : {}),
    ...(models ? { models } : {}),
    ...(opts.lockMs ? { lockDurationMs: opts.lockMs as number } : {}),
    ...(opts.maxStalls !== undefined ? { maxStalledCount: opts.maxStalls as number } : {}),
    ...(faults ? { faults } : {}),
    logger: log,
  });
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      log(`[worker ${process.pid}] ${sig}: finishing the shard in hand, then stopping`);
      void w.close().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log(`[worker ${process.pid}] stopped after ${w.processed} shards`);
}
