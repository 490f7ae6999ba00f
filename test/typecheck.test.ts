import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { packageRoot } from '../src/utils/paths.js';

// vitest strips types without checking them: typecheck src, tests, benchmarks and examples here.
it('the whole project typechecks (strict)', () => {
  const root = packageRoot();
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.check.json'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 240_000,
  });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
}, 250_000);

it('the demo page typechecks against the browser entry (strict)', () => {
  const root = packageRoot();
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'examples/07-demo'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 240_000,
  });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
}, 250_000);
