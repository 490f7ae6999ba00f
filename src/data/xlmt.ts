import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { datasetsDir } from '../utils/paths.js';
import { DataError, ProblemCollector, resolveMode, type LoadOptions, type LoadResult } from './errors.js';
import { isDirectory, readText } from './io.js';
import { columnIndex, parseTable } from './table.js';

export const XLMT_LABELS = ['negative', 'neutral', 'positive'] as const;
export type XlmtLabel = (typeof XLMT_LABELS)[number];
export const XLMT_LANGUAGES = ['arabic', 'english', 'french', 'german', 'hindi', 'italian', 'portuguese', 'spanish'] as const;

export interface XlmtExample {
  text: string;
  label: XlmtLabel;
  /** Language folder name (e.g. `english`). */
  language: string;
  /** Original corpus, e.g. `sem_eval_2017`. */
  source: string;
}

export interface XlmtOptions extends LoadOptions {
  /** When `path` is the root folder: which language folders to read (default: every folder present, sorted). */
  languages?: readonly string[];
  /** When `path` is a folder: `train` (train.csv, default) or `valid` (valid.csv). */
  split?: 'train' | 'valid';
  /**
   * Decode the JSON-style escapes that the published files keep literally in the text:
   * `\uXXXX` (English: `\u2019`, `\u002c`) and `\"` (English and Italian). Default true.
   * Other backslashes (`\o/`, `\m/`, `<\3`, `\n` in one Italian tweet) are left alone: they are
   * emoticons or ambiguous.
   */
  unescape?: boolean;
  /** Trim surrounding whitespace (every English tweet ends in a space). Default true. */
  trim?: boolean;
}

export function xlmtRoot(root = datasetsDir()): string {
  return join(root, 'sentiment', 'xlmt-tweets');
}

/** Decode literal `\uXXXX` (surrogate pairs come out right as consecutive code units) and `\"`. */
export function unescapeTweet(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})|\\"/g, (m, hex: string | undefined) => (hex ? String.fromCharCode(parseInt(hex, 16)) : '"'));
}

/**
 * XLM-T / UMSAB tweet sentiment CSVs (header `text,label,source`, RFC 4180 quoting).
 * `path` may be a CSV file, a language folder (reads `split`), or the root folder holding the
 * language folders (reads `split` of each of `languages`).
 * @example
 * const { rows } = loadXlmt(xlmtRoot(), { languages: ['english'], split: 'train' });
 * rows.length // 1839
 * rows[0] // { text: 'okay i’m sorry but TAYLOR SWIFT LOOKS NOTHING LIKE JACKIE O …', label: 'negative',
 *         //   language: 'english', source: 'sem_eval_2017' }
 */
export function loadXlmt(path: string, options: XlmtOptions = {}): LoadResult<XlmtExample> {
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'valid')
    throw new DataError(path, undefined, `split must be "train" or "valid", got "${String(split)}"`);
  let files: { file: string; language: string }[];
  if (!isDirectory(path)) {
    files = [{ file: path, language: basename(dirname(path)) }];
  } else if (existsSync(join(path, `${split}.csv`))) {
    files = [{ file: join(path, `${split}.csv`), language: basename(path) }];
  } else {
    const present = readdirSync(path)
      .filter((d) => isDirectory(join(path, d)))
      .sort();
    const languages = options.languages ?? present;
    for (const lang of languages) {
      if (!present.includes(lang)) throw new DataError(path, undefined, `no language folder "${lang}" (found: ${present.join(', ')})`);
    }
    files = languages.map((language) => ({ file: join(path, language, `${split}.csv`), language }));
  }
  const problems = new ProblemCollector(resolveMode(options), isDirectory(path));
  const rows: XlmtExample[] = [];
  for (const { file, language } of files) readXlmtFile(file, language, options, problems, rows);
  return problems.result(rows);
}

function readXlmtFile(file: string, language: string, options: XlmtOptions, problems: ProblemCollector, rows: XlmtExample[]): void {
  const table = parseTable(readText(file).text, file, { delimiter: ',', quoted: true });
  const col = columnIndex(table.header, file, ['text', 'label']);
  const sourceCol = table.header.indexOf('source');
  const unescape = options.unescape ?? true;
  const trim = options.trim ?? true;
  for (const { fields, line, error } of table.records) {
    if (error) {
      problems.report(file, line, error);
      continue;
    }
    const rawLabel = (fields[col.label as number] as string).trim();
    if (!(XLMT_LABELS as readonly string[]).includes(rawLabel)) {
      problems.report(file, line, `label "${rawLabel}" is not one of ${XLMT_LABELS.join(', ')}`);
      continue;
    }
    let text = fields[col.text as number] as string;
    if (unescape) text = unescapeTweet(text);
    if (trim) text = text.trim();
    if (text.trim() === '') {
      problems.report(file, line, 'empty text');
      continue;
    }
    rows.push({ text, label: rawLabel as XlmtLabel, language, source: sourceCol >= 0 ? (fields[sourceCol] as string) : '' });
  }
}
