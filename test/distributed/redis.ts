/**
 * A private redis-server per test: a free loopback port, its own temp folder (AOF on when asked),
 * stopped (and restartable on the same port and folder) by the test. `redisServerPath()` is null
 * when redis-server is not installed, and the tests skip with a message.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function redisServerPath(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface RedisHandle {
  port: number;
  url: string;
  dir: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its folder. */
  dispose(): Promise<void>;
}

/** The server's TLS files (PEM paths): with them it listens with TLS only, and the URL is rediss://. */
export interface RedisTls {
  cert: string;
  key: string;
  ca: string;
}

export async function startRedis(options: { aof?: boolean; password?: string; tls?: RedisTls } = {}): Promise<RedisHandle> {
  const bin = redisServerPath();
  if (!bin) throw new Error('redis-server is not installed');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mtl-redis-'));
  let proc: ChildProcess | undefined;
  const args = [
    ...(options.tls
      ? [
          '--port',
          '0',
          '--tls-port',
          String(port),
          '--tls-cert-file',
          options.tls.cert,
          '--tls-key-file',
          options.tls.key,
          '--tls-ca-cert-file',
          options.tls.ca,
          '--tls-auth-clients',
          'no',
        ]
      : ['--port', String(port)]),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--daemonize',
    'no',
    '--appendonly',
    options.aof ? 'yes' : 'no',
    '--appendfsync',
    'always',
    ...(options.password ? ['--requirepass', options.password] : []),
  ];
  const handle: RedisHandle = {
    port,
    dir,
    url: `${options.tls ? 'rediss' : 'redis'}://${options.password ? `:${options.password}@` : ''}127.0.0.1:${port}`,
    async start() {
      proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`redis-server did not start:\n${log}`)), 10_000);
        proc!.stdout!.on('data', (d: Buffer) => {
          log += d.toString();
          if (/Ready to accept connections/.test(log)) {
            clearTimeout(t);
            resolve();
          }
        });
        proc!.on('exit', (code) => {
          clearTimeout(t);
          reject(new Error(`redis-server exited (${code}):\n${log}`));
        });
      });
      proc.removeAllListeners('exit');
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const p = proc;
      if (!p || p.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill(signal);
      });
      proc = undefined;
    },
    async dispose() {
      await handle.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // a safety net: the server never outlives the test process, even when a test dies before its afterAll
  process.once('exit', () => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
  });
  await handle.start();
  return handle;
}
