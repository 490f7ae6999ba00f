import { join } from 'node:path';
import { datasetsDir } from '../utils/paths.js';
import { ProblemCollector, resolveMode, type LoadOptions, type LoadResult } from './errors.js';
import { readText, splitLines } from './io.js';

export interface SciTldrExample {
  /** `paper_id`. */
  id: string;
  title: string;
  /** Abstract sentences. */
  source: string[];
  /** 0/1 per source sentence (1 = the best extractive sentence). */
  sourceLabels: number[];
  /** Reference TLDRs (one in train, 1–4+ in dev). */
  targets: string[];
  /** Per-sentence ROUGE scores as published; in 82 records its length differs from `source`. */
  rougeScores?: number[];
}

export function scitldrPath(split: 'train' | 'dev', root = datasetsDir()): string {
  return join(root, 'summarization', 'scitldr-a', `${split}.jsonl`);
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * SciTLDR-A JSON lines. Malformed: invalid JSON, `source`/`target` not non-empty string lists,
 * `source_labels` not 0/1 with one entry per source sentence, missing `paper_id`/`title`.
 * (The files have no final newline.)
 * @example
 * const { rows } = loadSciTldr(scitldrPath('dev'));
 * rows.length // 619
 * const { id, source, sourceLabels, targets } = rows[0];
 * [id, source.length, sourceLabels, targets.length] // ['rJlnfaNYvB', 6, [0, 0, 0, 1, 0, 0], 3]
 */
export function loadSciTldr(file: string, options: LoadOptions = {}): LoadResult<SciTldrExample> {
  const problems = new ProblemCollector(resolveMode(options));
  const rows: SciTldrExample[] = [];
  splitLines(readText(file).text).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let d: Record<string, unknown>;
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return problems.report(file, line, 'not a JSON object');
      d = parsed as Record<string, unknown>;
    } catch (err) {
      return problems.report(file, line, `invalid JSON: ${(err as Error).message}`);
    }
    if (!isStringArray(d.source) || d.source.length === 0)
      return problems.report(file, line, '"source" must be a non-empty list of strings');
    if (!isStringArray(d.target) || d.target.length === 0)
      return problems.report(file, line, '"target" must be a non-empty list of strings');
    const labels = d.source_labels;
    if (!Array.isArray(labels) || labels.length !== d.source.length || !labels.every((x) => x === 0 || x === 1)) {
      return problems.report(file, line, `"source_labels" must be 0/1, one per source sentence (${d.source.length})`);
    }
    if (typeof d.paper_id !== 'string' || d.paper_id === '') return problems.report(file, line, 'missing "paper_id"');
    if (typeof d.title !== 'string') return problems.report(file, line, 'missing "title"');
    const row: SciTldrExample = { id: d.paper_id, title: d.title, source: d.source, sourceLabels: labels as number[], targets: d.target };
    if (Array.isArray(d.rouge_scores) && d.rouge_scores.every((x) => typeof x === 'number')) row.rougeScores = d.rouge_scores as number[];
    rows.push(row);
  });
  return problems.result(rows);
}
