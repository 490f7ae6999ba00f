/**
 * The README's commands and code must work as pasted: the quick-start block runs against the
 * built package entry (self-reference 'mtl-nlp' → dist/, built by `prepare` on npm ci), and every
 * `mtl` subcommand and npm script it names exists.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { packageRoot } from '../../src/utils/paths.js';

const root = packageRoot();
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('gives the two commands, and .ci/run runs the same test command', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toMatch(/^npm test\b/m);
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.demo).toBeDefined();
    expect(pkg.scripts.test).toBe('vitest run');
  });

  it('every `mtl <command>` it mentions exists', () => {
    const names = new Set(buildProgram().commands.map((c) => c.name()));
    const mentioned = [...readme.matchAll(/`mtl ([a-z]+)/g)].map((m) => m[1]!);
    expect(mentioned.length).toBeGreaterThan(5);
    for (const m of mentioned) expect(names.has(m), m).toBe(true);
  });

  it('the quick-start code block runs as pasted', () => {
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    expect(block).toContain("from 'mtl-nlp'");
    // inside the package (git-ignored .cache/), so that `mtl-nlp` resolves to this checkout
    const dir = join(root, '.cache', 'readme');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'quick-start.mts');
    writeFileSync(file, block!);
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8', timeout: 280_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/label: '(positive|negative)'/);
    expect(readFileSync(join(root, 'runs/quick-start/manifest.json'), 'utf8')).toContain('"sentiment"');
  }, 300_000);
});
