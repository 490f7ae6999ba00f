/**
 * mtl predict --queue against a real redis-server: a saved model (trained here in a few steps) on a
 * worker's allow list gives the lines plain `mtl predict` prints, in input order; a malformed input
 * line is one error naming file:line before anything is enqueued.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, REDIS, startWorkerProcess, trainSentimentModel } from './queue-setup.js';
import { startRedis, type RedisHandle } from './redis.js';

describe.skipIf(!REDIS)('mtl predict --queue', () => {
  let redis: RedisHandle;
  let dir: string;
  let model: string;
  let worker: ChildProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mtl-dist-predict-'));
    redis = await startRedis();
    model = join(dir, 'model');
    await trainSentimentModel(model, { train: 40, dev: 10 });
    worker = await startWorkerProcess(redis.url, [model]);
  });

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await redis?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the lines of plain mtl predict on the same shards, in input order', async () => {
    const texts = Array.from({ length: 13 }, (_, i) =>
      i % 3 ? `a fine and ${'good '.repeat(i % 5)}film ${i}` : `dull, ${'bad '.repeat(i % 4)}and long ${i}`,
    );
    const input = join(dir, 'in.txt');
    writeFileSync(input, texts.join('\n') + '\n\n');
    // plain mtl predict's scores depend on the batch a text is in (0.6130 against 0.6152 for one
    // text here), so the reference is plain mtl predict run on each shard's lines
    const want: string[] = [];
    for (let s = 0; s < texts.length; s += 5) {
      const part = join(dir, `part-${s}.txt`);
      writeFileSync(part, texts.slice(s, s + 5).join('\n') + '\n');
      const plain = await cli(['--quiet', 'predict', '--model', model, '--task', 'sentiment', '--input', part]);
      expect(plain.code, plain.stderr).toBe(0);
      want.push(...plain.stdout.trimEnd().split('\n'));
    }
    const queued = await cli([
      '--quiet',
      'predict',
      '--model',
      model,
      '--task',
      'sentiment',
      '--input',
      input,
      '--queue',
      redis.url,
      '--shard-size',
      '5',
    ]);
    expect(queued.code, queued.stderr).toBe(0);
    expect(want).toHaveLength(13);
    expect(queued.stdout.trimEnd().split('\n')).toEqual(want);
  });

  it('a malformed line is one error naming file:line; a task the model lacks fails with that reason', async () => {
    const bad = join(dir, 'bad.tsv');
    writeFileSync(bad, 'a source\ta translation\n\nonly one field\n');
    const r = await cli(['predict', '--model', model, '--task', 'translation-quality', '--input', bad, '--queue', redis.url]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^mtl: .*bad\.tsv:3: expected "source<TAB>translation"/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const tq = join(dir, 'tq.tsv');
    writeFileSync(tq, 'a source\ta translation\n');
    const noTask = await cli([
      '--quiet',
      'predict',
      '--model',
      model,
      '--task',
      'translation-quality',
      '--input',
      tq,
      '--queue',
      redis.url,
    ]);
    expect(noTask.code).toBe(1);
    expect(noTask.stderr).toMatch(/tq\.tsv:1-1: shard 0 failed: .*has no task 'translation-quality' \(tasks: sentiment\)/);
    expect(noTask.stdout).toBe('');
  });
});
