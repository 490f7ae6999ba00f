/**
 * No source file under src/ grows past MAX_LINES: a file that long does more than one job and should be split along a seam.
 * The generated protobuf bindings (src/onnx/onnx-proto.*) are exempt.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

export const MAX_LINES = 330;

/** Generated code, never edited by hand. */
const GENERATED = /^onnx\/onnx-proto\./;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|js)$/.test(e.name)) out.push(p);
  }
  return out;
}

function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** `src/<file> has N lines (limit M)` for each file of `sizes` over the limit and not generated. */
export function oversized(sizes: ReadonlyMap<string, number>, limit = MAX_LINES): string[] {
  return [...sizes]
    .filter(([file, n]) => n > limit && !GENERATED.test(file))
    .map(([file, n]) => `src/${file} has ${n} lines (limit ${limit}): split it along a natural seam`)
    .sort();
}

describe('the size of source files', () => {
  const sizes = new Map(sourceFiles(SRC).map((p) => [relative(SRC, p).split(sep).join('/'), lineCount(readFileSync(p, 'utf8'))] as const));

  it('reads the files (a sanity check on the reader)', () => {
    expect(sizes.get('training/trainer.ts')).toBeGreaterThan(100);
    expect(sizes.has('onnx/onnx-proto.d.ts')).toBe(true);
  });

  it(`has no file under src/ over ${MAX_LINES} lines`, () => {
    expect(oversized(sizes)).toEqual([]);
  });

  it('would name an oversized file, but not a generated one (the check can fail)', () => {
    const fake = new Map([
      ['a/big.ts', MAX_LINES + 1],
      ['a/ok.ts', MAX_LINES],
      ['onnx/onnx-proto.d.ts', 5000],
    ]);
    expect(oversized(fake)).toEqual([`src/a/big.ts has ${MAX_LINES + 1} lines (limit ${MAX_LINES}): split it along a natural seam`]);
  });
});
