/**
 * Reading the CLI's input files: one error wording for a missing path, a directory or an unreadable
 * file (every command), and UTF-8 decoding that reports invalid bytes instead of hiding them.
 */
import { readFileSync, statSync } from 'node:fs';
import { firstInvalidUtf8Line } from '../data/io.js';
import { UserError } from '../errors.js';
import { escapeControlKeepLines } from '../utils/text.js';
import type { GlobalOptions } from './global-options.js';

/** The bytes of an input file, or a one-line UserError naming the path. */
export function readInputFile(path: string): Buffer {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${path}: file not found` : `${path}: cannot read (${code ?? String(err)})`, { cause: err });
  }
  if (isDir) throw new UserError(`${path}: is a directory, not a file`);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UserError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
}

const lenient = new TextDecoder('utf-8');

export { firstInvalidUtf8Line };

/**
 * Refuse bytes that are not text: any NUL byte (binary files, UTF-16 text) or more than a tenth of the
 * characters invalid UTF-8 (a stray windows-1252 accent is warned about by {@link decodeUtf8} instead).
 */
export function refuseBinary(bytes: Uint8Array, where: string): void {
  const nul = bytes.indexOf(0);
  let reason: string | null = null;
  if (nul >= 0) reason = `it holds NUL bytes (the first at byte ${nul})`;
  else if (firstInvalidUtf8Line(bytes) !== null) {
    const text = lenient.decode(bytes);
    let replaced = 0;
    for (const ch of text) if (ch === '\uFFFD') replaced++;
    const chars = [...text].length;
    if (replaced > chars / 10) reason = `${Math.round((100 * replaced) / chars)} % of it is not valid UTF-8`;
  }
  if (reason !== null) {
    throw new UserError(
      `${where}: not a text file: ${reason}; give UTF-8 text, one input per line (UTF-16 text: convert it first, e.g. iconv -f UTF-16 -t UTF-8)`,
    );
  }
}

/**
 * Decode as UTF-8; invalid bytes become U+FFFD and are reported once with the first line affected.
 * Bytes that are not text at all ({@link refuseBinary}) are refused.
 */
export function decodeUtf8(bytes: Uint8Array, where: string, warn: (message: string) => void): string {
  refuseBinary(bytes, where);
  const bad = firstInvalidUtf8Line(bytes);
  if (bad !== null) warn(`${where}:${bad}: invalid UTF-8 (bytes replaced with U+FFFD); first affected line`);
  return lenient.decode(bytes);
}

/** A warning for the user on stderr (hidden by --quiet). */
export function warnUser(global: GlobalOptions, message: string): void {
  if (!global.quiet) process.stderr.write(`mtl: warning: ${escapeControlKeepLines(message)}\n`);
}
