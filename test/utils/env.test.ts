/** The `env` settings object: the cache folder's order of precedence, and a library that is silent unless given a logger. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { join, sep } from 'node:path';
import { env } from '../../src/utils/env.js';
import { cacheDir, packageRoot } from '../../src/utils/paths.js';
import { Encoder } from '../../src/encoder/index.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { PairRegressionTask } from '../../src/tasks/pair-regression.js';

const saved = {
  cacheDir: env.cacheDir,
  logger: env.logger,
  MTL_CACHE_DIR: process.env.MTL_CACHE_DIR,
  XDG_CACHE_HOME: process.env.XDG_CACHE_HOME,
};
afterEach(() => {
  env.cacheDir = saved.cacheDir;
  env.logger = saved.logger;
  for (const k of ['MTL_CACHE_DIR', 'XDG_CACHE_HOME'] as const) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  vi.restoreAllMocks();
});

describe('env.cacheDir', () => {
  it('is env.cacheDir, else $MTL_CACHE_DIR, else the user cache folder (never inside the package)', () => {
    env.cacheDir = null;
    delete process.env.MTL_CACHE_DIR;
    process.env.XDG_CACHE_HOME = join(sep, 'tmp', 'xdg-test');
    if (process.platform === 'linux') expect(cacheDir()).toBe(join(sep, 'tmp', 'xdg-test', 'mtl-nlp'));
    expect(cacheDir().startsWith(packageRoot())).toBe(false);
    process.env.MTL_CACHE_DIR = join(sep, 'tmp', 'from-variable');
    expect(cacheDir()).toBe(join(sep, 'tmp', 'from-variable'));
    env.cacheDir = join(sep, 'tmp', 'from-env');
    expect(cacheDir()).toBe(join(sep, 'tmp', 'from-env'));
  });
});

describe('env.logger', () => {
  it('the library writes nothing to the console by itself; with a logger, notices reach it', async () => {
    const writes: string[] = [];
    for (const m of ['log', 'info', 'warn', 'error'] as const)
      vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void writes.push(a.join(' ')));
    env.logger = null;
    const quiet = await Encoder.load('fixture:bert');
    await quiet.encode(['a text']);
    await quiet.dispose();
    const model = await MultiTaskModel.create({ encoder: { dim: 8 }, tasks: [new PairRegressionTask({ name: 'r' })] });
    model.dispose();
    expect(writes).toEqual([]);

    const heard: string[] = [];
    env.logger = { info: (m) => heard.push(m), warn: (m) => heard.push(`warn: ${m}`) };
    const loud = await Encoder.load('fixture:bert');
    await loud.dispose();
    expect(heard.some((m) => m.includes('execution provider'))).toBe(true);
    expect(writes).toEqual([]);
  });
});
