/**
 * The queue's speed: `npx tsx benchmarks/distributed.ts [--quick]` (needs redis-server and a
 * built dist/: `npm run build`). Starts its own redis-server on a free loopback port and measures,
 * side by side in one run (the machine may be shared, so ratios are what to read):
 *   1. texts/s of `mtl encode` against `mtl encode --queue` with 1 and 2 warm `mtl worker`s
 *      (mtl:mini, the mixed texts of the speed suite), alternating the three for each round, and the
 *      agreement of the rows (q8: a quantized model's vectors depend on the batch they ran in);
 *   2. the queue's cost per shard at several shard sizes: wall ms per shard with one worker that
 *      does no encoding (`echo:16`), and the bytes a finished shard holds in Redis (MEMORY USAGE);
 *   3. how many workers one coordinator and one Redis feed: W light worker processes (echo, each
 *      shard held 50 ms to stand for the encoding), shards/s against the ideal W / 50 ms, and the
 *      ceiling with workers that do nothing at all.
 * Writes results/distributed-<date>.json and .md (with the CPU's features).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { bullConnection, parseQueueUrl, plainClient } from '../src/distributed/connection.js';
import { runShards } from '../src/distributed/coordinator.js';
import { QUEUE_NAME } from '../src/distributed/protocol.js';
import { cpuFeatures } from '../src/utils/cpu.js';
import { writeFileAtomicSync } from '../src/utils/fs.js';
import { packageRoot } from '../src/utils/paths.js';
import { startRedis } from '../test/distributed/redis.js';
import { mixTexts } from './texts.js';

const quick = process.argv.includes('--quick');
const BIN = join(packageRoot(), 'dist/cli/bin.js');
const MODEL = 'mtl:mini';

function runMtl(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; ms: number; stderr: string }> {
  const t0 = performance.now();
  const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => p.on('exit', (code) => resolve({ code, ms: performance.now() - t0, stderr })));
}

function startWorkers(url: string, n: number, models: string, env: Record<string, string> = {}): Promise<ChildProcess[]> {
  return Promise.all(
    Array.from({ length: n }, () => {
      const p = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--models', models], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ...env },
      });
      return new Promise<ChildProcess>((resolve, reject) => {
        let log = '';
        p.stderr!.on('data', (d: Buffer) => {
          log += d.toString();
          if (/waiting for shards/.test(log)) resolve(p);
        });
        p.on('exit', (c) => reject(new Error(`worker exited ${c}: ${log}`)));
      });
    }),
  );
}

async function stopWorkers(ws: ChildProcess[]): Promise<void> {
  await Promise.all(
    ws.map(
      (w) =>
        new Promise<void>((r) => {
          w.removeAllListeners('exit');
          w.once('exit', () => r());
          w.kill('SIGTERM');
        }),
    ),
  );
}

const rows = (p: string) =>
  readFileSync(p, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as number[]);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mtl-dist-bench-'));
  const redis = await startRedis();
  const target = parseQueueUrl(redis.url);
  const cpu = cpuFeatures();
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    cpu,
    quick,
    node: process.version,
    loadAverageAtStart: loadavg(),
  };
  try {
    // 1. throughput against plain mtl encode
    const n = quick ? 300 : 1500;
    const texts = mixTexts('mixed', n);
    const input = join(dir, 'texts.txt');
    writeFileSync(input, texts.join('\n') + '\n');
    writeFileSync(
      join(dir, 'warm.txt'),
      texts
        .slice(0, 20)
        .map((t) => `warm ${t}`)
        .join('\n') + '\n',
    );
    const rounds = quick ? 1 : 3;
    const shardSize = 100;
    const times: Record<string, number[]> = { plain: [], w1: [], w2: [] };
    const outs: Record<string, string> = {};
    const workers: ChildProcess[] = await startWorkers(redis.url, 1, MODEL);
    const warm = () =>
      runMtl([
        'encode',
        '--model',
        MODEL,
        '--dtype',
        'q8',
        '--input',
        join(dir, 'warm.txt'),
        '--output',
        join(dir, 'warm.jsonl'),
        '--queue',
        redis.url,
        '--shard-size',
        '10',
        '--quiet',
      ]);
    await warm();
    for (let r = 0; r < rounds; r++) {
      for (const mode of ['plain', 'w1', 'w2'] as const) {
        if (mode === 'w2' && workers.length < 2) {
          workers.push(...(await startWorkers(redis.url, 1, MODEL)));
          await warm();
          await warm();
        }
        if (mode === 'w1' && workers.length > 1) await stopWorkers(workers.splice(1));
        const out = join(dir, `${mode}.jsonl`);
        const args = [
          'encode',
          '--model',
          MODEL,
          '--dtype',
          'q8',
          '--input',
          input,
          '--output',
          out,
          '--quiet',
          ...(mode === 'plain' ? [] : ['--queue', redis.url, '--shard-size', String(shardSize)]),
        ];
        const res = await runMtl(args);
        if (res.code !== 0) throw new Error(`mtl ${args.join(' ')} failed:\n${res.stderr}`);
        times[mode]!.push(res.ms);
        outs[mode] = out;
        console.error(`round ${r + 1} ${mode}: ${(n / (res.ms / 1000)).toFixed(1)} texts/s`);
      }
    }
    await stopWorkers(workers);
    const plainRows = rows(outs.plain!);
    const agreement = (mode: string) => {
      const got = rows(outs[mode]!);
      let maxAbs = 0;
      let minCos = 1;
      for (let i = 0; i < plainRows.length; i++) {
        let dot = 0,
          na = 0,
          nb = 0;
        for (let j = 0; j < plainRows[i]!.length; j++) {
          const a = plainRows[i]![j]!,
            b = got[i]![j]!;
          maxAbs = Math.max(maxAbs, Math.abs(a - b));
          dot += a * b;
          na += a * a;
          nb += b * b;
        }
        minCos = Math.min(minCos, dot / Math.sqrt(na * nb));
      }
      return { rows: got.length, maxAbsDiff: maxAbs, minCosine: minCos };
    };
    const tps = (k: string) => n / (median(times[k]!) / 1000);
    result.throughput = {
      model: MODEL,
      texts: n,
      shardSize,
      rounds,
      textsPerSecond: { plain: tps('plain'), worker1: tps('w1'), worker2: tps('w2') },
      ratio: { worker1: tps('w1') / tps('plain'), worker2: tps('w2') / tps('plain') },
      wallMs: times,
      agreement: { worker1: agreement('w1'), worker2: agreement('w2') },
    };

    // 2. cost per shard: an echo worker (no encoding), wall ms per shard and bytes per finished shard
    const echo = await startWorkers(redis.url, 1, 'echo:16');
    const costTexts = mixTexts('mixed', quick ? 400 : 2000);
    const shardCost: unknown[] = [];
    for (const size of quick ? [1, 10, 100] : [1, 10, 100, 1000]) {
      const t0 = performance.now();
      const res = await runShards(
        costTexts,
        { queue: redis.url, model: 'echo:16', shardSize: size, keepJobs: true, pollMs: 20 },
        () => undefined,
      );
      const ms = performance.now() - t0;
      const q = new Queue(QUEUE_NAME, { connection: bullConnection(target) });
      const client = plainClient(target);
      const ids = (await q.getJobs(['completed'], 0, 50)).map((j) => j.id!);
      const bytes = await Promise.all(ids.map((id) => client.call('MEMORY', 'USAGE', `bull:${QUEUE_NAME}:${id}`) as Promise<number>));
      const memBefore = Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
      await q.clean(0, 100_000, 'completed');
      const memAfter = Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
      client.disconnect();
      await q.close();
      const row = {
        shardSize: size,
        shards: res.shards,
        msPerShard: ms / res.shards,
        textsPerSecond: costTexts.length / (ms / 1000),
        jobHashBytes: median(bytes),
        redisBytesPerShard: (memBefore - memAfter) / res.shards,
      };
      console.error(JSON.stringify(row));
      shardCost.push(row);
    }
    await stopWorkers(echo);
    result.shardCost = { texts: costTexts.length, model: 'echo:16', rows: shardCost };

    // 3. how many light workers one coordinator and one Redis feed
    const holdMs = 50;
    const scale: unknown[] = [];
    const shards = quick ? 100 : 400;
    const scaleTexts = Array.from({ length: shards * 10 }, (_, i) => `text ${i}`);
    for (const [w, hold] of [...(quick ? [1, 4] : [1, 2, 4, 8, 16, 32]).map((w) => [w, holdMs] as const), [quick ? 4 : 16, 0] as const]) {
      const ws = await startWorkers(redis.url, w, 'echo:16', { MTL_TEST_WORKER_FAULTS: JSON.stringify(hold ? { delayMs: hold } : {}) });
      const t0 = performance.now();
      await runShards(
        scaleTexts.map((t) => `${t} w${w} h${hold}`),
        { queue: redis.url, model: 'echo:16', shardSize: 10, pollMs: 20 },
        () => undefined,
      );
      const s = performance.now() - t0;
      await stopWorkers(ws);
      const row = {
        workers: w,
        holdMs: hold,
        shards,
        shardsPerSecond: shards / (s / 1000),
        ideal: hold ? w * (1000 / hold) : null,
        efficiency: hold ? shards / (s / 1000) / (w * (1000 / hold)) : null,
      };
      console.error(JSON.stringify(row));
      scale.push(row);
    }
    result.scaling = { shardSize: 10, rows: scale };
  } finally {
    await redis.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  result.loadAverageAtEnd = loadavg();
  const date = new Date().toISOString().slice(0, 10);
  const base = join(packageRoot(), 'results', `distributed-${date}${quick ? '-quick' : ''}`);
  writeFileAtomicSync(`${base}.json`, JSON.stringify(result, null, 2) + '\n');
  writeFileAtomicSync(`${base}.md`, report(result));
  console.error(`wrote ${base}.json and .md`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the report reads back the JSON this script wrote
function report(r: Record<string, any>): string {
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

await main();
