import { readFileSync, statSync } from 'node:fs';
import { notice } from '../utils/env.js';
import { DataError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const cp1252 = new TextDecoder('windows-1252');

export interface DecodedText {
  text: string;
  /** 'utf-8', or 'windows-1252' when the bytes were not valid UTF-8 (e.g. a latin-1 `£` = 0xA3). */
  encoding: 'utf-8' | 'windows-1252';
}

/** Decode bytes as UTF-8, falling back to windows-1252 (a superset of latin-1) when invalid; strips a BOM. */
export function decodeText(bytes: Uint8Array): DecodedText {
  let text: string;
  let encoding: DecodedText['encoding'] = 'utf-8';
  try {
    text = utf8.decode(bytes);
  } catch {
    text = cp1252.decode(bytes);
    encoding = 'windows-1252';
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { text, encoding };
}

/** 1-based line of the first invalid UTF-8 sequence, or null when the bytes are valid UTF-8. */
export function firstInvalidUtf8Line(bytes: Uint8Array): number | null {
  try {
    utf8.decode(bytes);
    return null;
  } catch {
    /* find the line */
  }
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        utf8.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return 1;
}

let dataWarning: ((message: string) => void) | null = null;

/**
 * Where loaders report what they did not refuse but the user should know (a file that is not valid
 * UTF-8 and was decoded as windows-1252). By default they go to `env.logger` (silent unless the
 * application sets one). Returns the previous handler.
 */
export function setDataWarningHandler(handler: ((message: string) => void) | null): ((message: string) => void) | null {
  const prev = dataWarning;
  dataWarning = handler;
  return prev;
}

/** Read a text file (see decodeText); a missing or unreadable file is a DataError. */
export function readText(file: string): DecodedText {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(file, undefined, code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(err)})`, {
      cause: err,
    });
  }
  const decoded = decodeText(bytes);
  if (decoded.encoding !== 'utf-8') {
    (dataWarning ?? ((m: string) => notice(m, 'warn')))(
      `${file}:${firstInvalidUtf8Line(bytes) ?? 1}: not valid UTF-8 (first line affected); decoded as windows-1252`,
    );
  }
  return decoded;
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Split into physical lines (LF or CRLF); a final newline does not make an extra empty line. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Strict finite-number parsing: rejects '', 'abc', 'nan', '1.2.3', '12abc' (Number('') is 0, parseFloat('12abc') is 12). */
export function parseNumber(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const s = raw.trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}
