import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureFixture } from '../../src/generators/index.js';
import { Encoder } from '../../src/encoder/index.js';
import { webBackend } from '../../src/encoder/backend/web.js';
import type { Backend } from '../../src/encoder/backend/types.js';
import { maxAbsDiff, mixedSentences, quiet } from './helpers/data.js';

/** Every module (relative imports followed) and bare specifier reachable from a source file. */
function importGraph(entry: string): { files: string[]; bare: Set<string> } {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1] ?? m[2]!;
      if (/^\s*(?:import|export)\s+type\s/.test(m[0])) continue;
      if (spec.startsWith('.')) {
        const ts = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        stack.push(existsSync(ts) ? ts : resolve(dirname(file), spec)); // a vendored .js module stays .js
      } else bare.add(spec);
    }
  }
  return { files: [...seen], bare };
}

describe('browser build', () => {
  it('index.browser.ts never reaches onnxruntime-node, better-sqlite3 or node: modules', () => {
    const { bare, files } = importGraph(resolve(import.meta.dirname, '../../src/encoder/index.browser.ts'));
    expect(files.some((f) => f.endsWith('backend/web.ts'))).toBe(true);
    expect([...bare].filter((s) => s === 'onnxruntime-node' || s === 'better-sqlite3' || s.startsWith('node:'))).toEqual([]);
    expect(bare.has('onnxruntime-web/webgpu')).toBe(true);
    // loaded on demand (the layer option): the graph cut reaches no Node module either
    const cut = importGraph(resolve(import.meta.dirname, '../../src/encoder/layers.ts'));
    expect([...cut.bare].filter((s) => s === 'onnxruntime-node' || s === 'better-sqlite3' || s.startsWith('node:'))).toEqual([]);
  });

  it('the onnxruntime-web backend (wasm, run here in Node) gives the same vectors as onnxruntime-node', async () => {
    const dir = await ensureFixture('xlm-roberta');
    const texts = mixedSentences(40);
    const node = await Encoder.load(dir, { device: 'cpu', threads: 1, logger: quiet });
    const logs: string[] = [];
    // The Node platform resolves to a file path; the browser build hands ORT-web bytes.
    const webFromFile: Backend = {
      ...webBackend,
      createSession: (m, p, c) => webBackend.createSession(typeof m === 'string' ? new Uint8Array(readFileSync(m)) : m, p, c),
    };
    const web = await Encoder.load(dir, { device: 'auto', threads: 1, backend: webFromFile, logger: (m) => logs.push(m) });
    expect(web.info.device).toBe('wasm');
    expect(logs.join('\n')).toMatch(/execution provider: wasm \(webgpu unavailable: WebGPU is not available/);
    const a = await node.encode(texts);
    const b = await web.encode(texts);
    expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-5);
    await node.dispose();
    await web.dispose();
    // an inner layer: the cut graph's bytes run on onnxruntime-web as on onnxruntime-node
    const nodeL = await Encoder.load(dir, { device: 'cpu', threads: 1, layer: 1, logger: quiet });
    const webL = await Encoder.load(dir, { device: 'wasm', threads: 1, layer: 1, backend: webFromFile, logger: quiet });
    expect(webL.info.layer).toEqual({ index: 1, of: 2 });
    const c = await nodeL.encode(texts);
    expect(maxAbsDiff(c.data, (await webL.encode(texts)).data)).toBeLessThan(1e-5);
    expect(maxAbsDiff(c.data, a.data)).toBeGreaterThan(1e-2);
    await nodeL.dispose();
    await webL.dispose();
  });
});
