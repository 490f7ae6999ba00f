/**
 * A consumer's install, as docs/guide/use-in-your-app.md documents it: `npm pack`, then the
 * tarball installed into a fresh ESM app with ONNXRUNTIME_NODE_INSTALL=skip (onnxruntime-node's
 * install script otherwise downloads its CUDA provider from outside the npm registry), using the
 * local npm cache first. The app imports every public entry point, encodes with the bundled
 * encoder, trains, saves, reloads (also with fromPretrained) and predicts, and opens an embedding
 * cache without the optional better-sqlite3. Its node_modules must stay under the 650 MB target of
 * the package (636 MB measured; docs/guide/use-in-your-app.md says what it holds). The README's
 * own programs (the library quick start and the smallest program of "Use it in your app") are taken
 * from the README and run inside the app, and the packed package.json carries no install-time script
 * an app would have to allow.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/utils/paths.js';

const TARGET_MB = 650;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function duMegabytes(dir: string): number {
  const out = execFileSync('du', ['-sb', dir], { encoding: 'utf8' });
  return Number(out.split(/\s+/)[0]) / 1e6;
}

/** Packages (by name) whose files a fresh process resolves when it imports `specifier` in `app`. */
function packagesLoadedBy(app: string, specifier: string): string[] {
  const log = join(app, `loaded-${specifier.replace(/\W+/g, '_')}.txt`);
  const run = spawnSync(
    process.execPath,
    ['--import', './register-hook.mjs', '--input-type=module', '-e', `await import(${JSON.stringify(specifier)});`],
    {
      cwd: app,
      env: { ...process.env, MTL_LOADED_LOG: log },
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  expect(run.status, run.stderr).toBe(0);
  const names = new Set<string>();
  for (const url of readFileSync(log, 'utf8').split('\n')) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) names.add(m[1]!);
  }
  return [...names].sort();
}

/** The first fenced code block (```lang) after the heading `heading` in a Markdown file of the package. */
function docBlock(file: string, heading: string, lang: string): string {
  const text = `\n${readFileSync(join(packageRoot(), file), 'utf8')}`;
  const at = text.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`${file}: no heading "${heading}"`);
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(text.slice(at));
  if (!m) throw new Error(`${file}: no \`\`\`${lang} block after "${heading}"`);
  return m[1]!;
}

/** The heavy dependencies an entry may or may not load. */
const HEAVY = ['onnxruntime-node', 'onnxruntime-web', '@huggingface/transformers', '@tensorflow/tfjs-core', 'better-sqlite3', 'natural'];

describe('installed into an app', () => {
  const work = mkdtempSync(join(tmpdir(), 'mtl-app-'));
  const app = join(work, 'app');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  beforeAll(() => {
    const packed = spawnSync(npm, ['pack', '--pack-destination', work, '--silent'], {
      cwd: packageRoot(),
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(packed.status, packed.stderr).toBe(0);
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tgz).toBeDefined();
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }, null, 2));
    // the documented install line
    const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };
    const install = spawnSync(npm, ['install', join(work, tgz!), '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: app,
      env,
      encoding: 'utf8',
      timeout: 600_000,
    });
    expect(install.status, install.stderr + install.stdout).toBe(0);
    for (const f of ['app-smoke.mjs', 'register-hook.mjs', 'resolve-hook.mjs'])
      copyFileSync(join(packageRoot(), 'test', 'package', f), join(app, f));
  }, 900_000);

  it('packs, installs offline-first without the CUDA download, runs, and stays under the size target', () => {
    const run = spawnSync(process.execPath, ['app-smoke.mjs'], { cwd: app, encoding: 'utf8', timeout: 300_000 });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      exports: number;
      fixtureExports: number;
      dims: number[];
      encoder: string;
      label: string;
      sameAfterFromPretrained: boolean;
      cacheNotice: boolean;
      cachedDims: number[];
    };
    expect(result.exports).toBeGreaterThan(50);
    expect(result.fixtureExports).toBeGreaterThan(3);
    expect(result.dims[0]).toBe(2);
    expect(['positive', 'negative']).toContain(result.label);
    expect(result.sameAfterFromPretrained).toBe(true);
    // the app did not install the optional better-sqlite3: the cache falls back to memory and says so
    expect(result.cacheNotice).toBe(true);
    expect(result.cachedDims).toEqual([1, 256]);
    const size = duMegabytes(join(app, 'node_modules'));
    console.log(`app node_modules: ${size.toFixed(0)} MB (target ${TARGET_MB} MB)`);
    expect(size).toBeLessThan(TARGET_MB);
  }, 600_000);

  it('the packed package.json has no install-time script; the repository keeps its prepare (npm ci builds dist/)', () => {
    const packed = JSON.parse(readFileSync(join(app, 'node_modules', 'mtl-nlp', 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) expect(packed.scripts?.[s], s).toBeUndefined();
    const repo = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(repo.scripts.prepare).toBe('npm run build');
    expect(existsSync(join(packageRoot(), 'package.json.prepack'))).toBe(false);
  });

  it("runs the README's quick start and the app guide's smallest program inside the app", () => {
    const programs = {
      'quick-start.mjs': docBlock('README.md', '## Quick start (library)', 'ts'),
      'app.mjs': docBlock('docs/guide/use-in-your-app.md', '# Use it in your app', 'js'),
    };
    for (const [file, code] of Object.entries(programs)) {
      expect(code, file).toMatch(/from 'mtl-nlp'/);
      writeFileSync(join(app, file), code);
      const run = spawnSync(process.execPath, [file], { cwd: app, encoding: 'utf8', timeout: 300_000 });
      expect(run.status, `${file}: ${run.stderr}`).toBe(0);
      if (file === 'quick-start.mjs') {
        // two predictions printed (before saving, after reloading), and the saved folder
        expect(run.stdout.match(/label: '(positive|negative)'/g), run.stdout).toHaveLength(2);
        expect(existsSync(join(app, 'runs', 'quick-start', 'manifest.json'))).toBe(true);
      } else expect(run.stdout).toMatch(/\[ 2, 256 \]/);
    }
  }, 600_000);

  it('each subpath entry loads only what it needs (a fresh process per entry)', () => {
    const heavy = (spec: string) => packagesLoadedBy(app, spec).filter((p) => HEAVY.includes(p));
    const loaded = Object.fromEntries(
      [
        'mtl-nlp/metrics',
        'mtl-nlp/data',
        'mtl-nlp/encoder',
        'mtl-nlp/training',
        'mtl-nlp/tasks',
        'mtl-nlp/config',
        'mtl-nlp/fixtures',
        'mtl-nlp',
      ].map((s) => [s, heavy(s)]),
    );
    console.log(`heavy packages per entry: ${JSON.stringify(loaded)}`);
    // the ROUGE scorer and the other metrics: no runtime, no tfjs, no SQLite
    expect(loaded['mtl-nlp/metrics']).toEqual([]);
    expect(loaded['mtl-nlp/fixtures']).toEqual([]);
    // the encoder: onnxruntime through transformers.js, no tfjs
    expect(loaded['mtl-nlp/encoder']).toEqual(expect.arrayContaining(['onnxruntime-node', '@huggingface/transformers']));
    expect(loaded['mtl-nlp/encoder']).not.toContain('@tensorflow/tfjs-core');
    // training and the tasks: tfjs, but the encoder's runtime only when a model opens its encoder
    for (const s of ['mtl-nlp/training', 'mtl-nlp/tasks', 'mtl-nlp/config']) {
      expect(loaded[s], s).toContain('@tensorflow/tfjs-core');
      expect(loaded[s], s).not.toContain('onnxruntime-node');
      expect(loaded[s], s).not.toContain('@huggingface/transformers');
    }
    for (const s of Object.keys(loaded)) expect(loaded[s], s).not.toContain('better-sqlite3');
    // the root entry has everything
    expect(loaded['mtl-nlp']).toEqual(expect.arrayContaining(['onnxruntime-node', '@tensorflow/tfjs-core']));
  }, 600_000);
});
