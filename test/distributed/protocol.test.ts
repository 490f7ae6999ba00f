/** The queue's URL handling and shard protocol, without Redis. */
import { describe, expect, it } from 'vitest';
import { parseQueueUrl, scrub } from '../../src/distributed/connection.js';
import { FeaturesResultSchema, packResult, shardJobId, ShardJobSchema, unpackResult } from '../../src/distributed/protocol.js';
import { UserError } from '../../src/errors.js';

describe('--queue URLs', () => {
  it('reads host, port, db, user, password and TLS, and masks the password', () => {
    const t = parseQueueUrl('rediss://alice:s3cr%40t@cache.example.org:6380/2');
    expect(t.options).toMatchObject({
      host: 'cache.example.org',
      port: 6380,
      db: 2,
      username: 'alice',
      password: 's3cr@t',
      tls: { servername: 'cache.example.org' },
    });
    expect(t.masked).toBe('rediss://alice:***@cache.example.org:6380/2');
    expect(t.masked).not.toContain('s3cr');
    expect(scrub(t, 'auth s3cr@t failed (s3cr%40t)')).toBe('auth *** failed (***)');
    const plain = parseQueueUrl('redis://127.0.0.1');
    expect(plain.options).toMatchObject({ host: '127.0.0.1', port: 6379, db: 0 });
    expect(plain.options.tls).toBeUndefined();
    expect(plain.masked).toBe('redis://127.0.0.1');
  });

  it('refuses other schemes and non-URLs without printing the password', () => {
    expect(() => parseQueueUrl('http://u:pw123@host:1')).toThrow(UserError);
    expect(() => parseQueueUrl('http://u:pw123@host:1')).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => parseQueueUrl('http://u:pw123@host:1')).not.toThrow(/pw123/);
    expect(() => parseQueueUrl('not a url:pw123@')).toThrow(/not a URL/);
    expect(() => parseQueueUrl('not a url:pw123@')).not.toThrow(/pw123/);
    expect(() => parseQueueUrl('redis://h:1/x')).toThrow(/database number/);
  });
});

describe('shard jobs', () => {
  it("have ids that depend on the input, shard, model and settings (not on the settings' key order)", () => {
    const base = shardJobId('encode', 'h1', 0, 10, 'mtl:mini', { dtype: 'q8', pooling: 'mean' });
    expect(shardJobId('encode', 'h1', 0, 10, 'mtl:mini', { pooling: 'mean', dtype: 'q8' })).toBe(base);
    const others = [
      shardJobId('encode', 'h2', 0, 10, 'mtl:mini', { dtype: 'q8', pooling: 'mean' }),
      shardJobId('encode', 'h1', 1, 10, 'mtl:mini', { dtype: 'q8', pooling: 'mean' }),
      shardJobId('encode', 'h1', 0, 20, 'mtl:mini', { dtype: 'q8', pooling: 'mean' }),
      shardJobId('encode', 'h1', 0, 10, 'fixture:bert', { dtype: 'q8', pooling: 'mean' }),
      shardJobId('encode', 'h1', 0, 10, 'mtl:mini', { dtype: 'fp32', pooling: 'mean' }),
      shardJobId('predict', 'h1', 0, 10, 'mtl:mini', { dtype: 'q8', pooling: 'mean' }),
      shardJobId('features', 'h1', 0, 10, 'mtl:mini', { dtype: 'q8', pooling: 'mean' }),
      shardJobId('features', 'h1', 0, 10, 'mtl:mini', { dtype: 'q8', pooling: 'mean', tokens: true }),
    ];
    expect(new Set([base, ...others]).size).toBe(9);
    expect(others.at(-1)).toMatch(/^fea-[0-9a-f]{40}$/);
    expect(base).toMatch(/^enc-[0-9a-f]{40}$/); // BullMQ refuses ':' and all-digit custom ids
  });

  it('validate payloads (zod) and round-trip the vectors bit for bit', () => {
    const ok = { v: 1, kind: 'encode', model: 'mtl:mini', settings: {}, start: 0, texts: ['a'] };
    expect(ShardJobSchema.safeParse(ok).success).toBe(true);
    expect(ShardJobSchema.safeParse({ ...ok, texts: [] }).success).toBe(false);
    expect(ShardJobSchema.safeParse({ ...ok, texts: [3] }).success).toBe(false);
    expect(ShardJobSchema.safeParse({ ...ok, start: -1 }).success).toBe(false);
    expect(ShardJobSchema.safeParse({ ...ok, settings: { dtype: 'fp64' } }).success).toBe(false);
    expect(ShardJobSchema.safeParse({ ...ok, extra: 1 }).success).toBe(false);
    const predict = { v: 1, kind: 'predict', model: '/models/m', settings: { task: 'sentiment' }, start: 5, inputs: [{ text: 'a' }] };
    expect(ShardJobSchema.safeParse(predict).success).toBe(true);
    expect(ShardJobSchema.safeParse({ ...predict, settings: { task: 'parsing' } }).success).toBe(false);
    expect(ShardJobSchema.safeParse({ ...predict, inputs: ['a'] }).success).toBe(false);
    expect(ShardJobSchema.safeParse({ ...predict, kind: 'train' }).success).toBe(false);
    const features = {
      v: 1,
      kind: 'features',
      model: 'fixture:bert',
      settings: { dtype: 'fp32' },
      start: 0,
      keys: ['a', '\u0000layer2\u0000b'],
      tokens: false,
    };
    expect(ShardJobSchema.safeParse(features).success).toBe(true);
    expect(ShardJobSchema.safeParse({ ...features, keys: [] }).success).toBe(false);
    expect(ShardJobSchema.safeParse({ ...features, tokens: undefined }).success).toBe(false);
    expect(FeaturesResultSchema.safeParse({ ...packResult(Float32Array.from([1, 2, 3, 4]), 2, 2), lengths: [1, 1] }).success).toBe(true);
    expect(FeaturesResultSchema.safeParse({ ...packResult(Float32Array.from([1, 2]), 1, 2), lengths: [0] }).success).toBe(false);
    const data = Float32Array.from([1.5, -0, Math.PI, 1e-40, -3.25, 7]);
    const back = unpackResult(packResult(data, 2, 3));
    expect(Array.from(back)).toEqual(Array.from(data));
    expect(() => unpackResult({ ...packResult(data, 2, 3), rows: 3 })).toThrow(/expected 3×3×4/);
  });
});

describe('bullmq and ioredis as optional peers', () => {
  it('a missing one is a UserError with the install line; other load errors pass through', async () => {
    const { loadQueueModule } = await import('../../src/distributed/deps.js');
    // the error Node throws for an import of a package that is not installed
    const missing = await import('ioredis-not-installed-here' as string).catch((e: NodeJS.ErrnoException) => e);
    expect((missing as NodeJS.ErrnoException).code).toBe('ERR_MODULE_NOT_FOUND');
    const asBullmq = Object.assign(new Error((missing as Error).message.replace('ioredis-not-installed-here', 'bullmq')), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    await expect(loadQueueModule(() => Promise.reject(asBullmq))).rejects.toThrow(
      /needs bullmq and ioredis.*npm install bullmq@6\.7\.6 ioredis@5\.11\.1/,
    );
    await expect(loadQueueModule(() => Promise.reject(asBullmq))).rejects.toBeInstanceOf(UserError);
    await expect(loadQueueModule(() => Promise.reject(missing))).rejects.toBe(missing);
    await expect(loadQueueModule(async () => 42)).resolves.toBe(42);
  });
});
