import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Git-ignored cache for generated models and other large artefacts. */
export function cacheDir(): string {
  return process.env.MTL_CACHE_DIR ? resolve(process.env.MTL_CACHE_DIR) : join(packageRoot(), '.cache');
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
