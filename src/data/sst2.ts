import { join } from 'node:path';
import { datasetsDir } from '../utils/paths.js';
import { ProblemCollector, resolveMode, type LoadOptions, type LoadResult } from './errors.js';
import { readText, splitLines } from './io.js';

export type Sst2Label = 'negative' | 'positive';
export interface Sst2Example {
  text: string;
  label: Sst2Label;
}

export const SST2_LABELS: Readonly<Record<string, Sst2Label>> = { '0': 'negative', '1': 'positive' };

/** Path of a real SST-2 split (`stsa.binary.train` 6,920 lines, `stsa.binary.dev` 872). */
export function sst2Path(split: 'train' | 'dev', root = datasetsDir()): string {
  return join(root, 'sentiment', 'sst2', `stsa.binary.${split}`);
}

/**
 * SST-2 in the harvardnlp `LABEL SENTENCE` format: label `0`/`1`, a single space, the
 * (lowercased, tokenised) sentence. Malformed: no space after the label, a label outside
 * {0, 1}, an empty sentence, an empty line.
 * @example
 * const { rows, skipped } = loadSst2('fixtures/data/sentiment/train.txt'); // the sample shipped in the package
 * rows.length // 320
 * rows[0] // { text: 'not bad for a place this busy : the soup is full of flavour .', label: 'positive' }
 * skipped // 0 (strict mode throws a DataError naming file:line instead)
 */
export function loadSst2(file: string, options: LoadOptions = {}): LoadResult<Sst2Example> {
  const problems = new ProblemCollector(resolveMode(options));
  const rows: Sst2Example[] = [];
  const lines = splitLines(readText(file).text);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return problems.report(file, line, 'empty line');
    const space = raw.indexOf(' ');
    if (space < 0) return problems.report(file, line, 'expected "LABEL SENTENCE" (no space after the label)');
    const rawLabel = raw.slice(0, space);
    const label = Object.prototype.hasOwnProperty.call(SST2_LABELS, rawLabel) ? SST2_LABELS[rawLabel] : undefined;
    if (!label) return problems.report(file, line, `label "${rawLabel}" is not one of 0, 1`);
    const text = raw.slice(space + 1).trim();
    if (text === '') return problems.report(file, line, 'empty sentence');
    rows.push({ text, label });
  });
  return problems.result(rows);
}
