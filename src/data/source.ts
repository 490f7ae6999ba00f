/**
 * Where one split of a task's data comes from (the `data` / `sample` entries of a task YAML), and
 * the helpers the tasks' loaders share for the generic CSV/TSV/JSONL formats.
 */
import { z } from 'zod';
import { DataError, type LoadResult } from './errors.js';
import { loadGeneric, type GenericRow } from './generic.js';

/** Where one split of a task's data comes from; `path` is relative to the data root. */
export const DataSourceSchema = z
  .object({
    format: z.enum(['sst2', 'xlmt', 'mlqe', 'bbc', 'scitldr', 'csv', 'tsv', 'jsonl']),
    path: z.string().min(1),
    /** xlmt: languages (folders); mlqe: language pairs (files). */
    languages: z.array(z.string()).optional(),
    pairs: z.array(z.string()).optional(),
    /** mlqe: the target column (default z_mean). */
    target: z.string().optional(),
    /** generic formats: field name in the file for each field the task needs. */
    columns: z.record(z.string(), z.string()).optional(),
    /** bbc has no dev split: a deterministic hash split of the documents. */
    split: z.object({ part: z.enum(['train', 'dev']), devFraction: z.number().gt(0).lt(1) }).optional(),
    /** Use at most this many examples (deterministic prefix after loading). */
    limit: z.number().int().positive().optional(),
    mode: z.enum(['strict', 'lenient']).default('strict'),
  })
  .strict();
export type DataSource = z.infer<typeof DataSourceSchema>;

/** True for the generic formats, which need a `columns` mapping. */
export function isGenericFormat(format: DataSource['format']): format is 'csv' | 'tsv' | 'jsonl' {
  return format === 'csv' || format === 'tsv' || format === 'jsonl';
}

/** Rows of a generic (csv/tsv/jsonl) source through its `columns` mapping; `numeric` names a field parsed as a number. */
export function genericSourceRows(path: string, source: DataSource, numeric?: string): LoadResult<GenericRow> {
  if (!source.columns) throw new DataError(path, undefined, `format "${source.format}" needs a columns mapping`);
  return loadGeneric(path, {
    mode: source.mode,
    format: source.format as 'csv' | 'tsv' | 'jsonl',
    columns: source.columns,
    ...(numeric ? { numeric: [numeric] } : {}),
  });
}

/** A field the task needs from a generic row (a DataError naming the row when the mapping lacks it). */
export function requireField(row: GenericRow, field: string, path: string, i: number): string | number {
  const v = row[field];
  if (v === undefined) throw new DataError(path, undefined, `row ${i + 1}: no "${field}" field (columns mapping must provide it)`);
  return v;
}
