/**
 * The browser build in a real browser: headless Chromium loads a page whose script is the package's
 * browser entry bundled by esbuild, fetches a fixture model over HTTP (transformers.js' hub logic with
 * remoteHost pointed at a local server), tries WebGPU, falls back to wasm, and must give the same
 * vectors as the Node build. Needs a Chromium binary (MTL_CHROMIUM, or Debian's
 * `apt-get install chromium-headless-shell`); skipped with a message when there is none.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixture } from '../../../src/generators/index.js';
import { convertModelToFloat16 } from '../../../src/generators/float16.js';
import { decodeModel, encodeModel } from '../../../src/onnx/proto.js';
import { Encoder } from '../../../src/encoder/index.js';
import { packageRoot } from '../../../src/utils/paths.js';
import { maxAbsDiff, mixedSentences, quiet } from '../helpers/data.js';
import type { BrowserEncodeRequest, BrowserEncodeResult } from './entry.js';
import { executable } from '../../browser/chromium-path.js';

if (!executable)
  console.warn('[browser] no Chromium found (set MTL_CHROMIUM or apt-get install chromium-headless-shell): real-browser tests skipped');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.txt': 'text/plain',
  '.html': 'text/html',
};

describe.runIf(!!executable)('Encoder in headless Chromium (onnxruntime-web)', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let pageUrl: string;
  const models = new Map<string, string>();
  const tmp = mkdtempSync(join(tmpdir(), 'mtl-browser-'));

  beforeAll(async () => {
    for (const v of ['bert', 'xlm-roberta'] as const) models.set(v, await ensureFixture(v));
    // an fp16 file with float16 outputs (an export of a half-precision model, no keep_io_types)
    const f16 = join(tmp, 'bert-f16-outputs');
    cpSync(models.get('bert')!, f16, { recursive: true });
    writeFileSync(
      join(f16, 'onnx/model_fp16.onnx'),
      encodeModel(convertModelToFloat16(decodeModel(readFileSync(join(f16, 'onnx/model.onnx'))), { keepIoTypes: false })),
    );
    models.set('bert-f16-outputs', f16);
    const bundle = await build({
      entryPoints: [join(import.meta.dirname, 'entry.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const js = bundle.outputFiles[0]!.contents;
    // examples/06-browser as a user bundles it, with `mtl-nlp` pointed at this checkout's source
    const example = await build({
      entryPoints: [join(packageRoot(), 'examples/06-browser/main.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
      alias: { 'mtl-nlp': join(packageRoot(), 'src/index.browser.ts') },
    });
    const exampleJs = example.outputFiles[0]!.contents;
    const exampleHtml = readFileSync(join(packageRoot(), 'examples/06-browser/index.html'));
    const ortDist = resolve(packageRoot(), 'node_modules/onnxruntime-web/dist');
    const html = '<!doctype html><meta charset="utf-8"><title>mtl-nlp browser test</title><script type="module" src="/bundle.js"></script>';
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const send = (status: number, body: Uint8Array | string, type = 'text/plain') => {
        res.writeHead(status, { 'content-type': type });
        res.end(body);
      };
      if (url.pathname === '/') return send(200, html, 'text/html');
      if (url.pathname === '/bundle.js') return send(200, js, 'text/javascript');
      if (url.pathname === '/example/index.html') return send(200, exampleHtml, 'text/html');
      if (url.pathname === '/example/main.js') return send(200, exampleJs, 'text/javascript');
      let file: string | undefined;
      if (url.pathname.startsWith('/ort/')) file = join(ortDist, normalize(url.pathname.slice(5)));
      const m = /^\/models\/([^/]+)\/(.+)$/.exec(url.pathname);
      if (m && models.has(m[1]!)) file = join(models.get(m[1]!)!, normalize(m[2]!));
      if (!file || !existsSync(file) || !statSync(file).isFile()) return send(404, 'not found');
      send(200, readFileSync(file), TYPES[extname(file)] ?? 'application/octet-stream');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    // --enable-unsafe-webgpu: headless Chromium then offers WebGPU on a software (SwiftShader) adapter.
    browser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox', '--enable-unsafe-webgpu'] });
    page = await browser.newPage();
    await page.goto(pageUrl);
    await page.waitForFunction(() => typeof window.mtlEncode === 'function');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
    rmSync(tmp, { recursive: true, force: true });
  });

  const run = (req: BrowserEncodeRequest, on: Page) => on.evaluate((r) => window.mtlEncode(r), req) as Promise<BrowserEncodeResult>;
  const nodeVectors = async (variant: string, texts: string[], dtype: BrowserEncodeRequest['dtype'] = 'fp32') => {
    const node = await Encoder.load(models.get(variant)!, { device: 'cpu', dtype, threads: 1, logger: quiet });
    try {
      return await node.encode(texts);
    } finally {
      await node.dispose();
    }
  };

  it.each(['bert', 'xlm-roberta'] as const)(
    '%s fp32 on wasm: vectors equal the Node build within 1e-5',
    async (variant) => {
      const texts = mixedSentences(60);
      const web = await run({ model: variant, texts, device: 'wasm', dtype: 'fp32' }, page);
      expect(web.device).toBe('wasm');
      expect(web.files[0]).toBe('onnx/model.onnx');
      const ref = await nodeVectors(variant, texts);
      expect(web.dims).toEqual(ref.dims);
      expect(maxAbsDiff(web.data, ref.data)).toBeLessThan(1e-5);
    },
    120_000,
  );

  it("device auto with a WebGPU adapter (Chromium's software adapter) runs on webgpu, close to the Node build", async () => {
    const texts = mixedSentences(24);
    const web = await run({ model: 'bert', texts, device: 'auto', dtype: 'fp32' }, page);
    console.log(`[browser] flagged page: navigator.gpu=${web.webgpu.navigatorGpu} adapter=${web.webgpu.adapter}; ${web.logs.join(' | ')}`);
    expect(web.webgpu.adapter).toBe(true);
    expect(web.device).toBe('webgpu');
    const ref = await nodeVectors('bert', texts);
    const diff = maxAbsDiff(web.data, ref.data);
    console.log(`[browser] webgpu vs onnxruntime-node max abs diff ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-4);
  }, 180_000);

  it('device auto without a WebGPU adapter falls back to wasm, logs why once, same vectors', async () => {
    const plainBrowser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox'] });
    const plain = await plainBrowser.newPage();
    try {
      await plain.goto(pageUrl);
      await plain.waitForFunction(() => typeof window.mtlEncode === 'function');
      const texts = mixedSentences(20);
      const web = await run({ model: 'xlm-roberta', texts, device: 'auto', dtype: 'fp32' }, plain);
      console.log(
        `[browser] unflagged page: navigator.gpu=${web.webgpu.navigatorGpu} adapter=${web.webgpu.adapter}; ${web.logs.join(' | ')}`,
      );
      expect(web.device).toBe('wasm');
      expect(web.logs.filter((l) => l.includes('execution provider'))).toHaveLength(1);
      expect(web.logs.join('\n')).toMatch(/execution provider: wasm \(webgpu unavailable: /);
      const ref = await nodeVectors('xlm-roberta', texts);
      expect(maxAbsDiff(web.data, ref.data)).toBeLessThan(1e-5);
    } finally {
      await plainBrowser.close();
    }
  }, 120_000);

  it('q8 in the browser loads model_quantized.onnx and stays within cosine 0.999 of the Node build', async () => {
    const texts = mixedSentences(30);
    const web = await run({ model: 'bert', texts, device: 'wasm', dtype: 'q8' }, page);
    expect(web.device).toBe('wasm');
    expect(web.files[0]).toBe('onnx/model_quantized.onnx');
    const ref = await nodeVectors('bert', texts, 'q8');
    const d = ref.dims[1];
    for (let i = 0; i < texts.length; i++) {
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let j = 0; j < d; j++) {
        const x = web.data[i * d + j]!;
        const y = ref.data[i * d + j]!;
        ab += x * y;
        aa += x * x;
        bb += y * y;
      }
      expect(ab / Math.sqrt(aa * bb)).toBeGreaterThan(0.999);
    }
  }, 120_000);

  it('examples/06-browser: the page encodes its sentences and shows the same similarities as the Node build', async () => {
    const tab = await browser.newPage();
    try {
      await tab.goto(`${pageUrl}example/index.html?host=/models/&model=bert&ort=/ort/&device=wasm`);
      await tab.click('#run');
      await tab.waitForFunction(() => document.body.dataset.done || document.body.dataset.error, undefined, { timeout: 60_000 });
      const status = await tab.textContent('#status');
      expect(status).toMatch(/^4 sentences, 32 dimensions, wasm, \d+ ms$/);
      const cells = await tab.$$eval('#result tr', (rows) =>
        rows.slice(1).map((r) => Array.from(r.querySelectorAll('td'), (td) => Number(td.textContent))),
      );
      const texts = (await tab.inputValue('#texts'))
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      const node = await Encoder.load(models.get('bert')!, { device: 'cpu', pooling: 'mean', normalize: true, logger: quiet });
      const { data, dims } = await node.encode(texts);
      await node.dispose();
      const d = dims[1];
      expect(cells).toHaveLength(texts.length);
      for (let i = 0; i < texts.length; i++) {
        for (let j = 0; j < texts.length; j++) {
          let dot = 0;
          for (let k = 0; k < d; k++) dot += data[i * d + k]! * data[j * d + k]!;
          expect(Math.abs(cells[i]![j]! - dot)).toBeLessThan(6e-4); // the page shows 3 decimals
        }
      }
    } finally {
      await tab.close();
    }
  }, 120_000);

  it('fp16 with float16 outputs: the browser build widens them to float32, close to fp32', async () => {
    const texts = mixedSentences(20);
    const web = await run({ model: 'bert-f16-outputs', texts, device: 'wasm', dtype: 'fp16' }, page);
    expect(web.files[0]).toBe('onnx/model_fp16.onnx');
    const ref = await nodeVectors('bert', texts);
    const diff = maxAbsDiff(web.data, ref.data);
    expect(diff).toBeLessThan(5e-3);
    expect(diff).toBeGreaterThan(0);
  }, 120_000);

  it('a model the server does not have is a clear error naming the file', async () => {
    await expect(run({ model: 'no-such-model', texts: ['x'], device: 'wasm', dtype: 'fp32' }, page)).rejects.toThrow(
      /onnx\/model\.onnx not found/,
    );
  }, 60_000);
});
