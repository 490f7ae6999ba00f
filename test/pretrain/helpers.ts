import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetsDir } from '../../src/utils/paths.js';

export const MLQE_PAIRS = ['en-de', 'en-zh', 'et-en', 'ne-en', 'ro-en', 'ru-en', 'si-en'] as const;

export function hasDatasets(): boolean {
  return existsSync(join(datasetsDir(), 'translation-quality', 'mlqe-pe', 'dev'));
}

/** Both sides of every k-th MLQE-PE dev row of each pair (`perPair` rows each), read as plain TSV. */
export function mlqeDevTexts(perPair: number): string[] {
  const out: string[] = [];
  for (const pair of MLQE_PAIRS) {
    const lines = readFileSync(join(datasetsDir(), 'translation-quality', 'mlqe-pe', 'dev', `${pair}.tsv`), 'utf8')
      .split('\n')
      .slice(1)
      .filter(Boolean);
    const step = Math.max(1, Math.floor(lines.length / perPair));
    for (let i = 0; i < perPair && i * step < lines.length; i++) {
      const cols = (lines[i * step] as string).split('\t');
      out.push(cols[1] as string, cols[2] as string);
    }
  }
  return out;
}
