/**
 * Shared by the browser tests: a model trained here (few steps on the samples in fixtures/data, the
 * encoder frozen or its top fine-tuned), saved and served by the server of `mtl serve` with the demo
 * page (examples/07-demo, bundled now); the page opened in headless Chromium, filled with examples,
 * run, and its predictions compared with the Node build's (fromPretrained on the same folder).
 * Needs a Chromium binary (MTL_CHROMIUM, or Debian's `apt-get install chromium-headless-shell`).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { bundleDemoPage, serveModel, type RunningServer } from '../../src/cli/serve.js';
import { loadTaskConfig } from '../../src/config/load.js';
import { createTask, loadTaskData } from '../../src/config/tasks.js';
import { splitSentences } from '../../src/data/sentences.js';
import { Encoder } from '../../src/encoder/index.js';
import type { SentimentPrediction } from '../../src/tasks/sentiment/index.js';
import type { SummarizationExample, SummarizationPrediction } from '../../src/tasks/summarization/index.js';
import type { TranslationQualityExample } from '../../src/tasks/translation-quality/index.js';
import type { FinetuneOptions } from '../../src/training/finetune.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { datasetsDir, packageRoot } from '../../src/utils/paths.js';
import { executable } from './chromium-path.js';

export { executable };

if (!executable)
  console.warn('[browser] no Chromium found (set MTL_CHROMIUM or apt-get install chromium-headless-shell): the demo-page test is skipped');

/** What the page keeps in window.mtlDemo (examples/07-demo/main.ts, typechecked with the browser entry there). */
export interface DemoState {
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
export function examples(): { texts: string[]; pairs: { source: string; translation: string }[]; article: string; origin: string } {
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

export const maxDiff = (a: readonly number[], b: readonly number[]) => {
  expect(a.length).toBe(b.length);
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
};

/** A model trained here (few steps on the samples in fixtures/data), saved, and served with the demo page. */
export interface Served {
  server: RunningServer;
  browser: Browser;
  modelDir: string;
  encoderName: string;
  tmp: string;
}

export async function trainAndServe(
  encoderDir: string,
  encoderName: string,
  dtype?: 'fp32' | 'q8',
  /** Fine-tune the encoder's top layers with the heads (the model then saves its encoder in encoder/). */
  finetune?: FinetuneOptions,
): Promise<Served> {
  const t0 = Date.now();
  const tmp = mkdtempSync(join(tmpdir(), 'mtl-demo-'));
  const modelDir = join(tmp, 'model');
  const encoder = await Encoder.load(encoderDir, { device: 'cpu', ...(dtype ? { dtype } : {}), logger: () => undefined });
  const configs = ['sentiment', 'translation-quality', 'summarization'].map((n) => loadTaskConfig(join(packageRoot(), `tasks/${n}.yaml`)));
  // fine-tuning needs heads that read the pooled vector (sentiment's attention pooling reads frozen token states)
  if (finetune) for (const c of configs) if (c.input && 'pooling' in c.input) c.input = { ...c.input, pooling: 'mean' };
  const model = await MultiTaskModel.create({
    encoder,
    tasks: configs.map((c) => createTask(c)),
    sharedLayers: { depth: 1, width: 64 },
    seed: 7,
    log: false,
    ...(finetune ? { finetune } : {}),
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

export async function closeServed(s: Served | undefined): Promise<void> {
  if (!s) return;
  await s.browser.close();
  await s.server.close();
  rmSync(s.tmp, { recursive: true, force: true });
}

export async function openDemo(
  s: Served,
  query = '',
  on: Browser = s.browser,
  /** Called with the page before it loads (e.g. to watch its requests). */
  watch?: (page: Page) => void,
): Promise<Page> {
  const page = await on.newPage({ viewport: { width: 1280, height: 900 } });
  watch?.(page);
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
export async function runAndCompare(
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
