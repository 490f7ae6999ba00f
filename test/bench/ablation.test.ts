/** The ablation suite runs the scripts and commands that the result tables of docs/benchmarks.md name. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ABLATIONS } from '../../src/bench/suites.js';
import { packageRoot } from '../../src/utils/paths.js';

describe('mtl bench --suite ablation', () => {
  const doc = readFileSync(join(packageRoot(), 'docs', 'benchmarks.md'), 'utf8');
  for (const a of ABLATIONS) {
    // as a shell shows it: an argument with spaces in double quotes
    const command = a.args.map((x) => (/\s/.test(x) ? `"${x}"` : x)).join(' ');
    it(`${a.script} ${command}: the script exists and docs/benchmarks.md shows this command`, () => {
      expect(existsSync(join(packageRoot(), 'benchmarks', `${a.script}.ts`))).toBe(true);
      expect(doc).toContain(`npx tsx benchmarks/${a.script}.ts ${command}`);
    });
  }
});
