/**
 * `mtl serve` against what a network sends it: malformed request targets (the process must answer
 * 400/404 and go on), foreign Host headers (DNS rebinding), conditional requests, many concurrent
 * downloads (files are streamed, not read whole per request), and a `mtl train --out` folder (only
 * the manifest and the weights file it names are served, never checkpoints/).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveModel } from '../../src/cli/serve.js';
import { mtl } from './helpers.js';
import { saveSentimentModel, startServe, stopServe, type ServeProcess } from './serve-setup.js';

/** One raw HTTP/1.1 request over a socket; resolves with the whole response text (status line first). */
function raw(port: number, target: string, headers = 'Host: 127.0.0.1\r\n'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (out += d));
    socket.on('error', (err) => (out ? resolve(out) : reject(err)));
    socket.on('close', () => resolve(out));
    socket.write(`GET ${target} HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`, 'latin1');
    setTimeout(() => socket.destroy(), 10_000);
  });
}
/** A full garbage collection (so that memory figures count live buffers, not garbage). */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? NaN);

describe('mtl serve, hardened', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mtl-serve-hard-'));
  const modelDir = join(tmp, 'model');
  let server: ServeProcess;

  beforeAll(async () => {
    await saveSentimentModel(modelDir);
    // what `mtl train --out` leaves beside the model
    mkdirSync(join(modelDir, 'checkpoints', 'step-10'), { recursive: true });
    writeFileSync(join(modelDir, 'checkpoints', 'step-10', 'manifest.json'), '{"argv": ["secret"]}');
    writeFileSync(join(modelDir, 'checkpoints', 'step-10', 'optimizer.safetensors'), 'x');
    writeFileSync(join(modelDir, 'report.json'), '{}');
    server = await startServe(['--model', modelDir, '--port', '0']);
  }, 120_000);
  afterAll(async () => {
    if (server) await stopServe(server.child);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('answers hostile request targets with 4xx and keeps serving', async () => {
    const targets = [
      '//',
      '///',
      '//evil.example/x',
      '*',
      'http://[',
      'http://',
      'a',
      '\\\\evil',
      '/%',
      '/%E0%A4%A',
      '/model/%00',
      '/model/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/model/..%2f..%2f..%2fetc%2fpasswd',
      '/../../../../etc/passwd',
      '/model/%',
      '/model/manifest.json/..%5c..%5cx',
      '/encoder/config.json',
      '/' + 'a'.repeat(7000),
    ];
    for (const t of targets) {
      const r = await raw(server.port, t);
      expect(server.child.exitCode, `${t} ended the server`).toBeNull();
      expect([400, 404], `${t}: ${r.slice(0, 80)}`).toContain(statusOf(r));
    }
    // a query is not part of the path; absolute-form (what a proxy sends) is a valid target
    expect(statusOf(await raw(server.port, '/?q=%'))).toBe(200);
    expect(statusOf(await raw(server.port, `http://127.0.0.1:${server.port}/config.json`))).toBe(200);
    const ok = await fetch(new URL('model/manifest.json', server.url));
    expect(ok.status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  }, 60_000);

  it('refuses a foreign Host header (DNS rebinding) and answers the local names', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.1.evil.example', 'localhost.evil.example:80', '']) {
      const r = await raw(server.port, '/model/manifest.json', host ? `Host: ${host}\r\n` : '');
      expect([400, 403, 421], `Host: ${host}`).toContain(statusOf(r));
      expect(r).not.toContain('mtl-nlp/multitask-model');
      if (host) expect(r).toMatch(/Host/);
    }
    for (const host of [
      'localhost',
      `localhost:${server.port}`,
      '127.0.0.1',
      `127.0.0.1:${server.port}`,
      `[::1]:${server.port}`,
      'LOCALHOST',
    ]) {
      expect(statusOf(await raw(server.port, '/model/manifest.json', `Host: ${host}\r\n`)), host).toBe(200);
    }
  }, 30_000);

  it('serves only the manifest and its weights file from the model folder', async () => {
    expect((await fetch(new URL('model/manifest.json', server.url))).status).toBe(200);
    expect((await fetch(new URL('model/model.safetensors', server.url))).status).toBe(200);
    for (const p of [
      'model/checkpoints/step-10/manifest.json',
      'model/checkpoints/step-10/optimizer.safetensors',
      'model/report.json',
      'model/checkpoints/',
    ]) {
      expect((await fetch(new URL(p, server.url))).status, p).toBe(404);
    }
  }, 30_000);

  it('streams files with Content-Length and ETag, and answers If-None-Match with 304', async () => {
    const file = join(modelDir, 'model.safetensors');
    const res = await fetch(new URL('model/model.safetensors', server.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(statSync(file).size));
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^(W\/)?".+"$/);
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(file))).toBe(true);
    const again = await fetch(new URL('model/model.safetensors', server.url), { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    const other = await fetch(new URL('model/model.safetensors', server.url), { headers: { 'if-none-match': '"something-else"' } });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
    const head = await fetch(new URL('model/manifest.json', server.url), { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(statSync(join(modelDir, 'manifest.json')).size));
  }, 30_000);

  it('does not hold a copy of the file per concurrent request', async () => {
    const dir = join(tmp, 'big');
    await saveSentimentModel(dir);
    const size = 4 * 1024 * 1024;
    writeFileSync(join(dir, 'model.safetensors'), randomBytes(size)); // served as is (the browser checks it)
    const running = await serveModel({ modelDir: dir, page: { html: '<p>', js: '' }, port: 0 });
    const port = Number(new URL(running.url).port);
    const n = 100;
    const sockets: ReturnType<typeof connect>[] = [];
    try {
      collect();
      const before = process.memoryUsage();
      // clients that ask and do not read: a server that buffers whole files holds n copies now
      let answered = 0;
      await Promise.all(
        Array.from(
          { length: n },
          () =>
            new Promise<void>((resolve, reject) => {
              const s = connect(port, '127.0.0.1', () => {
                s.write('GET /model/model.safetensors HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
              });
              s.once('data', () => {
                answered++;
                s.pause();
                resolve();
              });
              s.once('error', reject);
              sockets.push(s);
            }),
        ),
      );
      await new Promise((r) => setTimeout(r, 500));
      collect();
      const after = process.memoryUsage();
      const grown = after.external + after.arrayBuffers - (before.external + before.arrayBuffers);
      expect(answered).toBe(n);
      // n × size = 400 MiB when each request reads the file; streamed: a few chunks per socket (both
      // ends are in this process: about 40 MiB measured)
      expect(grown).toBeLessThan((n * size) / 4);
      console.log(
        `serve: ${n} concurrent downloads of ${size / 2 ** 20} MiB: external + arrayBuffers grew ${(grown / 2 ** 20).toFixed(1)} MiB`,
      );
    } finally {
      for (const s of sockets) s.destroy();
      await running.close();
    }
  }, 60_000);
});

describe('mtl serve, its options', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mtl-serve-opt-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('--port out of range is a usage error (exit 2) naming the flag', () => {
    const r = mtl(['serve', '--model', tmp, '--port', '80000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port must be .*0.*65535.*'80000'/);
    expect(r.stderr).not.toMatch(/RangeError|ERR_SOCKET/);
  });

  it('--help states each default once', () => {
    const r = mtl(['serve', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/8080/g)).toHaveLength(1);
    expect(r.stdout.match(/127\.0\.0\.1/g)).toHaveLength(1);
    expect(r.stdout).toMatch(/--allow-any-host/);
  });

  it('--host 0.0.0.0 says that the page is reachable from the network', async () => {
    await saveSentimentModel(join(tmp, 'm'));
    const s = await startServe(['--model', join(tmp, 'm'), '--port', '0', '--host', '0.0.0.0']);
    try {
      expect(s.out()).toMatch(/reachable from other machines/);
      expect((await fetch(new URL('model/manifest.json', s.url))).status).toBe(200);
    } finally {
      await stopServe(s.child);
    }
  }, 120_000);
});
