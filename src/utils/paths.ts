import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import envPaths from 'env-paths';
import { env } from './env.js';

/** Root of this package (works from src/ under tsx/vitest and from dist/ once built). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

/** The shared real datasets: $MTL_DATASETS, else ../shared/datasets beside the package root. */
export function datasetsDir(): string {
  return process.env.MTL_DATASETS ? resolve(process.env.MTL_DATASETS) : resolve(packageRoot(), '..', 'shared', 'datasets');
}

/**
 * The cache for generated fixture encoders and the persistent embedding cache: `env.cacheDir`, else
 * $MTL_CACHE_DIR, else the user cache folder (env-paths: $XDG_CACHE_HOME/mtl-nlp or ~/.cache/mtl-nlp
 * on Linux, ~/Library/Caches/mtl-nlp on macOS, %LOCALAPPDATA%\mtl-nlp\Cache on Windows), never a
 * folder inside the installed package (read-only in some installs, wiped by `npm ci`).
 */
export function cacheDir(): string {
  if (env.cacheDir) return resolve(env.cacheDir);
  if (process.env.MTL_CACHE_DIR) return resolve(process.env.MTL_CACHE_DIR);
  return envPaths('mtl-nlp', { suffix: '' }).cache;
}

/** This package's name and version (from its package.json). */
let packageInfo: { name: string; version: string } | null = null;
export function packageVersion(): { name: string; version: string } {
  if (packageInfo) return packageInfo;
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { name: string; version: string };
    packageInfo = { name: pkg.name, version: pkg.version };
  } catch {
    packageInfo = { name: 'mtl-nlp', version: 'unknown' };
  }
  return packageInfo;
}
