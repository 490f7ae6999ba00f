/**
 * The `workers` option: batches run in a pool of worker threads, each with its own onnxruntime-node
 * session. The reference is the same encoder without workers (one session in this thread): the vectors
 * must be identical, whatever order the batches come back in.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixture } from '../../src/generators/index.js';
import { Encoder } from '../../src/encoder/index.js';
import { nodeBackend } from '../../src/encoder/backend/node.js';
import { WorkerPoolSession } from '../../src/encoder/backend/node-pool.js';
import type { Backend } from '../../src/encoder/backend/types.js';
import { packageRoot } from '../../src/utils/paths.js';
import { maxAbsDiff, mixedSentences, quiet } from './helpers/data.js';
import { mtl } from '../cli/helpers.js';

describe('Encoder with workers', () => {
  let dir: string;
  let one: Encoder;
  let pool: Encoder;
  // many short batches of different lengths, so that they finish out of order on the two workers
  const texts = mixedSentences(300);
  beforeAll(async () => {
    dir = await ensureFixture('bert');
    one = await Encoder.load(dir, { device: 'cpu', threads: 2, logger: quiet });
    pool = await Encoder.load(dir, { device: 'cpu', threads: 2, workers: 2, logger: quiet, batchTokens: 128, maxBatchSize: 8 });
  });
  afterAll(async () => {
    await one.dispose();
    await pool.dispose();
  });

  it('info says how many workers run the batches', () => {
    expect(pool.info.workers).toBe(2);
    expect(one.info.workers).toBeUndefined();
    expect(pool.info.dim).toBe(one.info.dim);
  });

  it('encode, encodePairs and encodeTokens equal the single session', async () => {
    const [a, b] = await Promise.all([one.encode(texts), pool.encode(texts)]);
    expect(b.dims).toEqual(a.dims);
    expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-6);
    expect(pool.stats.runs).toBeGreaterThan(10);

    const pairs = texts.slice(0, 60).map((t, i) => [t, texts[i + 60]!] as [string, string]);
    const [pa, pb] = await Promise.all([one.encodePairs(pairs), pool.encodePairs(pairs)]);
    expect(maxAbsDiff(pa.data, pb.data)).toBeLessThan(1e-6);

    const [ta, tb] = await Promise.all([one.encodeTokens(texts.slice(0, 80)), pool.encodeTokens(texts.slice(0, 80))]);
    expect(tb.dims).toEqual(ta.dims);
    expect(tb.lengths).toEqual(ta.lengths);
    expect(maxAbsDiff(ta.data, tb.data)).toBeLessThan(1e-6);
  });

  it('keeps two batches in flight, one on each worker', async () => {
    const session = (pool as unknown as { session: WorkerPoolSession }).session;
    expect(session.concurrency).toBe(2);
    const slots = (session as unknown as { slots: { pending: Map<number, unknown> }[] }).slots;
    let both = 0;
    const poll = setInterval(() => {
      if (slots.every((s) => s.pending.size === 1)) both++;
    }, 1);
    await pool.encode(mixedSentences(600).map((t) => t + ' again'));
    clearInterval(poll);
    expect(both).toBeGreaterThan(0);
  });

  it('reads an inner layer (a graph held in memory, sent to each worker)', async () => {
    const a = await Encoder.load(dir, { device: 'cpu', threads: 1, layer: 1, logger: quiet });
    const b = await Encoder.load(dir, { device: 'cpu', threads: 2, workers: 2, layer: 1, logger: quiet });
    try {
      expect(b.info.layer).toEqual(a.info.layer);
      const [va, vb] = await Promise.all([a.encode(texts.slice(0, 50)), b.encode(texts.slice(0, 50))]);
      expect(maxAbsDiff(va.data, vb.data)).toBeLessThan(1e-6);
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });

  it('an aborted encode leaves the pool usable', async () => {
    const ctrl = new AbortController();
    const run = pool.encode(
      texts.map((t) => t + ' (aborted)'),
      {
        signal: ctrl.signal,
        onProgress: (p) => {
          if (p.done > 20) ctrl.abort(new Error('stop here'));
        },
      },
    );
    await expect(run).rejects.toThrow('stop here');
    const [a, b] = await Promise.all([one.encode(texts.slice(0, 40)), pool.encode(texts.slice(0, 40))]);
    expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-6);
  });

  it('a worker that dies fails its batch with the reason, and the rest go to the live worker', async () => {
    const enc = await Encoder.load(dir, { device: 'cpu', threads: 2, workers: 2, logger: quiet });
    try {
      const session = (enc as unknown as { session: WorkerPoolSession }).session;
      type W = { postMessage(m: unknown): void; once(e: 'exit', f: (code: number) => void): void };
      const slots = (session as unknown as { slots: { worker: W }[] }).slots;
      // a worker stops on its own (here: told to close its session and exit, as dispose does per worker)
      const stop = (w: W) =>
        new Promise<number>((r) => {
          w.once('exit', r);
          w.postMessage({ kind: 'release' });
        });
      expect(await stop(slots[0]!.worker)).toBe(0);
      const r = await enc.encode(texts.slice(0, 30));
      const ref = await one.encode(texts.slice(0, 30));
      expect(maxAbsDiff(r.data, ref.data)).toBeLessThan(1e-6);
      await stop(slots[1]!.worker);
      await expect(enc.encode(['one more text'])).rejects.toThrow(
        /all 2 inference workers have stopped \(inference worker 0 stopped \(exit code 0\); load the encoder again\)/,
      );
    } finally {
      await enc.dispose();
    }
  });

  it('rejects a bad workers value, and workers in the browser build, naming the option', async () => {
    await expect(Encoder.load(dir, { workers: 0, logger: quiet })).rejects.toThrow('workers must be a positive integer, got 0');
    await expect(Encoder.load(dir, { workers: 1.5, logger: quiet })).rejects.toThrow('workers must be a positive integer, got 1.5');
    const web: Backend = { ...nodeBackend, platform: 'web' };
    await expect(Encoder.load(dir, { workers: 2, backend: web, logger: quiet })).rejects.toThrow(
      /workers: 2 needs Node's worker threads; .*env\.wasm\.proxy/,
    );
  });

  it("a model the workers cannot load fails the load with ONNX Runtime's reason, and stops every worker", async () => {
    const bytes = new TextEncoder().encode('this is not an ONNX model');
    await expect(
      WorkerPoolSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1, logSeverityLevel: 3 }, 2),
    ).rejects.toThrow(/protobuf|parse|load/i);
  });

  it('dispose during an encode fails that encode instead of leaving it hanging', async () => {
    const enc = await Encoder.load(dir, { device: 'cpu', threads: 2, workers: 2, logger: quiet, maxBatchSize: 4 });
    let disposing: Promise<void> | null = null;
    const err = await enc
      .encode(
        mixedSentences(400).map((t) => t + ' (disposed)'),
        {
          onProgress: (p) => {
            if (p.done >= 20 && !disposing) disposing = enc.dispose();
          },
        },
      )
      .then(
        () => null,
        (e: unknown) => e,
      );
    await disposing;
    expect(disposing).not.toBeNull();
    expect(String(err)).toMatch(/disposed|released/);
  });

  it('after dispose, encode rejects', async () => {
    const enc = await Encoder.load(dir, { device: 'cpu', threads: 2, workers: 2, logger: quiet });
    await enc.dispose();
    await expect(enc.encode(['x'])).rejects.toThrow('disposed');
  });

  it('idle workers do not keep the process alive when the encoder is never disposed', () => {
    const script = `
      const { Encoder } = await import('./src/encoder/index.ts');
      const enc = await Encoder.load(${JSON.stringify(dir)}, { device: 'cpu', threads: 2, workers: 2 });
      const r = await enc.encode(['a first text', 'and a second one']);
      console.log('dims', r.dims.join('x'));`;
    const t0 = Date.now();
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: packageRoot(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(res.stderr).not.toMatch(/Error/);
    expect(res.stdout).toContain('dims 2x32');
    expect(res.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(60_000);
  });
});

describe('mtl encode --workers', () => {
  it('writes the vectors of the single session, and refuses a bad count', async () => {
    const dir = await ensureFixture('bert');
    const tmp = mkdtempSync(join(tmpdir(), 'mtl-workers-'));
    try {
      const texts = mixedSentences(100);
      writeFileSync(join(tmp, 'in.txt'), texts.join('\n') + '\n');
      const res = mtl([
        'encode',
        '--model',
        dir,
        '--input',
        join(tmp, 'in.txt'),
        '--output',
        join(tmp, 'v.jsonl'),
        '--device',
        'cpu',
        '--workers',
        '2',
      ]);
      expect(res.stderr).toContain('encoded 100 texts');
      expect(res.code).toBe(0);
      const rows = readFileSync(join(tmp, 'v.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as number[]);
      const ref = await Encoder.load(dir, { device: 'cpu', logger: quiet });
      const v = await ref.encode(texts);
      await ref.dispose();
      expect(maxAbsDiff(Float32Array.from(rows.flat()), v.data)).toBeLessThan(1e-6);
      const bad = mtl(['encode', '--model', dir, '--input', join(tmp, 'in.txt'), '--output', join(tmp, 'w.jsonl'), '--workers', '0']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/--workers.*0/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('workers with the q8 file', () => {
  it('equals the single q8 session', async () => {
    const dir = await ensureFixture('bert');
    const texts = mixedSentences(120);
    // the same batches on both sides: q8 quantizes each batch's activations with the batch's own range
    const a = await Encoder.load(dir, { dtype: 'q8', device: 'cpu', threads: 1, logger: quiet, maxBatchSize: 8 });
    const b = await Encoder.load(dir, { dtype: 'q8', device: 'cpu', threads: 2, workers: 2, logger: quiet, maxBatchSize: 8 });
    try {
      expect(b.info).toMatchObject({ dtype: 'q8', workers: 2 });
      const [va, vb] = await Promise.all([a.encode(texts), b.encode(texts)]);
      expect(maxAbsDiff(va.data, vb.data)).toBeLessThan(1e-6);
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });
});
