import type { GlobalOptions } from '../global-options.js';

/** `mtl queue status|clean --queue URL`. */
export default async function queue(opts: Record<string, unknown>, args: string[], _global: GlobalOptions): Promise<void> {
  const { loadQueueModule } = await import('../../distributed/deps.js');
  const { queueStatus, queueClean } = await loadQueueModule(() => import('../../distributed/admin.js'));
  const url = String(opts.queue);
  if (args[0] === 'clean') {
    const n = await queueClean(url, { all: Boolean(opts.all) });
    process.stdout.write(
      `removed ${n.removed} shards (${Object.entries(n.byState)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})\n`,
    );
    return;
  }
  const s = await queueStatus(url);
  if (opts.json) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
  else {
    process.stdout.write(`${s.queue}\n  workers: ${s.workers}\n`);
    for (const [k, v] of Object.entries(s.counts)) process.stdout.write(`  ${k}: ${v}\n`);
    if (s.redisMemoryBytes !== undefined) process.stdout.write(`  redis memory: ${(s.redisMemoryBytes / 1e6).toFixed(1)} MB\n`);
  }
}
