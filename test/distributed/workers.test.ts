/**
 * mtl worker / mtl encode --queue against a real redis-server (started per file on a free loopback
 * port, AOF on): worker processes killed mid-shard, the coordinator killed and started again, Redis
 * killed and restarted, a poison shard, and the errors a user meets. Each output is compared with
 * the single-process `mtl encode` of the same input (encodeCommand, what the command runs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFileDistributed } from '../../src/distributed/encode-file.js';
import { encodeCommand } from '../../src/experiment/encode-file.js';
import { main } from '../../src/cli/main.js';
import { packageRoot } from '../../src/utils/paths.js';
import { freePort, redisServerPath, startRedis, type RedisHandle } from './redis.js';

const REDIS = redisServerPath();
if (!REDIS) console.warn('test/distributed: redis-server is not installed (apt-get install redis-server); skipping the queue tests');

const MODEL = 'fixture:bert';
const LOCK_MS = 1500;

interface WorkerProc {
  proc: ChildProcess;
  log: string[];
  exited: Promise<number | null>;
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
}

function spawnMtl(args: string[], env: Record<string, string> = {}): WorkerProc {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'src/cli/bin.ts'), ...args], {
    cwd: packageRoot(),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0', ...env },
  });
  const log: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let buf = '';
  const onData = (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      log.push(line);
      for (const w of [...waiters])
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
    }
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return {
    proc,
    log,
    exited,
    waitFor(re, timeoutMs = 90_000) {
      const hit = log.find((l) => re.test(l));
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${log.join('\n')}`)), timeoutMs);
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
      });
    },
  };
}

function spawnWorker(url: string, faults: object = { delayMs: 500 }, extra: string[] = []): WorkerProc {
  return spawnMtl(['worker', '--queue', url, '--models', MODEL, '--lock-ms', String(LOCK_MS), ...extra], {
    MTL_TEST_WORKER_FAULTS: JSON.stringify(faults),
  });
}

const readRows = (p: string) =>
  readFileSync(p, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as number[]);

function expectSameRows(got: number[][], want: number[][]): void {
  expect(got.length).toBe(want.length);
  let max = 0;
  for (let i = 0; i < want.length; i++) {
    expect(got[i]!.length).toBe(want[i]!.length);
    for (let j = 0; j < want[i]!.length; j++) max = Math.max(max, Math.abs(got[i]![j]! - want[i]![j]!));
  }
  expect(max).toBeLessThanOrEqual(1e-5);
}

/** Shard ids finished per worker log ("done" lines). */
const doneIds = (ws: WorkerProc[]) =>
  ws.flatMap((w) => w.log.map((l) => /shard (\S+) \(lines [^)]*\) done/.exec(l)?.[1]).filter((x): x is string => !!x));

describe.skipIf(!REDIS)('encoding on BullMQ workers over a real Redis', () => {
  let redis: RedisHandle;
  let dir: string;
  let workers: WorkerProc[] = [];
  const inputs: Record<string, { path: string; ref: number[][] }> = {};

  async function input(name: string, n: number): Promise<{ path: string; ref: number[][] }> {
    const path = join(dir, `${name}.txt`);
    const texts = Array.from({ length: n }, (_, i) => `${name} text ${i}: ${'word '.repeat(1 + ((i * 7) % 23))}end`);
    writeFileSync(path, texts.join('\n') + '\n');
    const refPath = join(dir, `${name}.ref.jsonl`);
    await encodeCommand({ model: MODEL, input: path, output: refPath, quiet: true });
    return (inputs[name] = { path, ref: readRows(refPath) });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mtl-dist-'));
    redis = await startRedis({ aof: true });
    await Promise.all([input('a', 90), input('b', 90), input('c', 90), input('d', 40)]); // also generates the fixture once
    workers = [spawnWorker(redis.url), spawnWorker(redis.url), spawnWorker(redis.url)];
    await Promise.all(workers.map((w) => w.waitFor(/waiting for shards/)));
  });

  afterAll(async () => {
    for (const w of workers) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
    await redis?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('3 workers, one SIGKILLed in the middle of a shard: the rows of single-process mtl encode, in order', async () => {
    const out = join(dir, 'a.jsonl');
    const run = encodeFileDistributed({ queue: redis.url, model: MODEL, input: inputs.a!.path, output: out, shardSize: 6 });
    // the first worker to start a shard with its model already warm: the shard is in its hands (the
    // fault hook holds it 500 ms before encoding), so the kill lands in the middle of it
    const startsWarm = (w: WorkerProc) => {
      const loaded = w.log.findIndex((l) => /\] loaded /.test(l));
      return loaded < 0 ? [] : w.log.slice(loaded).filter((l) => /\) start$/.test(l));
    };
    const victim = await new Promise<WorkerProc>((resolve) => {
      const check = () => {
        const w = workers.find((x) => startsWarm(x).length > 0);
        if (w) resolve(w);
        else setTimeout(check, 2);
      };
      check();
    });
    const inHand = /shard (\S+) /.exec(startsWarm(victim).at(-1)!)![1]!;
    victim.proc.kill('SIGKILL');
    await victim.exited;
    const res = await run;
    expectSameRows(readRows(out), inputs.a!.ref);
    expect(res).toMatchObject({ rows: 90, shards: 15, reused: 0 });
    // the shard the dead worker held was finished by another worker
    expect(doneIds(workers.filter((w) => w !== victim))).toContain(inHand);
    expect(doneIds([victim])).not.toContain(inHand);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    workers = workers.filter((w) => w !== victim);
  });

  it('the coordinator killed and started again: same output, finished shards not computed again', async () => {
    const out = join(dir, 'b.jsonl');
    const args = ['encode', '--model', MODEL, '--input', inputs.b!.path, '--output', out, '--queue', redis.url, '--shard-size', '10'];
    const before = doneIds(workers).length;
    const first = spawnMtl(args);
    // killed once workers have finished 3 of its shards
    await new Promise<void>((resolve) => {
      const check = () => (doneIds(workers).length - before >= 3 ? resolve() : setTimeout(check, 20));
      check();
    });
    first.proc.kill('SIGKILL');
    await first.exited;
    expect(existsSync(out)).toBe(false);
    const second = spawnMtl(args);
    expect(await second.exited).toBe(0);
    const summary = second.log.find((l) => /already done/.test(l))!;
    const reused = Number(/(\d+) already done\)/.exec(summary)![1]);
    expect(reused).toBeGreaterThanOrEqual(3);
    expectSameRows(readRows(out), inputs.b!.ref);
    // every shard computed exactly once across the two coordinator runs
    const ids = doneIds(workers).slice(before);
    expect(ids.length).toBe(9);
    expect(new Set(ids).size).toBe(9);
  });

  it('Redis killed and restarted mid-run (AOF): the run completes, nothing lost or duplicated', async () => {
    const out = join(dir, 'c.jsonl');
    const before = doneIds(workers).length;
    const seen: string[] = [];
    const run = encodeFileDistributed({
      queue: redis.url,
      model: MODEL,
      input: inputs.c!.path,
      output: out,
      shardSize: 10,
      log: (m) => seen.push(m),
    });
    await new Promise<void>((resolve) => {
      const check = () => (doneIds(workers).length - before >= 2 ? resolve() : setTimeout(check, 20));
      check();
    });
    const logged = workers.map((w) => w.log.length);
    await redis.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    await redis.start();
    const res = await run;
    expect(res.rows).toBe(90);
    expectSameRows(readRows(out), inputs.c!.ref);
    // the outage happened mid-run: the workers or the coordinator saw the connection go
    const outage = [...seen, ...workers.flatMap((w, i) => w.log.slice(logged[i]))].filter((l) =>
      /ECONNREFUSED|Connection is closed|waiting for Redis/.test(l),
    );
    expect(outage.length).toBeGreaterThan(0);
  });

  it('a model off the allow list fails its shards with that reason; the workers stay up', async () => {
    const out = join(dir, 'd.jsonl');
    const err = await encodeFileDistributed({
      queue: redis.url,
      model: 'fixture:distilbert',
      input: inputs.d!.path,
      output: out,
      shardSize: 20,
      inputLabel: 'd.txt',
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/2 of 2 shards failed/);
    expect((err as Error).message).toMatch(/d\.txt:1-20: shard 0 failed: model 'fixture:distilbert' is not on this worker's allow list/);
    expect(existsSync(out)).toBe(false);
    expect(workers.every((w) => w.proc.exitCode === null)).toBe(true);
    // and they still work
    const ok = await encodeFileDistributed({ queue: redis.url, model: MODEL, input: inputs.d!.path, output: out, shardSize: 20 });
    expect(ok.rows).toBe(40);
    expectSameRows(readRows(out), inputs.d!.ref);
  });

  it('malformed input, a wrong password, an unreachable Redis: one clear error each, no output file', async () => {
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, Buffer.concat([Buffer.from('fine\nalso fine\nbroken '), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]));
    const out = join(dir, 'never.jsonl');
    const locked = await startRedis({ password: 'right-password' });
    const cases: [string[], RegExp][] = [
      [['--input', bad, '--queue', redis.url], /bad\.txt:3: invalid UTF-8/],
      [
        ['--input', inputs.d!.path, '--queue', `redis://:hunter2secret@127.0.0.1:${locked.port}`],
        /redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: Redis refused the credentials/,
      ],
      [
        ['--input', inputs.d!.path, '--queue', `redis://127.0.0.1:${await freePort()}`],
        /cannot reach Redis \(.*ECONNREFUSED.*\); start redis-server/,
      ],
    ];
    for (const [args, re] of cases) {
      let stderr = '';
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((s: string) => ((stderr += s), true)) as typeof process.stderr.write;
      let code: number;
      try {
        code = await main(['encode', '--model', MODEL, '--output', out, ...args]);
      } finally {
        process.stderr.write = write;
      }
      expect(code).toBe(1);
      expect(stderr).toMatch(re);
      expect(stderr).not.toContain('hunter2secret');
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
    await locked.dispose();
  });

  it('a poison shard (it kills every worker that takes it) fails with its line range; the other shards complete', async () => {
    const path = join(dir, 'poison.txt');
    const texts = Array.from({ length: 30 }, (_, i) => (i === 14 ? 'POISON' : `poison run text ${i}`));
    writeFileSync(path, texts.join('\n') + '\n');
    const faults = { delayMs: 20, crashOnText: 'POISON' };
    // these workers give a shard one stall: the second worker it kills makes it fail, and the third reports it
    const pool = [0, 1, 2].map(() => spawnWorker(redis.url, faults, ['--max-stalls', '1', '--lock-ms', '800']));
    for (const w of workers) w.proc.kill('SIGTERM'); // the graceful stop: exit 0 once the shard in hand is done
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual(workers.map(() => 0));
    expect(workers.every((w) => w.log.some((l) => /stopped after \d+ shards/.test(l)))).toBe(true);
    workers = pool;
    await Promise.all(pool.map((w) => w.waitFor(/waiting for shards/)));
    const err = await encodeFileDistributed({
      queue: redis.url,
      model: MODEL,
      input: path,
      output: join(dir, 'poison.jsonl'),
      shardSize: 10,
      inputLabel: 'poison.txt',
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/1 of 3 shards failed/);
    expect((err as Error).message).toMatch(/poison\.txt:11-20: shard 1 failed: .*stalled/);
    expect(pool.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null)).toHaveLength(1);
    expect(new Set(doneIds(pool)).size).toBe(2);
    expect(existsSync(join(dir, 'poison.jsonl'))).toBe(false);
  });

  it('mtl queue status shows the shards left by failed runs and the workers; mtl queue clean removes them', async () => {
    const run = async (args: string[]) => {
      let stdout = '';
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((x: string) => ((stdout += x), true)) as typeof process.stdout.write;
      try {
        expect(await main(args)).toBe(0);
      } finally {
        process.stdout.write = write;
      }
      return stdout;
    };
    const before = JSON.parse(await run(['queue', 'status', '--queue', redis.url, '--json'])) as {
      workers: number;
      counts: Record<string, number>;
    };
    // the allow-list run left 2 failed shards, the poison run 1 failed and 2 finished
    expect(before.counts).toMatchObject({ failed: 3, completed: 2, active: 0 });
    expect(before.workers).toBe(1);
    expect(await run(['queue', 'clean', '--queue', redis.url])).toMatch(/removed 5 shards \(completed 2, failed 3\)/);
    const after = JSON.parse(await run(['queue', 'status', '--queue', redis.url, '--json'])) as { counts: Record<string, number> };
    expect(after.counts).toMatchObject({ failed: 0, completed: 0 });
  });
});
