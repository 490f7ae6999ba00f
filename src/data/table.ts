import { parse } from 'csv-parse/sync';
import { DataError } from './errors.js';
import { splitLines } from './io.js';

export interface TableRecord {
  fields: string[];
  /** Set when the record is malformed (wrong field count, broken quoting): report it, in order. */
  error?: string;
  /** 1-based physical line where the record starts. */
  line: number;
}

export interface Table {
  header: string[];
  records: TableRecord[];
}

export interface TableOptions {
  delimiter: string;
  /** Honour CSV quoting (RFC 4180 `"…"` with `""` escapes). False: split every line on the delimiter. */
  quoted: boolean;
}

/**
 * Parse delimited text with a header line. Records whose field count differs from the header's,
 * and (quoted mode) records with broken quoting, come back with `error` set, in file order, so the
 * caller reports every problem in order (strict mode must stop at the first). Blank lines are ignored.
 */
export function parseTable(text: string, file: string, options: TableOptions): Table {
  return options.quoted ? parseQuoted(text, file, options.delimiter) : parseUnquoted(text, file, options.delimiter);
}

function headerOf(first: string[] | undefined, file: string): string[] {
  if (!first || first.length === 0 || (first.length === 1 && first[0] === '')) throw new DataError(file, 1, 'missing header line');
  return first.map((h) => h.trim());
}

function parseUnquoted(text: string, file: string, delimiter: string): Table {
  const lines = splitLines(text);
  const header = headerOf(lines[0]?.split(delimiter), file);
  const records: TableRecord[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (raw.trim() === '') continue;
    const fields = raw.split(delimiter);
    if (fields.length !== header.length)
      records.push({ fields, line: i + 1, error: `expected ${header.length} fields, found ${fields.length}` });
    else records.push({ fields, line: i + 1 });
  }
  return { header, records };
}

function parseQuoted(text: string, file: string, delimiter: string): Table {
  let parsed: { record: string[]; info: { lines: number; bytes: number }; raw: string }[];
  const skipped: { line: number; reason: string }[] = [];
  try {
    parsed = parse(text, {
      delimiter,
      // LF and CRLF end records, as splitLines counts lines; a lone CR is a character of its field
      record_delimiter: ['\r\n', '\n'],
      info: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err, raw) => {
        // err.lines is where the parser noticed the problem; report the line the record starts on
        const end = (err as { lines?: number } | undefined)?.lines ?? 0;
        const span = raw ? (raw.replace(/\r?\n$/, '').match(/\n/g)?.length ?? 0) : 0;
        skipped.push({ line: Math.max(1, end - span), reason: err?.message ?? 'malformed CSV record' });
        return undefined;
      },
    }) as unknown as typeof parsed;
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw new DataError(file, line, `CSV parse error: ${(err as Error).message}`, { cause: err });
  }
  const header = headerOf(parsed[0]?.record, file);
  const out: TableRecord[] = skipped.map((s) => ({ fields: [], line: s.line, error: `bad CSV quoting: ${s.reason}` }));
  // csv-parse's own line counter also counts a lone CR; count LFs before the record instead, as
  // splitLines and editors do (info.bytes is the byte offset where the record ends)
  const bytes = Buffer.from(text, 'utf8');
  const newlines: number[] = [];
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) newlines.push(i);
  const lineAt = (offset: number): number => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((newlines[mid] as number) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  for (let i = 1; i < parsed.length; i++) {
    const r = parsed[i] as (typeof parsed)[number];
    // raw may begin with the blank lines skipped before the record
    const start = r.info.bytes - Buffer.byteLength(r.raw.replace(/^(\r?\n)+/, ''), 'utf8');
    const line = lineAt(start);
    if (r.record.length !== header.length)
      out.push({ fields: r.record, line, error: `expected ${header.length} fields, found ${r.record.length}` });
    else out.push({ fields: r.record, line });
  }
  out.sort((a, b) => a.line - b.line);
  return { header, records: out };
}

/** Index of each required column in the header; a missing one is a DataError at line 1. */
export function columnIndex(header: string[], file: string, names: readonly string[]): Record<string, number> {
  const idx: Record<string, number> = {};
  for (const name of names) {
    const i = header.indexOf(name);
    if (i < 0) throw new DataError(file, 1, `missing column "${name}" (header has: ${header.join(', ')})`);
    idx[name] = i;
  }
  return idx;
}
