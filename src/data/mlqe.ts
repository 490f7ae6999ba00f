import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { datasetsDir } from '../utils/paths.js';
import { DataError, ProblemCollector, resolveMode, type LoadOptions, type LoadResult } from './errors.js';
import { isDirectory, parseNumber, readText } from './io.js';
import { columnIndex, parseTable } from './table.js';

export const MLQE_PAIRS = ['en-de', 'en-zh', 'et-en', 'ne-en', 'ro-en', 'ru-en', 'si-en'] as const;

export interface MlqeExample {
  source: string;
  translation: string;
  /** The target column (`z_mean` by default). */
  score: number;
  /** `model_scores`: the translating model's log-probability score. */
  modelScore: number;
  /** Language pair from the file name, e.g. `en-de`. */
  pair: string;
  /** The raw DA mean (0–100, column `mean`), when the file has it. */
  da?: number;
  /** `index` (or `segid` in ru-en) column. */
  id: string;
}

export interface MlqeOptions extends LoadOptions {
  /** Target column: `z_mean` (default, the standard target) or `mean` (0–100 raw DA mean). */
  target?: 'z_mean' | 'mean';
  /** When `path` is a split folder: which pairs to read (default every `*.tsv` present, sorted). */
  pairs?: readonly string[];
}

export function mlqePath(split: 'train' | 'dev', pair?: string, root = datasetsDir()): string {
  const dir = join(root, 'translation-quality', 'mlqe-pe', split);
  return pair ? join(dir, `${pair}.tsv`) : dir;
}

/**
 * MLQE-PE sentence-level DA TSVs. Quoting is DISABLED: the text holds bare `"` characters
 * (e.g. a source that starts with `"Renaissance Humanism …"`), which a CSV parser would treat as
 * field quoting and merge lines. `path` is one `<pair>.tsv` or a split folder (`train/`, `dev/`).
 * @example
 * const { rows } = loadMlqe('fixtures/data/translation-quality/train'); // every <pair>.tsv of the folder
 * rows.length // 240
 * rows[0] // { source: 'Rosenau, a town on the edge of …', translation: 'Rosenau, eine Stadt am Rand de…',
 *         //   score: 1.2941, modelScore: -0.0687, pair: 'en-de', id: '0', da: 95.3333 }
 */
export function loadMlqe(path: string, options: MlqeOptions = {}): LoadResult<MlqeExample> {
  const target = options.target ?? 'z_mean';
  if (target !== 'z_mean' && target !== 'mean')
    throw new DataError(path, undefined, `target must be "z_mean" or "mean", got "${String(target)}"`);
  let files: string[];
  if (isDirectory(path)) {
    const present = readdirSync(path)
      .filter((f) => f.endsWith('.tsv'))
      .map((f) => f.slice(0, -4))
      .sort();
    const pairs = options.pairs ?? present;
    for (const p of pairs)
      if (!present.includes(p)) throw new DataError(path, undefined, `no pair file "${p}.tsv" (found: ${present.join(', ')})`);
    files = pairs.map((p) => join(path, `${p}.tsv`));
  } else {
    files = [path];
  }
  const problems = new ProblemCollector(resolveMode(options), isDirectory(path));
  const rows: MlqeExample[] = [];
  for (const file of files) {
    const pair = basename(file).replace(/\.tsv$/, '');
    const table = parseTable(readText(file).text, file, { delimiter: '\t', quoted: false });
    const idName = table.header.includes('segid') ? 'segid' : 'index';
    const col = columnIndex(table.header, file, [idName, 'original', 'translation', target, 'model_scores']);
    const daCol = table.header.indexOf('mean');
    for (const { fields, line, error } of table.records) {
      if (error) {
        problems.report(file, line, error);
        continue;
      }
      const get = (name: string) => fields[col[name] as number] as string;
      const score = parseNumber(get(target));
      if (score === undefined) {
        problems.report(file, line, `${target} "${get(target)}" is not a number`);
        continue;
      }
      const modelScore = parseNumber(get('model_scores'));
      if (modelScore === undefined) {
        problems.report(file, line, `model_scores "${get('model_scores')}" is not a number`);
        continue;
      }
      const source = get('original');
      const translation = get('translation');
      if (source.trim() === '' || translation.trim() === '') {
        problems.report(file, line, source.trim() === '' ? 'empty original' : 'empty translation');
        continue;
      }
      const row: MlqeExample = { source, translation, score, modelScore, pair, id: get(idName).trim() };
      const da = daCol >= 0 ? parseNumber(fields[daCol] ?? '') : undefined;
      if (da !== undefined) row.da = da;
      rows.push(row);
    }
  }
  return problems.result(rows);
}
