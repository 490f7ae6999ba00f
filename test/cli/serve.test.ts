/**
 * `mtl serve` as a user starts it: a saved model (synthetic features: no encoder folder), any free
 * port, the page, /config.json and the model's files served, nothing else; a missing folder is a
 * one-line user error. (The page itself in a browser: test/browser/model.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mtl } from './helpers.js';
import { saveSentimentModel, startServe, stopServe } from './serve-setup.js';

describe('mtl serve', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mtl-serve-'));
  const modelDir = join(tmp, 'model');

  beforeAll(() => saveSentimentModel(modelDir));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('serves the page, its config and the model folder on a free port, until stopped', async () => {
    const { child, url } = await startServe(['--model', modelDir, '--port', '0']);
    try {
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script type="module" src="main.js">');
      expect((await fetch(new URL('main.js', url))).headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(await (await fetch(new URL('config.json', url))).json()).toEqual({
        model: '/model/',
        encoder: null,
        ort: '/ort/',
        tfjs: '/tfjs/',
      });
      expect(((await (await fetch(new URL('model/manifest.json', url))).json()) as { format: string }).format).toBe(
        'mtl-nlp/multitask-model',
      );
      expect((await fetch(new URL('model/model.safetensors', url))).status).toBe(200);
      expect((await fetch(new URL('encoder/config.json', url))).status).toBe(404);
      expect((await fetch(new URL('ort/ort-wasm-simd-threaded.jsep.wasm', url), { method: 'HEAD' })).status).toBe(200);
      expect((await fetch(new URL('model/manifest.json', url), { method: 'POST' })).status).toBe(405);
    } finally {
      await stopServe(child);
    }
  }, 120_000);

  it('a folder that is not a saved model is a one-line error', () => {
    const r = mtl(['serve', '--model', join(tmp, 'nothing'), '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^mtl: .*manifest\.json: missing, so this is not a saved model folder; give the folder that model\.save\(dir\) or mtl train --out wrote\n$/,
    );
  });
});
