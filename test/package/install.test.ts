/**
 * A consumer's install, as the README's "Use it in your app" documents it: `npm pack`, then the
 * tarball installed into a fresh ESM app with ONNXRUNTIME_NODE_INSTALL=skip (onnxruntime-node's
 * install script otherwise downloads its CUDA provider from outside the npm registry), using the
 * local npm cache first. The app imports every public entry point, encodes with the bundled
 * encoder, trains, saves, reloads (also with fromPretrained) and predicts, and opens an embedding
 * cache without the optional better-sqlite3. Its node_modules must stay under the 650 MB target of
 * the packaging issue (636 MB measured; README "Use it in your app" says what it holds).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/utils/paths.js';

const TARGET_MB = 650;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function duMegabytes(dir: string): number {
  const out = execFileSync('du', ['-sb', dir], { encoding: 'utf8' });
  return Number(out.split(/\s+/)[0]) / 1e6;
}

describe('installed into an app', () => {
  const work = mkdtempSync(join(tmpdir(), 'mtl-app-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('packs, installs offline-first without the CUDA download, runs, and stays under the size ceiling', () => {
    const packed = spawnSync(npm, ['pack', '--pack-destination', work, '--silent'], { cwd: packageRoot(), encoding: 'utf8', timeout: 300_000 });
    expect(packed.status, packed.stderr).toBe(0);
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tgz).toBeDefined();
    const app = join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }, null, 2));
    // the documented install line
    const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };
    const install = spawnSync(npm, ['install', join(work, tgz!), '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, env, encoding: 'utf8', timeout: 600_000 });
    expect(install.status, install.stderr + install.stdout).toBe(0);
    copyFileSync(join(packageRoot(), 'test', 'package', 'app-smoke.mjs'), join(app, 'smoke.mjs'));
    const run = spawnSync(process.execPath, ['smoke.mjs'], { cwd: app, encoding: 'utf8', timeout: 300_000 });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as { exports: number; fixtureExports: number; dims: number[]; encoder: string; label: string; sameAfterFromPretrained: boolean; cacheNotice: boolean; cachedDims: number[] };
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
  }, 900_000);
});
