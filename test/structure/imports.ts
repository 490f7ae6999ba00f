/**
 * The import graph of src/ (.ts files and vendored .js): every relative import and re-export (type-only ones included: they
 * still tie a file to another's meaning), read with TypeScript's own pre-processor.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if ((e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) || e.name.endsWith('.js')) out.push(p);
  }
  return out;
}

/** Edges between files of `srcDir`, as paths relative to it (`training/trainer.ts`). */
export function importGraph(srcDir: string): { files: string[]; edges: ImportEdge[] } {
  const root = resolve(srcDir);
  const files = sourceFiles(root);
  const known = new Set(files);
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const asWritten = resolve(dirname(file), ref.fileName);
      const target = asWritten.replace(/\.js$/, '.ts');
      const candidates = [target, asWritten, target + '.ts', join(target, 'index.ts')];
      const hit = candidates.find((c) => known.has(c));
      if (!hit) throw new Error(`${relative(root, file)}: import "${ref.fileName}" resolves to no file of src/`);
      edges.push({ from: relative(root, file).split(sep).join('/'), to: relative(root, hit).split(sep).join('/') });
    }
  }
  return { files: files.map((f) => relative(root, f).split(sep).join('/')), edges };
}

/** The strongly connected components with more than one file (Tarjan), i.e. the import cycles. */
export function importCycles(files: readonly string[], edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) next.get(e.from)?.push(e.to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (next.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return out;
}
