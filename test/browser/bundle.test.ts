/**
 * What the browser entry reaches, read from esbuild's metafile (no browser needed): no Node-only
 * package (onnxruntime-node, SQLite, tfjs-node, the CLI's), and node: modules only from the Node
 * data loaders that the task modules import (emptied by package.json's `browser` field, never called
 * in a page); the model's own path (model-core, model.browser, encoder, heads) imports none.
 */
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/utils/paths.js';

const NODE_ONLY = [
  'env-paths',
  'onnxruntime-node',
  'better-sqlite3',
  '@tensorflow/tfjs-node',
  'cli-progress',
  'commander',
  '@resvg/resvg-js',
  'vega',
  'onnx-proto',
  'csv-parse',
];
/** The files allowed to import node: modules in the browser bundle (emptied there). */
const NODE_IMPORTERS = /^src\/(data\/(bbc|generic|io|mlqe|scitldr|split|sst2|xlmt)\.ts|utils\/paths\.ts|training\/safetensors\.ts)$/;

describe('the browser entry bundles for browsers', () => {
  let meta: Metafile;
  let warnings: string[];

  beforeAll(async () => {
    const out = await build({
      entryPoints: [join(packageRoot(), 'src/index.browser.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    meta = out.metafile;
    warnings = out.warnings.map((w) => `${w.location?.file ?? ''}: ${w.text}`);
  }, 120_000);

  it('reaches no Node-only package', () => {
    const inputs = Object.keys(meta.inputs).filter((f) => !f.startsWith('(disabled):'));
    expect(inputs.some((f) => f.includes('src/training/model.browser.ts'))).toBe(true);
    for (const pkg of NODE_ONLY)
      expect(
        inputs.filter((f) => f.includes(`node_modules/${pkg}/`)),
        pkg,
      ).toEqual([]);
    expect(
      inputs.filter(
        (f) =>
          /^src\/(cli|experiment|bench|pretrain|generators)\//.test(f) || f === 'src/training/model.ts' || f === 'src/encoder/index.ts',
      ),
    ).toEqual([]);
  });

  it('imports node: modules only from the Node data loaders, emptied by the browser field', () => {
    const importers = new Set<string>();
    for (const [file, input] of Object.entries(meta.inputs)) {
      if (!file.startsWith('src/')) continue;
      for (const imp of input.imports) if (/^(\(disabled\):)?node:/.test(imp.path)) importers.add(file);
      for (const imp of input.imports) if (/^node:/.test(imp.path)) throw new Error(`${file} imports ${imp.path} unmapped`);
    }
    expect([...importers].filter((f) => !NODE_IMPORTERS.test(f))).toEqual([]);
    // and the warnings are only those "always undefined" imports of these files
    // src/data/table.ts' CSV parser and src/utils/paths.ts' cache folder lookup, emptied too
    expect(Object.keys(meta.inputs).filter((f) => /^\(disabled\):node_modules\/(csv-parse|env-paths)\//.test(f))).toHaveLength(2);
    for (const w of warnings) expect(w).toMatch(/^src\/(data|utils|training)\/[\w-]+\.ts: Import "\w+" will always be undefined/);
  });
});
