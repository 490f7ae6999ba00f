/**
 * The floors of src/: imports run downhill (or within a floor), never up, and no file imports
 * itself back through others. A new top-level folder or file must be given a floor here.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { importCycles, importGraph, type ImportEdge } from './imports.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** Lowest first: a file may import from its own floor or a lower one. */
export const FLOORS: readonly (readonly string[])[] = [
  ['utils', 'errors.ts', 'onnx'],
  ['nn', 'metrics', 'data', 'encoder', 'generators', 'report'],
  ['finetune'],
  ['weighting', 'sampling', 'architectures', 'tasks', 'baselines'],
  ['training', 'config'],
  ['experiment', 'pretrain'],
  ['distributed'],
  ['cli', 'bench'],
  ['index.ts', 'index.browser.ts'],
];

function floorOf(file: string): number {
  const top = file.split('/')[0] as string;
  const f = FLOORS.findIndex((names) => names.includes(top));
  if (f < 0) throw new Error(`src/${file}: its top-level entry "${top}" has no floor in test/structure/layers.test.ts (add it)`);
  return f;
}

/** The imports that run up a floor. */
export function upwardImports(edges: readonly ImportEdge[]): string[] {
  return edges
    .filter((e) => floorOf(e.from) < floorOf(e.to))
    .map((e) => `src/${e.from} (floor ${floorOf(e.from)}) imports src/${e.to} (floor ${floorOf(e.to)})`);
}

describe('the structure of src/', () => {
  const { files, edges } = importGraph(SRC);

  it('reads the import graph (a sanity check on the reader)', () => {
    expect(files).toContain('training/trainer.ts');
    expect(edges).toContainEqual({ from: 'training/trainer.ts', to: 'weighting/index.ts' });
    expect(edges.length).toBeGreaterThan(files.length);
  });

  it('has every file on a floor and no import that runs up a floor', () => {
    for (const f of files) floorOf(f);
    expect(upwardImports(edges)).toEqual([]);
  });

  it('has no file-level import cycles', () => {
    expect(importCycles(files, edges)).toEqual([]);
  });

  it('would see an upward import or a cycle (the checks can fail)', () => {
    expect(upwardImports([{ from: 'tasks/sentiment.ts', to: 'training/trainer.ts' }])).toHaveLength(1);
    expect(upwardImports([{ from: 'training/trainer.ts', to: 'tasks/sentiment.ts' }])).toHaveLength(0);
    const cyc = importCycles(
      ['a.ts', 'b.ts', 'c.ts'],
      [
        { from: 'a.ts', to: 'b.ts' },
        { from: 'b.ts', to: 'c.ts' },
        { from: 'c.ts', to: 'a.ts' },
      ],
    );
    expect(cyc).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(importCycles(['a.ts', 'b.ts'], [{ from: 'a.ts', to: 'b.ts' }])).toEqual([]);
  });
});
