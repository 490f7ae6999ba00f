import { extname } from 'node:path';
import { DataError, ProblemCollector, resolveMode, type LoadOptions, type LoadResult } from './errors.js';
import { parseNumber, readText, splitLines } from './io.js';
import { columnIndex, parseTable } from './table.js';

export type GenericFormat = 'csv' | 'tsv' | 'jsonl';

export interface GenericOptions extends LoadOptions {
  /** Output field → source column (CSV/TSV header name or JSON key), e.g. `{ text: 'review', label: 'stars' }`. */
  columns: Record<string, string>;
  /** Format; default from the extension (.csv, .tsv/.tab, .jsonl/.ndjson). */
  format?: GenericFormat;
  /**
   * Allowed values of the `label` field: a list (kept as is) or a map from raw value to label
   * (`{ '1': 'negative', '5': 'positive' }`). A value outside it is a malformed row.
   */
  labels?: readonly string[] | Readonly<Record<string, string>>;
  /** Output fields that must be finite numbers (e.g. `['score']`); they come out as numbers. */
  numeric?: readonly string[];
  /** TSV only: honour `"` quoting (default false: quotes are literal text, as in MLQE-PE). */
  quotedTsv?: boolean;
}

export type GenericRow = Record<string, string | number>;

export function detectFormat(file: string): GenericFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new DataError(file, undefined, `cannot tell the format from extension "${ext}"; pass format: 'csv' | 'tsv' | 'jsonl'`);
}

/** Any CSV / TSV / JSONL file mapped through `columns` into flat rows. */
export function loadGeneric(file: string, options: GenericOptions): LoadResult<GenericRow> {
  const format = options.format ?? detectFormat(file);
  if (!['csv', 'tsv', 'jsonl'].includes(format)) throw new DataError(file, undefined, `unknown format "${String(format)}"`);
  const fields = Object.entries(options.columns ?? {});
  if (fields.length === 0) throw new DataError(file, undefined, 'columns mapping is empty');
  const problems = new ProblemCollector(resolveMode(options));
  const labelMap =
    options.labels === undefined
      ? undefined
      : Array.isArray(options.labels)
        ? Object.fromEntries((options.labels as string[]).map((l) => [l, l]))
        : (options.labels as Record<string, string>);
  const numeric = new Set(options.numeric ?? []);
  const rows: GenericRow[] = [];

  const convert = (get: (col: string) => unknown, line: number): void => {
    const row: GenericRow = {};
    for (const [out, col] of fields) {
      const v = get(col);
      if (v === undefined || v === null) return problems.report(file, line, `missing "${col}"`);
      if (typeof v === 'object') return problems.report(file, line, `"${col}" is not a scalar`);
      let value: string | number = typeof v === 'number' ? v : String(v);
      if (numeric.has(out)) {
        const n = typeof value === 'number' ? value : parseNumber(value);
        if (n === undefined || !Number.isFinite(n)) return problems.report(file, line, `${col} "${String(v)}" is not a number`);
        value = n;
      } else if (out === 'label' && labelMap) {
        const key = String(value).trim();
        const mapped = Object.prototype.hasOwnProperty.call(labelMap, key) ? labelMap[key] : undefined;
        if (mapped === undefined) return problems.report(file, line, `label "${key}" is not one of ${Object.keys(labelMap).join(', ')}`);
        value = mapped;
      } else if (typeof value === 'number') {
        value = String(value);
      }
      row[out] = value;
    }
    rows.push(row);
  };

  const text = readText(file).text;
  if (format === 'jsonl') {
    splitLines(text).forEach((raw, i) => {
      if (raw.trim() === '') return;
      let obj: unknown;
      try {
        obj = JSON.parse(raw);
      } catch (err) {
        return problems.report(file, i + 1, `invalid JSON: ${(err as Error).message}`);
      }
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return problems.report(file, i + 1, 'not a JSON object');
      convert((col) => (obj as Record<string, unknown>)[col], i + 1);
    });
  } else {
    const table = parseTable(text, file, {
      delimiter: format === 'csv' ? ',' : '\t',
      quoted: format === 'csv' || options.quotedTsv === true,
    });
    const idx = columnIndex(table.header, file, [...new Set(fields.map(([, c]) => c))]);
    for (const r of table.records) {
      if (r.error) problems.report(file, r.line, r.error);
      else convert((col) => r.fields[idx[col] as number], r.line);
    }
  }
  return problems.result(rows);
}
