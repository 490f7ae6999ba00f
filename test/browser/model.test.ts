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
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleDemoPage, serveModel, type RunningServer } from '../../src/cli/serve.js';
import { loadTaskConfig } from '../../src/config/load.js';
import { createTask, loadTaskData } from '../../src/config/tasks.js';
import { splitSentences } from '../../src/data/sentences.js';
import { Encoder } from '../../src/encoder/index.js';
import { ensureFixture } from '../../src/generators/index.js';
import type { SentimentPrediction } from '../../src/tasks/sentiment/index.js';
import type { SummarizationExample, SummarizationPrediction } from '../../src/tasks/summarization/index.js';
import type { TranslationQualityExample } from '../../src/tasks/translation-quality/index.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { datasetsDir, packageRoot } from '../../src/utils/paths.js';

const CANDIDATES = [
  process.env.MTL_CHROMIUM,
  '/usr/bin/chromium-headless-shell',
  '/usr/lib/chromium/headless_shell',
  '/usr/bin/chromium',
  '/usr/bin/google-chrome',
];
const executable = CANDIDATES.find((p): p is string => !!p && existsSync(p));
if (!executable)
  console.warn('[browser] no Chromium found (set MTL_CHROMIUM or apt-get install chromium-headless-shell): the demo-page test is skipped');

const REFERENCE = resolve(packageRoot(), '..', 'shared', 'models', 'reference-mini');
const TOL = 1e-4;
/**
 * Page vs Node with a q8 encoder (mtl:mini), both encoding the same batches: int8 rounding differs
 * between onnxruntime-web's wasm kernels and onnxruntime-node's (7.4e-3 measured on AVX2, no VNNI).
 */
const Q8_TOL = 1e-2;

/** What the page keeps in window.mtlDemo (examples/07-demo/main.ts, typechecked with the browser entry there). */
interface DemoState {
  device: string;
  backend: string;
  loadMs: number;
  runs: number;
  error?: string;
  results: {
    sentiment?: { texts: string[]; predictions: SentimentPrediction[]; ms: number };
    translation?: { pairs: { source: string; translation: string }[]; scores: number[]; ms: number };
    summary?: { sentences: string[]; prediction: SummarizationPrediction; ms: number };
  };
}

declare global {
  interface Window {
    mtlDemo: DemoState;
  }
}

/** Real examples: the dev splits of ../shared/datasets when present, else the samples' dev splits. */
function examples(): { texts: string[]; pairs: { source: string; translation: string }[]; article: string; origin: string } {
  const real =
    existsSync(join(datasetsDir(), 'sentiment')) &&
    existsSync(join(datasetsDir(), 'translation-quality')) &&
    existsSync(join(datasetsDir(), 'summarization'));
  const opts = { split: 'dev' as const, sample: !real };
  const sent = loadTaskData(loadTaskConfig(join(packageRoot(), 'tasks/sentiment.yaml')), opts) as unknown as { text: string }[];
  const tq = loadTaskData(
    loadTaskConfig(join(packageRoot(), 'tasks/translation-quality.yaml')),
    opts,
  ) as unknown as TranslationQualityExample[];
  const sum = loadTaskData(loadTaskConfig(join(packageRoot(), 'tasks/summarization.yaml')), opts) as unknown as SummarizationExample[];
  // spread over the split, not a prefix
  const pick = <T>(xs: T[], n: number) =>
    Array.from({ length: Math.min(n, xs.length) }, (_, i) => xs[Math.floor((i * xs.length) / Math.min(n, xs.length))]!);
  const article = sum.find((d) => d.sentences.length >= 6 && d.sentences.length <= 14) ?? sum[0]!;
  return {
    texts: pick(sent, 8).map((e) => e.text),
    pairs: pick(tq, 6).map((e) => ({ source: e.source, translation: e.translation })),
    article: article.sentences.join(' '),
    origin: real ? 'the real dev splits' : 'the samples',
  };
}

const maxDiff = (a: readonly number[], b: readonly number[]) => {
  expect(a.length).toBe(b.length);
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
};

/** A model trained here (few steps on the samples in fixtures/data), saved, and served with the demo page. */
interface Served {
  server: RunningServer;
  browser: Browser;
  modelDir: string;
  encoderName: string;
  tmp: string;
}

async function trainAndServe(encoderDir: string, encoderName: string, dtype?: 'fp32' | 'q8'): Promise<Served> {
  const t0 = Date.now();
  const tmp = mkdtempSync(join(tmpdir(), 'mtl-demo-'));
  const modelDir = join(tmp, 'model');
  const encoder = await Encoder.load(encoderDir, { device: 'cpu', ...(dtype ? { dtype } : {}), logger: () => undefined });
  const configs = ['sentiment', 'translation-quality', 'summarization'].map((n) => loadTaskConfig(join(packageRoot(), `tasks/${n}.yaml`)));
  const model = await MultiTaskModel.create({
    encoder,
    tasks: configs.map((c) => createTask(c)),
    sharedLayers: { depth: 1, width: 64 },
    seed: 7,
    log: false,
  });
  const data = Object.fromEntries(configs.map((c) => [c.name, { train: loadTaskData(c, { split: 'train', sample: true }).slice(0, 96) }]));
  await model.fit(data, { epochs: 2, batchSize: 16, seed: 7, log: false, logFile: false });
  await model.save(modelDir);
  model.dispose();
  await encoder.dispose();
  const server = await serveModel({ modelDir, page: await bundleDemoPage(packageRoot()) });
  const browser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox'] });
  console.log(`[browser] trained and saved on ${encoderName} in ${Date.now() - t0} ms; serving ${server.url}`);
  return { server, browser, modelDir, encoderName, tmp };
}

async function closeServed(s: Served | undefined): Promise<void> {
  if (!s) return;
  await s.browser.close();
  await s.server.close();
  rmSync(s.tmp, { recursive: true, force: true });
}

async function openDemo(s: Served, query = '', on: Browser = s.browser): Promise<Page> {
  const page = await on.newPage({ viewport: { width: 1280, height: 900 } });
  const logs: string[] = [];
  const errors: string[] = [];
  page.on('console', (m) => logs.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.stack ?? e.message));
  await page.goto(`${s.server.url}${query}`);
  // the page loads the model and runs the three tasks once; an uncaught error ends the wait at once
  const deadline = Date.now() + 120_000;
  for (;;) {
    const s = await page.evaluate(() => ({
      ready: document.body.dataset.ready,
      runs: document.body.dataset.runs,
      error: window.mtlDemo?.error,
    }));
    if (s.error || errors.length) throw new Error(`the page failed: ${s.error ?? errors.join('\n')}\n${logs.join('\n')}`);
    if (s.runs === '1' || (s.ready && query.includes('autorun=0'))) return page;
    if (Date.now() > deadline) throw new Error(`the page did not finish its first run in 120 s\n${logs.join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Fill the page with the examples, run, and compare with the Node build (fromPretrained on the same folder). */
async function runAndCompare(
  s: Served,
  page: Page,
  ex: ReturnType<typeof examples>,
  /** Labels and chosen sentences must agree (fp32); q8 predictions can differ near a tie. */
  sameChoices = true,
  /** Runs before the Node model is opened (the q8 case points it at an empty embedding cache). */
  beforeNode?: () => void,
): Promise<{ web: DemoState; diffs: Record<string, number>; line: string }> {
  await page.fill('#sentiment-input', ex.texts.join('\n'));
  await page.fill('#source-input', ex.pairs.map((p) => p.source).join('\n'));
  await page.fill('#translation-input', ex.pairs.map((p) => p.translation).join('\n'));
  await page.fill('#article-input', ex.article);
  const runs = await page.evaluate(() => window.mtlDemo.runs);
  await page.click('#run');
  await page.waitForFunction((n) => window.mtlDemo.runs > n || document.body.dataset.error, runs, { timeout: 180_000 });
  const web = await page.evaluate(() => window.mtlDemo);
  expect(web.error).toBeUndefined();
  beforeNode?.();
  const node = await MultiTaskModel.fromPretrained(s.modelDir);
  try {
    const sentiment = await node.predict('sentiment', ex.texts);
    const scores = await node.predict('translation-quality', ex.pairs);
    const summary = await node.summarize(web.results.summary!.sentences, { sentences: 3 });
    const diffs = {
      sentiment: maxDiff(
        web.results.sentiment!.predictions.flatMap((p: SentimentPrediction) => Object.values(p.probabilities)),
        sentiment.flatMap((p) => Object.values(p.probabilities)),
      ),
      translation: maxDiff(web.results.translation!.scores, scores),
      summary: maxDiff(web.results.summary!.prediction.scores, summary.scores),
    };
    if (sameChoices) {
      expect(web.results.sentiment!.predictions.map((p) => p.label)).toEqual(sentiment.map((p) => p.label));
      expect(web.results.summary!.prediction.sentences.map((s: SummarizationPrediction['sentences'][number]) => s.index)).toEqual(
        summary.sentences.map((s) => s.index),
      );
    }
    // the page split the article as Node does
    expect(web.results.summary!.sentences).toEqual(splitSentences(ex.article));
    const r = web.results;
    const line =
      `[browser] demo page on ${s.encoderName}, ${ex.origin}: encoder ${web.device}, tfjs ${web.backend}; load ${web.loadMs} ms; ` +
      `sentiment ${r.sentiment!.texts.length} texts ${r.sentiment!.ms} ms, translation ${r.translation!.pairs.length} pairs ${r.translation!.ms} ms, ` +
      `summary ${r.summary!.sentences.length} sentences ${r.summary!.ms} ms; max abs diff vs Node: ` +
      Object.entries(diffs)
        .map(([k, v]) => `${k} ${v.toExponential(2)}`)
        .join(', ');
    console.log(line);
    return { web, diffs, line };
  } finally {
    node.dispose();
    await node.encoder?.dispose();
  }
}

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
