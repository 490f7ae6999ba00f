/**
 * Redis connections from a `--queue` URL (`redis://` or `rediss://` for TLS, with `user:pass@`
 * and `/db`), the password masked in every message, and a quick probe that turns a wrong password
 * or an unreachable server into one clear error instead of endless reconnects.
 */
import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { isIP } from 'node:net';
import { UserError } from '../errors.js';

export interface QueueTarget {
  /** The URL with its password replaced by `***` (safe to print). */
  masked: string;
  /** Options for ioredis (BullMQ's `connection`). */
  options: RedisOptions;
  /** The secret, so messages can be scrubbed of it. */
  secret?: string;
}

/** Parses `redis[s]://[user[:pass]@]host[:port][/db]`. */
export function parseQueueUrl(url: string): QueueTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`--queue ${maskLoose(url)}: not a URL (expected redis://host:6379 or rediss://user:pass@host:6380)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new UserError(`--queue ${maskUrl(u)}: the scheme must be redis:// or rediss:// (TLS)`);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new UserError(`--queue ${maskUrl(u)}: the path must be a database number, e.g. /0`);
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  const options: RedisOptions = {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(password !== undefined ? { password } : {}),
    // TLS checks the server's certificate against Node's trust store (NODE_EXTRA_CA_CERTS adds a private CA)
    ...(u.protocol === 'rediss:' ? { tls: isIP(u.hostname.replace(/^\[|\]$/g, '')) ? {} : { servername: u.hostname } } : {}),
  };
  return { masked: maskUrl(u), options, ...(password !== undefined ? { secret: password } : {}) };
}

function maskUrl(u: URL): string {
  const c = new URL(u.href);
  if (c.password) c.password = '***';
  return c.href.replace(/\/$/, '');
}

/** For a string that is not even a URL: hide anything between ':' and '@'. */
function maskLoose(s: string): string {
  return s.replace(/:[^:@/]*@/, ':***@');
}

/** The text with the target's password (raw and URL-encoded) replaced by `***`. */
export function scrub(target: QueueTarget, text: string): string {
  if (!target.secret) return text;
  let out = text.split(target.secret).join('***');
  const enc = encodeURIComponent(target.secret);
  if (enc !== target.secret) out = out.split(enc).join('***');
  return out;
}

/**
 * Connects once without retrying and runs PING: a wrong password, a TLS mismatch or a server that
 * is not there becomes a UserError naming the (masked) URL, the reason and what to do.
 */
export async function probeRedis(target: QueueTarget, timeoutMs = 5000): Promise<void> {
  const client = new Redis({
    ...target.options,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  // the connection's own error (e.g. WRONGPASS during the handshake) says more than "Connection is closed."
  let first: Error | undefined;
  client.on('error', (e: Error) => (first ??= e));
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    const raw = first?.message ?? (err instanceof Error ? err.message : String(err));
    const msg = scrub(target, raw);
    if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(raw)) {
      throw new UserError(`${target.masked}: Redis refused the credentials (${msg}); check the user and password in --queue`);
    }
    const tls = target.options.tls
      ? ' (rediss:// speaks TLS: is the server listening with TLS on that port, and is its certificate trusted? NODE_EXTRA_CA_CERTS adds a private CA)'
      : '';
    throw new UserError(
      `${target.masked}: cannot reach Redis (${msg}); start redis-server there or fix the host and port in --queue${tls}`,
    );
  } finally {
    client.disconnect();
  }
}

/** Options for BullMQ's long-lived connections: reconnect forever (a Redis restart is survived). */
export function bullConnection(target: QueueTarget): ConnectionOptions {
  const options: RedisOptions = {
    ...target.options,
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
  // the same ioredis options; BullMQ declares its own copy of the type
  return options as ConnectionOptions;
}

/** A plain client (for INFO and the benchmarks), closed by the caller. */
export function plainClient(target: QueueTarget): Redis {
  const c = new Redis({ ...target.options, maxRetriesPerRequest: 1 });
  c.on('error', () => undefined);
  return c;
}
