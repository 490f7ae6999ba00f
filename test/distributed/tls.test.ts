/**
 * rediss:// (TLS) end to end: a redis-server listening with TLS only, its certificate signed by a CA
 * made here with openssl. Without the CA trusted the connection is one clear error; with
 * NODE_EXTRA_CA_CERTS (read by Node at start, so the worker and the coordinator are processes of
 * their own) `mtl encode --queue rediss://…` runs through a worker. Skipped with a message when
 * redis-server or openssl is missing, or redis-server was built without TLS.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQueueUrl, probeRedis } from '../../src/distributed/connection.js';
import { packageRoot } from '../../src/utils/paths.js';
import { redisServerPath, startRedis, type RedisHandle } from './redis.js';

const REDIS = redisServerPath();
const OPENSSL = spawnSync('sh', ['-c', 'command -v openssl'], { encoding: 'utf8' }).status === 0;
if (!REDIS || !OPENSSL)
  console.warn(`test/distributed/tls: ${!REDIS ? 'redis-server' : 'openssl'} is not installed; skipping the rediss:// test`);

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

/** A CA and a server certificate for 127.0.0.1 signed by it. */
function makeCerts(dir: string): { ca: string; cert: string; key: string } {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=mtl test CA',
  ]);
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  ]);
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

/** Runs the CLI from source in a process of its own; resolves with its exit code and output. */
function mtl(args: string[], env: NodeJS.ProcessEnv, onStderr?: (s: string) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'src/cli/bin.ts'), ...args], {
    cwd: packageRoot(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    onStderr?.(stderr);
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

describe.skipIf(!REDIS || !OPENSSL)('rediss:// (TLS)', () => {
  let dir: string;
  let redis: RedisHandle | undefined;
  let certs: { ca: string; cert: string; key: string };
  let unsupported = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mtl-tls-'));
    certs = makeCerts(dir);
    try {
      redis = await startRedis({ tls: certs });
    } catch (err) {
      // a build without TLS refuses the tls-* directives
      unsupported = (err as Error).message.split('\n').find((l) => /tls/i.test(l)) ?? (err as Error).message;
      console.warn(`test/distributed/tls: this redis-server does not start with TLS (${unsupported.trim()}); skipping the rediss:// test`);
    }
  }, 30_000);

  afterAll(async () => {
    await redis?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a certificate from an untrusted CA is one clear error naming the TLS remedy', async (ctx) => {
    if (!redis) return ctx.skip();
    expect(redis.url).toMatch(/^rediss:\/\/127\.0\.0\.1:\d+$/);
    await expect(probeRedis(parseQueueUrl(redis.url))).rejects.toThrow(
      /cannot reach Redis \(.*(self[- ]signed|certificate).*\).*rediss:\/\/ speaks TLS.*NODE_EXTRA_CA_CERTS/,
    );
  });

  it('with NODE_EXTRA_CA_CERTS a worker and mtl encode --queue run over TLS', async (ctx) => {
    if (!redis) return ctx.skip();
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: certs.ca };
    const texts = ['alpha', 'beta gamma', 'δέλτα', 'e', 'zeta eta theta'];
    const input = join(dir, 'in.txt');
    writeFileSync(input, texts.join('\n') + '\n');
    let worker!: ReturnType<typeof mtl>;
    const ready = new Promise<void>((resolve) => {
      worker = mtl(['worker', '--queue', redis!.url, '--models', 'echo:4'], env, (s) => /waiting for shards/.test(s) && resolve());
    });
    await Promise.race([ready, worker.done.then((r) => Promise.reject(new Error(`worker exited ${r.code}: ${r.stderr}`)))]);
    try {
      const output = join(dir, 'out.jsonl');
      const r = await mtl(
        ['encode', '--queue', redis.url, '--model', 'echo:4', '--input', input, '--output', output, '--shard-size', '2'],
        env,
      ).done;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/3 shards: 3 computed by workers/);
      const rows = readFileSync(output, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as number[]);
      // echo:4 puts the text's length plus its first character code / 128 in the first column
      expect(rows.map((v) => v[0])).toEqual(texts.map((t) => Math.fround(t.charCodeAt(0) / 128 + t.length)));
    } finally {
      worker.child.kill('SIGKILL');
    }
  }, 60_000);
});
