import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetsDir } from '../../../src/utils/paths.js';

/** SST-2 dev sentences (`LABEL SENTENCE` lines). */
export function sst2Dev(limit = Infinity): string[] {
  const lines = readFileSync(join(datasetsDir(), 'sentiment/sst2/stsa.binary.dev'), 'utf8').split('\n');
  return lines
    .filter((l) => l.trim())
    .map((l) => l.slice(l.indexOf(' ') + 1))
    .slice(0, limit);
}

/** MLQE-PE dev en-de: originals and translations (TSV with header). */
export function mlqeDev(limit = Infinity): { original: string[]; translation: string[] } {
  const lines = readFileSync(join(datasetsDir(), 'translation-quality/mlqe-pe/dev/en-de.tsv'), 'utf8').split('\n');
  const header = lines[0]!.split('\t');
  const oi = header.indexOf('original');
  const ti = header.indexOf('translation');
  const original: string[] = [];
  const translation: string[] = [];
  for (const l of lines.slice(1)) {
    if (!l.trim()) continue;
    const c = l.split('\t');
    original.push(c[oi]!);
    translation.push(c[ti]!);
    if (original.length >= limit) break;
  }
  return { original, translation };
}

/** A mixed set of real sentences: SST-2 + MLQE originals + German translations. */
export function mixedSentences(n: number): string[] {
  const third = Math.ceil(n / 3);
  const m = mlqeDev(third);
  return [...sst2Dev(third), ...m.original, ...m.translation].slice(0, n);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export const quiet = (): void => undefined;
