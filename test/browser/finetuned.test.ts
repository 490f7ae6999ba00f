/**
 * A fine-tuned model in a real browser: the bert fixture (fp32) with its top layer trained jointly with
 * the heads for a few steps, saved (the fine-tuned encoder in the model folder's encoder/), served by
 * the server of `mtl serve` with the demo page and loaded by headless Chromium. The page must open the
 * fine-tuned encoder (its sha256 is checked against the manifest's) and predict the three tasks as the
 * Node build does within 1e-4, whether given the encoder's URL (/encoder/, what `mtl serve` tells the
 * page) or not (then from the model folder, where the manifest's path points); the server serves the
 * encoder files the manifest lists, nothing else. The same on the bundled q8 `mtl:mini` fine-tuned:
 * its saved model names the fp32 file (dequantized, with the trained top), which both sides run.
 * Needs a Chromium binary (see ./demo.ts); skipped with a message when there is none.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Encoder } from '../../src/encoder/index.js';
import { ensureFixture } from '../../src/generators/index.js';
import { closeServed, examples, executable, openDemo, runAndCompare, trainAndServe, type Served } from './demo.js';

const TOL = 1e-4;

describe.runIf(!!executable)('a fine-tuned model on the demo page: the encoder saved with the model, as in Node', () => {
  let s: Served;
  let manifest: { encoder: { sha256: string; dtype: string; path: string; files: Record<string, string> } };

  beforeAll(async () => {
    s = await trainAndServe(await ensureFixture('bert'), 'fixture:bert (top layer fine-tuned)', 'fp32', { layers: 1, lr: 1e-3 });
    manifest = JSON.parse(readFileSync(join(s.modelDir, 'manifest.json'), 'utf8'));
  }, 180_000);

  afterAll(() => closeServed(s));

  it('serves the encoder files the manifest lists (their bytes as recorded), nothing else', async () => {
    expect(manifest.encoder.path).toBe('encoder');
    const source = await Encoder.load('fixture:bert', { dtype: 'fp32', logger: () => undefined });
    expect(manifest.encoder.sha256).not.toBe(source.info.sha256); // the top did train
    await source.dispose();
    expect(s.server.encoderDir).toBe(join(s.modelDir, 'encoder'));
    const listed = Object.keys(manifest.encoder.files).sort();
    expect(s.server.encoderFiles).toEqual(listed);
    expect(listed).toEqual(expect.arrayContaining(['onnx/model.onnx', 'onnx/model_quantized.onnx', 'tokenizer.json', 'config.json']));
    for (const f of listed) {
      const res = await fetch(new URL(`/encoder/${f}`, s.server.url));
      expect(res.status, f).toBe(200);
      expect(
        createHash('sha256')
          .update(new Uint8Array(await res.arrayBuffer()))
          .digest('hex'),
        f,
      ).toBe(manifest.encoder.files[f]);
    }
    // the same files inside the model folder's route, where fromPretrained('/model/') looks for them
    for (const f of listed) expect((await fetch(new URL(`/model/encoder/${f}`, s.server.url), { method: 'HEAD' })).status, f).toBe(200);
    // a file the manifest does not list: not served by either route
    writeFileSync(join(s.modelDir, 'encoder', 'notes.txt'), 'not part of the model\n');
    for (const path of ['/encoder/notes.txt', '/model/encoder/notes.txt', '/model/encoder/onnx/model_fp16.onnx']) {
      expect((await fetch(new URL(path, s.server.url))).status, path).toBe(404);
    }
  });

  it('the page predicts the three tasks as the Node build does (≤ 1e-4)', async () => {
    const page = await openDemo(s);
    try {
      const { web, diffs } = await runAndCompare(s, page, examples());
      expect(web.device).toBe('wasm');
      for (const [task, d] of Object.entries(diffs)) expect(d, task).toBeLessThanOrEqual(TOL);
    } finally {
      await page.close();
    }
  }, 240_000);

  it("fromPretrained('/model/') with no encoder given opens the encoder saved in the model folder", async () => {
    const fetched: string[] = [];
    // ?encoder= (empty): the page passes no encoder URL, so the manifest's path is used
    const page = await openDemo(s, '?encoder=&autorun=0', s.browser, (p) =>
      p.on('request', (r) => fetched.push(new URL(r.url()).pathname)),
    );
    try {
      const ex = examples();
      const { diffs } = await runAndCompare(s, page, { ...ex, texts: ex.texts.slice(0, 3), pairs: ex.pairs.slice(0, 2) });
      for (const [task, d] of Object.entries(diffs)) expect(d, task).toBeLessThanOrEqual(TOL);
      expect(fetched).toContain('/model/encoder/onnx/model.onnx');
      expect(fetched.filter((p) => p.startsWith('/encoder/'))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 240_000);
});

describe.runIf(!!executable)('a fine-tuned q8 source (mtl:mini) on the demo page: its fp32 file, as in Node', () => {
  let s: Served;

  beforeAll(async () => {
    s = await trainAndServe('mtl:mini', 'mtl:mini (q8, top layer fine-tuned)', 'q8', { layers: 1 });
  }, 300_000);

  afterAll(() => closeServed(s));

  it('the manifest names the fp32 file; the page predicts as the Node build does (≤ 1e-4)', async () => {
    const manifest = JSON.parse(readFileSync(join(s.modelDir, 'manifest.json'), 'utf8'));
    expect(manifest.encoder.dtype).toBe('fp32');
    expect(manifest.encoder.sha256).toBe(manifest.encoder.files['onnx/model.onnx']);
    const page = await openDemo(s);
    try {
      const { diffs } = await runAndCompare(s, page, examples());
      for (const [task, d] of Object.entries(diffs)) expect(d, task).toBeLessThanOrEqual(TOL);
    } finally {
      await page.close();
    }
  }, 240_000);
});
