/**
 * The HTTP side of `mtl serve`, apart from what it serves: the request target read without throwing
 * (any malformed target is a 400, never an uncaught error), the Host header checked against the names
 * this server answers to (a DNS-rebinding guard), and files streamed with Content-Length and ETag
 * (304 on If-None-Match) so that concurrent downloads do not each hold a copy of the file.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { pipeline } from 'node:stream/promises';

const BASE_HEADERS = { 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' } as const;

/**
 * The path of a request target: origin-form (`/a/b?q`) or absolute-form (`http://host/a/b`, as a proxy
 * sends it); null for anything else (`//`, `*`, `http://[`, a relative name), which is a 400.
 */
export function requestPath(target: string | undefined): string | null {
  if (!target) return null;
  if (target.startsWith('/')) {
    if (target.startsWith('//')) return null;
    const end = target.search(/[?#]/);
    return end < 0 ? target : target.slice(0, end);
  }
  if (!/^https?:\/\//i.test(target)) return null;
  try {
    const path = new URL(target).pathname;
    return path.startsWith('//') ? null : path;
  } catch {
    return null;
  }
}

/** The host name of a Host header (lower case, IPv6 in brackets, port dropped); null when malformed. */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const h = header.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(h);
  return m ? m[1]! : null;
}

/** `host` as it appears in a Host header (IPv6 literals in brackets). */
function bracketed(host: string): string {
  return isIP(host) === 6 ? `[${host.toLowerCase()}]` : host.toLowerCase();
}

/**
 * The Host names a server listening on `listenHost` answers to: localhost, 127.0.0.1, [::1], the
 * listen address itself and, when it listens on every interface (0.0.0.0, ::), this machine's
 * interface addresses (a page opened by IP cannot be rebound; a foreign name can).
 */
export function allowedHosts(listenHost: string): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]', bracketed(listenHost)]);
  if (listenHost === '0.0.0.0' || listenHost === '::') {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(bracketed(a.address.replace(/%.*$/, '')));
  }
  return names;
}

/** Answer with a short body (plain text unless `type` says otherwise); HEAD gets the headers alone. */
export function sendBody(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: Uint8Array | string,
  type = 'text/plain; charset=utf-8',
  etag?: string,
): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  if (etag && status === 200 && matches(req, etag)) return notModified(res, etag);
  res.writeHead(status, { ...BASE_HEADERS, 'content-type': type, 'content-length': bytes.byteLength, ...(etag ? { etag } : {}) });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** A strong ETag for bytes held in memory (the page, its script, /config.json). */
export function etagOf(body: Uint8Array | string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

function matches(req: IncomingMessage, etag: string): boolean {
  const given = req.headers['if-none-match'];
  if (!given) return false;
  return given.trim() === '*' || given.split(',').some((t) => t.trim().replace(/^W\//, '') === etag.replace(/^W\//, ''));
}

function notModified(res: ServerResponse, etag: string): void {
  res.writeHead(304, { ...BASE_HEADERS, etag });
  res.end();
}

/** Stream a file: Content-Length and ETag (size and mtime) from its stat, 304 when the ETag matches. */
export async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, type: string): Promise<void> {
  const st = statSync(file);
  const etag = `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
  if (matches(req, etag)) return notModified(res, etag);
  res.writeHead(200, { ...BASE_HEADERS, 'content-type': type, 'content-length': st.size, etag });
  if (req.method === 'HEAD' || st.size === 0) {
    res.end();
    return;
  }
  // at most the bytes announced (the file may grow meanwhile); a client that leaves mid-download
  // ends the pipeline with an error: nothing to answer then
  await pipeline(createReadStream(file, { start: 0, end: st.size - 1 }), res).catch(() => res.destroy());
}
