/**
 * The whole model in a real browser: a model trained here (few steps, on the samples in
 * fixtures/data) on ../shared/models/reference-mini when it exists (else a fixture encoder) is
 * saved, served by the server of `mtl serve` with the demo page (examples/07-demo, bundled now), and
 * loaded by headless Chromium: the encoder on onnxruntime-web, the heads on TensorFlow.js. The page
 * runs the three tasks on real examples (../shared/datasets dev splits when present, else the
 * samples) and must give the Node build's predictions within 1e-4 (fp32 encoder), within Q8_TOL on
 * the bundled q8 encoder `mtl:mini` (the second suite). A screenshot goes to
 * .cache/browser/demo.png (and to docs/demo.png, shown in docs/guide/browser-and-serve.md, with MTL_UPDATE_DOCS=1).
 * Needs a Chromium binary (MTL_CHROMIUM, or Debian's `apt-get install chromium-headless-shell`);
 * skipped with a message when there is none.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitSentences } from '../../src/data/sentences.js';
import { ensureFixture } from '../../src/generators/index.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { packageRoot } from '../../src/utils/paths.js';
import { closeServed, examples, executable, maxDiff, openDemo, runAndCompare, trainAndServe, type Served } from './demo.js';

const REFERENCE = resolve(packageRoot(), '..', 'shared', 'models', 'reference-mini');
const TOL = 1e-4;
/**
 * Page vs Node with a q8 encoder (mtl:mini), both encoding the same batches: int8 rounding differs
 * between onnxruntime-web's wasm kernels and onnxruntime-node's (7.4e-3 measured on AVX2, no VNNI).
 */
const Q8_TOL = 1e-2;

describe.runIf(!!executable)('the demo page in headless Chromium: the whole model (encoder + heads) as in Node', () => {
  let s: Served;

  beforeAll(async () => {
    // MTL_BROWSER_ENCODER=<id or folder> runs the same checks on another encoder (for mtl:mini, q8,
    // see the case below)
    const chosen = process.env.MTL_BROWSER_ENCODER;
    const encoderDir = chosen ?? (existsSync(join(REFERENCE, 'onnx', 'model.onnx')) ? REFERENCE : await ensureFixture('bert'));
    s = await trainAndServe(
      encoderDir,
      chosen ?? (encoderDir === REFERENCE ? 'reference-mini' : 'fixture:bert'),
      chosen ? undefined : 'fp32',
    );
  }, 180_000);

  afterAll(() => closeServed(s));

  it('predicts the three tasks on real examples as the Node build does (≤ 1e-4), shows them, and screenshots', async () => {
    const ex = examples();
    const page = await openDemo(s);
    try {
      const { web, diffs } = await runAndCompare(s, page, ex);
      expect(web.device).toBe('wasm'); // no WebGPU adapter without --enable-unsafe-webgpu
      expect(web.backend).toBe('wasm');
      for (const d of Object.values(diffs)) expect(d).toBeLessThanOrEqual(TOL);

      // what the page shows
      expect(await page.locator('#sentiment-result .item').count()).toBe(ex.texts.length);
      expect(await page.locator('#translation-result .item').count()).toBe(ex.pairs.length);
      expect(await page.locator('#summary-result .picked').count()).toBe(web.results.summary!.prediction.sentences.length);
      expect(await page.textContent('#status')).toMatch(/onnxruntime-web\/wasm .*TensorFlow\.js\/wasm .*loaded in \d+ ms/);
      expect(await page.textContent('#timings')).toMatch(/sentiment \d+ ms · translation quality \d+ ms · summary \d+ ms/);

      const shots = join(packageRoot(), '.cache', 'browser');
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, 'demo.png'), fullPage: true });
      if (process.env.MTL_UPDATE_DOCS === '1') {
        mkdirSync(join(packageRoot(), 'docs'), { recursive: true });
        copyFileSync(join(shots, 'demo.png'), join(packageRoot(), 'docs', 'demo.png'));
      }
    } finally {
      await page.close();
    }
  }, 240_000);

  it("the encoder on WebGPU (Chromium's software adapter, --enable-unsafe-webgpu): the same predictions within 1e-4", async () => {
    const gpuBrowser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox', '--enable-unsafe-webgpu'] });
    try {
      // the software adapter is slow (seconds per text): a few examples, no run of the page's own
      const page = await openDemo(s, '?autorun=0', gpuBrowser);
      const ex = examples();
      const few = {
        ...ex,
        texts: ex.texts.slice(0, 3),
        pairs: ex.pairs.slice(0, 2),
        article: splitSentences(ex.article).slice(0, 6).join(' '),
      };
      const { web, diffs } = await runAndCompare(s, page, few);
      if (web.device !== 'webgpu')
        return void console.warn('[browser] no WebGPU adapter even with --enable-unsafe-webgpu: the webgpu check ran on wasm');
      for (const d of Object.values(diffs)) expect(d).toBeLessThanOrEqual(TOL);
    } finally {
      await gpuBrowser.close();
    }
  }, 300_000);

  it('serves only its folders: no path outside them, no unknown route', async () => {
    for (const path of [
      '/model/../../etc/passwd',
      '/model/%2e%2e/%2e%2e/etc/passwd',
      '/encoder/..%2fmodel/manifest.json',
      '/nothing',
      '/ort/',
    ]) {
      const res = await fetch(new URL(path, s.server.url));
      expect(res.status, path).toBe(404);
    }
    const cfg = (await (await fetch(new URL('/config.json', s.server.url))).json()) as Record<string, unknown>;
    expect(cfg).toEqual({ model: '/model/', encoder: '/encoder/', ort: '/ort/', tfjs: '/tfjs/' });
    expect((await fetch(new URL('/model/manifest.json', s.server.url))).status).toBe(200);
    expect((await fetch(new URL('/tfjs/tfjs-backend-wasm-simd.wasm', s.server.url))).headers.get('content-type')).toBe('application/wasm');
  });
});

describe.runIf(!!executable)('the demo page on the bundled q8 encoder (mtl:mini): within Q8_TOL of Node', () => {
  let s: Served;

  // Node's fromPretrained keeps vectors in the persistent embedding cache: a text encoded before in
  // another batch (an example run, an earlier test) would come back with that batch's int8
  // rounding. A fresh cache folder per Node model makes Node encode what the page encodes, batch for batch.
  const savedCacheDir = process.env.MTL_CACHE_DIR;
  const caches = mkdtempSync(join(tmpdir(), 'mtl-demo-cache-'));
  let nCache = 0;
  const freshCache = () => void (process.env.MTL_CACHE_DIR = join(caches, String(nCache++)));

  beforeAll(async () => {
    freshCache();
    s = await trainAndServe('mtl:mini', 'mtl:mini (q8)', 'q8');
  }, 180_000);

  afterAll(async () => {
    await closeServed(s);
    if (savedCacheDir === undefined) delete process.env.MTL_CACHE_DIR;
    else process.env.MTL_CACHE_DIR = savedCacheDir;
    rmSync(caches, { recursive: true, force: true });
  });

  it("the page's own examples, real ones, and batches of one", async () => {
    const page = await openDemo(s);
    try {
      // the page's own inputs (what a visitor sees first), then the real dev examples
      const own = await page.evaluate(() => ({
        texts: (document.querySelector('#sentiment-input') as HTMLTextAreaElement).value.split('\n').filter((l) => l.trim()),
        sources: (document.querySelector('#source-input') as HTMLTextAreaElement).value.split('\n').filter((l) => l.trim()),
        translations: (document.querySelector('#translation-input') as HTMLTextAreaElement).value.split('\n').filter((l) => l.trim()),
        article: (document.querySelector('#article-input') as HTMLTextAreaElement).value,
      }));
      const pageOwn = {
        texts: own.texts,
        pairs: own.sources.map((source, i) => ({ source, translation: own.translations[i]! })),
        article: own.article,
        origin: "the page's own examples",
      };
      const real = examples();
      // one text, one pair, a short article: a batch of one row on both sides (the sentences of
      // the article share one), so whatever differs is the runtimes' kernels, not the batching
      const single = {
        texts: real.texts.slice(0, 1),
        pairs: real.pairs.slice(0, 1),
        article: splitSentences(real.article).slice(0, 4).join(' '),
        origin: 'one text and one pair per batch',
      };
      const all: Record<string, number>[] = [];
      for (const ex of [pageOwn, real]) all.push((await runAndCompare(s, page, ex, false, freshCache)).diffs);
      // a fresh page (its embedding cache empty), so the single rows are encoded alone there too
      const fresh = await openDemo(s, '?autorun=0');
      try {
        all.push((await runAndCompare(s, fresh, single, false, freshCache)).diffs);
      } finally {
        await fresh.close();
      }
      // for scale: what a different batch does in Node alone (each pair scored by a fresh model, in
      // its own batch, against all in one batch)
      const scoreWith = async (pairs: typeof real.pairs) => {
        freshCache();
        const node = await MultiTaskModel.fromPretrained(s.modelDir);
        try {
          return await node.predict('translation-quality', pairs);
        } finally {
          node.dispose();
          await node.encoder?.dispose();
        }
      };
      const together = await scoreWith(real.pairs);
      const alone: number[] = [];
      for (const p of real.pairs) alone.push(...(await scoreWith([p])));
      console.log(
        `[browser] q8, Node alone: translation scores, each pair in its own batch vs all ${real.pairs.length} in one: max |Δ| ${maxDiff(alone, together).toExponential(2)}`,
      );
      const worst = Math.max(...all.flatMap((d) => Object.values(d)));
      console.log(`[browser] q8: max |page - Node| over the three comparisons ${worst.toExponential(2)}`);
      for (const d of all) for (const v of Object.values(d)) expect(v).toBeLessThanOrEqual(Q8_TOL);
    } finally {
      await page.close();
    }
  }, 300_000);
});
