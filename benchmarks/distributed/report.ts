/**
 * The Markdown report of benchmarks/distributed.ts, read back from the JSON result it wrote: the
 * throughput against plain `mtl encode`, the queue's cost per shard, and how many workers one
 * coordinator and one Redis feed.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the report reads back the JSON this script wrote
export function distributedReport(r: Record<string, any>): string {
  const t = r.throughput;
  const f = (x: number, d = 1) => x.toFixed(d);
  const lines = [
    `# Distributed encoding (${r.date.slice(0, 10)}${r.quick ? ', quick' : ''})`,
    '',
    `CPU: ${r.cpu.summary}. Node ${r.node}. One redis-server on loopback; every process on this machine. Load average (1, 5, 15 min) ${r.loadAverageAtStart.map((x: number) => x.toFixed(1)).join(', ')} at the start, ${r.loadAverageAtEnd.map((x: number) => x.toFixed(1)).join(', ')} at the end.`,
    '',
    `## Texts/s: \`mtl encode\` against \`mtl encode --queue\` (${t.model}, ${t.texts} mixed texts, shards of ${t.shardSize}, median of ${t.rounds} alternating rounds, process wall time)`,
    '',
    '| run | texts/s | ratio to mtl encode | rows | max abs diff | min cosine |',
    '|---|---:|---:|---:|---:|---:|',
    `| mtl encode | ${f(t.textsPerSecond.plain)} | 1.00 | ${t.texts} | – | – |`,
    `| --queue, 1 worker | ${f(t.textsPerSecond.worker1)} | ${f(t.ratio.worker1, 2)} | ${t.agreement.worker1.rows} | ${t.agreement.worker1.maxAbsDiff.toExponential(2)} | ${f(t.agreement.worker1.minCosine, 6)} |`,
    `| --queue, 2 workers | ${f(t.textsPerSecond.worker2)} | ${f(t.ratio.worker2, 2)} | ${t.agreement.worker2.rows} | ${t.agreement.worker2.maxAbsDiff.toExponential(2)} | ${f(t.agreement.worker2.minCosine, 6)} |`,
    '',
    `## The queue's cost per shard (\`echo:16\` worker: no encoding; ${r.shardCost.texts} texts)`,
    '',
    '| shard size | shards | ms per shard | texts/s | job hash in Redis (bytes) | Redis memory per finished shard (bytes) |',
    '|---:|---:|---:|---:|---:|---:|',
    ...r.shardCost.rows.map(
      (x: {
        shardSize: number;
        shards: number;
        msPerShard: number;
        textsPerSecond: number;
        jobHashBytes: number;
        redisBytesPerShard: number;
      }) =>
        `| ${x.shardSize} | ${x.shards} | ${f(x.msPerShard, 2)} | ${f(x.textsPerSecond, 0)} | ${x.jobHashBytes} | ${f(x.redisBytesPerShard, 0)} |`,
    ),
    '',
    `## Workers one coordinator and one Redis feed (light worker processes, shards of ${r.scaling.shardSize} texts)`,
    '',
    '| workers | each shard held | shards/s | ideal | efficiency |',
    '|---:|---:|---:|---:|---:|',
    ...r.scaling.rows.map(
      (x: { workers: number; holdMs: number; shardsPerSecond: number; ideal: number | null; efficiency: number | null }) =>
        `| ${x.workers} | ${x.holdMs} ms | ${f(x.shardsPerSecond)} | ${x.ideal ?? '–'} | ${x.efficiency === null ? '–' : f(100 * x.efficiency, 0) + ' %'} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
