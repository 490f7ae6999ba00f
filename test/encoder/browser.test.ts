import { readFileSync } from 'node:fs';
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
      if (spec.startsWith('.')) stack.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else bare.add(spec);
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
  });
});
