/**
 * mtl eval --queue and mtl train --queue against a real redis-server and a worker process:
 * - eval: the metrics of plain `mtl eval` on the same data (equal when one shard holds the whole
 *   set, as plain eval predicts it in one call; within 1e-3 with small shards, whose batches differ),
 *   and a malformed data row refused with file:line before anything is enqueued;
 * - train: the three tasks of tasks/multitask.yaml on the samples (vectors, text pairs, token
 *   states) give the trained metrics of a plain run, and this process encodes nothing (counted on
 *   the encoder's own methods).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queueStatus } from '../../src/distributed/admin.js';
import { evaluateDistributed } from '../../src/distributed/evaluate.js';
import { fillFeaturesFromQueue, encoderSettings } from '../../src/distributed/features.js';
import { EncoderCore } from '../../src/encoder/core.js';
import { Encoder } from '../../src/encoder/index.js';
import { pairKey } from '../../src/encoder/pairs.js';
import { FeatureStore, layerKey } from '../../src/training/features.js';
import { packageRoot } from '../../src/utils/paths.js';
import { cli, REDIS, startWorkerProcess, trainSentimentModel } from './queue-setup.js';
import { startRedis, type RedisHandle } from './redis.js';

/** Texts this process hands to its encoders (encode, encodePairs, encodeTokens), counted while `fn` runs. */
async function countLocalEncoding<T>(fn: () => Promise<T>): Promise<{ result: T; texts: number }> {
  let texts = 0;
  const spies = (['encode', 'encodePairs', 'encodeTokens'] as const).map((m) => {
    const orig = EncoderCore.prototype[m] as (this: EncoderCore, x: readonly unknown[], ...rest: unknown[]) => Promise<unknown>;
    return vi.spyOn(EncoderCore.prototype, m).mockImplementation(function (this: EncoderCore, x: readonly unknown[], ...rest: unknown[]) {
      texts += x.length;
      return orig.call(this, x, ...rest);
    } as never);
  });
  try {
    return { result: await fn(), texts };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

describe.skipIf(!REDIS)('mtl eval --queue and mtl train --queue', () => {
  let redis: RedisHandle;
  let dir: string;
  let model: string;
  let worker: ChildProcess;
  const dev = join(packageRoot(), 'fixtures/data/sentiment/dev.txt');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mtl-dist-eval-'));
    redis = await startRedis();
    model = join(dir, 'model');
    await trainSentimentModel(model, { train: 40 });
    worker = await startWorkerProcess(redis.url, [model, 'fixture:bert']);
  }, 60_000);

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await redis?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('mtl eval --queue gives the metrics of plain mtl eval', async () => {
    const plain = await cli(['--quiet', 'eval', '--model', model, '--task', 'sentiment', '--data', dev, '--json']);
    expect(plain.code, plain.stderr).toBe(0);
    const want = JSON.parse(plain.stdout);
    expect(want.n).toBe(80);
    // one shard: the worker predicts the set in one call, as plain mtl eval does
    const whole = await countLocalEncoding(() =>
      cli([
        '--quiet',
        'eval',
        '--model',
        model,
        '--task',
        'sentiment',
        '--data',
        dev,
        '--json',
        '--queue',
        redis.url,
        '--shard-size',
        '1000',
      ]),
    );
    expect(whole.result.code, whole.result.stderr).toBe(0);
    expect(JSON.parse(whole.result.stdout)).toEqual(want);
    expect(whole.texts).toBe(0);
    // 12 shards of 7: batches differ (scores can move in the last digits; the metrics were equal here)
    const sharded = await cli([
      'eval',
      '--model',
      model,
      '--task',
      'sentiment',
      '--data',
      dev,
      '--json',
      '--queue',
      redis.url,
      '--shard-size',
      '7',
    ]);
    expect(sharded.code, sharded.stderr).toBe(0);
    expect(sharded.stderr).toMatch(/12 shards: 12 computed by workers, 0 already done/);
    const got = JSON.parse(sharded.stdout);
    expect(got.n).toBe(want.n);
    expect(got.confusion).toEqual(want.confusion);
    for (const [k, v] of Object.entries(want.metrics as Record<string, number>)) expect(got.metrics[k], k).toBeCloseTo(v, 3);
  }, 60_000);

  it('evaluateDistributed re-attaches after the coordinator is stopped: finished shards are taken as they are', async () => {
    const { startWorker } = await import('../../src/distributed/worker.js');
    const own = await startRedis(); // a queue of its own: a slow in-process worker, no other
    const slow = await startWorker({ queue: own.url, models: [model], faults: { delayMs: 400 } });
    try {
      const base = { queue: own.url, model, task: 'sentiment', data: dev, format: 'sst2' as const, shardSize: 20, pollMs: 50 };
      const stop = new AbortController();
      const first = evaluateDistributed({
        ...base,
        signal: stop.signal,
        onProgress: (p) => p.doneShards >= 1 && stop.abort(new Error('coordinator stopped')),
      });
      await expect(first).rejects.toThrow(/coordinator stopped/);
      let shards: { shards: number; computed: number; reused: number } | undefined;
      const again = await evaluateDistributed({ ...base, onShards: (r) => (shards = r) });
      expect(shards!.shards).toBe(4);
      expect(shards!.reused).toBeGreaterThanOrEqual(1);
      expect(shards!.reused + shards!.computed).toBe(4);
      expect(slow.processed).toBe(4); // every shard computed once across both runs
      const plain = await cli(['--quiet', 'eval', '--model', model, '--task', 'sentiment', '--data', dev, '--json']);
      expect(again.metrics).toEqual(JSON.parse(plain.stdout).metrics);
    } finally {
      await slow.close();
      await own.dispose();
    }
  }, 60_000);

  it('a malformed data row fails with file:line before anything is enqueued', async () => {
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, readFileSync(dev, 'utf8').split('\n').slice(0, 3).join('\n') + '\nseven a label that is no label\n');
    const r = await cli([
      '--quiet',
      'eval',
      '--model',
      model,
      '--task',
      'sentiment',
      '--data',
      bad,
      '--format',
      'sst2',
      '--queue',
      redis.url,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.txt:4\b/);
    const s = await queueStatus(redis.url);
    expect(Object.values(s.counts).reduce((a, b) => a + b, 0)).toBe(0);
    const baseline = await cli(['--quiet', 'eval', '--baseline', 'majority', '--task', 'sentiment', '--data', dev, '--queue', redis.url]);
    expect(baseline.code).toBe(1);
    expect(baseline.stderr).toMatch(/--queue applies to --model/);
  }, 30_000);

  it('the workers compute the features a local FeatureStore computes: texts, pairs, layer keys, token states', async () => {
    const enc = await Encoder.load('fixture:bert', { dtype: 'fp32', cache: false });
    try {
      const texts = [
        'The museum opens at nine.',
        'Das Museum öffnet um neun Uhr.',
        'short',
        'a longer sentence with quite a few more words in it than the others',
      ];
      const keys = [...texts, pairKey(texts[0]!, texts[1]!), layerKey(1, texts[2]!), layerKey(1, pairKey(texts[3]!, texts[0]!)), texts[0]!];
      const local = new FeatureStore(enc.info.dim);
      await local.ensure(keys, enc);
      await local.ensureTokens(texts, enc);
      const remote = new FeatureStore(enc.info.dim);
      const res = await fillFeaturesFromQueue(
        remote,
        { texts: keys, tokenTexts: texts },
        { queue: redis.url, model: 'fixture:bert', settings: encoderSettings(enc.info), shardSize: 3 },
      );
      expect(res).toMatchObject({ vectors: 7, tokens: 4, shards: 5, reused: 0 }); // the repeated key is sent once
      let maxDiff = 0;
      for (const k of keys) {
        const a = local.get(k)!;
        const b = remote.get(k)!;
        expect(b.length, JSON.stringify(k)).toBe(a.length);
        for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
      }
      for (const t of texts) {
        const a = local.tokenLookup(t);
        const b = remote.tokenLookup(t);
        expect(b.length).toBe(a.length);
        for (let i = 0; i < a.length * enc.info.dim; i++) maxDiff = Math.max(maxDiff, Math.abs(a.states[i]! - b.states[i]!));
      }
      expect(maxDiff).toBeLessThan(1e-5);
      // nothing missing, nothing sent
      expect(
        await fillFeaturesFromQueue(
          remote,
          { texts: keys, tokenTexts: texts },
          { queue: redis.url, model: 'fixture:bert', settings: encoderSettings(enc.info) },
        ),
      ).toEqual({ vectors: 0, tokens: 0, shards: 0, reused: 0 });
    } finally {
      await enc.dispose();
    }
  }, 30_000);

  it('mtl train --queue trains the model a plain run trains, and this process encodes nothing', async () => {
    const args = (out: string) => [
      '--quiet',
      'train',
      '--config',
      'multitask',
      '--sample',
      '--encoder',
      'fixture:bert',
      '--steps',
      '12',
      '--seed',
      '7',
      '--out',
      out,
      '--json',
    ];
    // the plain run hands its texts to the encoder (read from the embedding cache or computed)
    const plain = await countLocalEncoding(() => cli(args(join(dir, 'plain'))));
    expect(plain.result.code, plain.result.stderr).toBe(0);
    expect(plain.texts).toBeGreaterThan(0);
    const queued = await countLocalEncoding(() =>
      cli([...args(join(dir, 'queued')).filter((x) => x !== '--quiet'), '--queue', redis.url, '--shard-size', '64']),
    );
    expect(queued.result.code, queued.result.stderr).toBe(0);
    expect(queued.texts).toBe(0);
    const done = /the workers encoded (\d+) texts and the token states of (\d+) \((\d+) shards, 0 already done\)/.exec(
      queued.result.stderr,
    );
    expect(done, queued.result.stderr).not.toBeNull();
    expect(Number(done![1])).toBeGreaterThan(0);
    expect(Number(done![2])).toBeGreaterThan(0); // the sentiment head pools token states
    const a = JSON.parse(plain.result.stdout);
    const b = JSON.parse(queued.result.stdout);
    expect(Object.keys(b.tasks).sort()).toEqual(['sentiment', 'summarization', 'translation-quality']);
    // measured equal to the last digit here; fp32 vectors batched differently may move the last bits
    for (const task of Object.keys(a.tasks)) {
      for (const [k, v] of Object.entries(a.tasks[task].metrics as Record<string, number>))
        expect(b.tasks[task].metrics[k], `${task}.${k}`).toBeCloseTo(v, 4);
      // the baselines too (textrank reads its sentence vectors from the workers' features)
      for (const [name, m] of Object.entries(a.tasks[task].baselines as Record<string, Record<string, number>>)) {
        for (const [k, v] of Object.entries(m)) expect(b.tasks[task].baselines[name][k], `${task}.${name}.${k}`).toBeCloseTo(v, 4);
      }
    }
    expect(Object.keys(b.tasks.summarization.baselines)).toContain('textrank');
  }, 120_000);

  it("mtl train --queue with an encoder off the workers' allow list fails with that reason and saves nothing", async () => {
    const out = join(dir, 'refused');
    const r = await cli([
      '--quiet',
      'train',
      '--config',
      'multitask',
      '--sample',
      '--tasks',
      'sentiment',
      '--encoder',
      'fixture:xlm-roberta',
      '--steps',
      '2',
      '--out',
      out,
      '--queue',
      redis.url,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/training texts:1-\d+: shard 0 failed: model 'fixture:xlm-roberta' is not on this worker's allow list/);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  }, 60_000);
});
