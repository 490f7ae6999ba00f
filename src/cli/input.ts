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
  let isDir: boolean;
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
 * Refuse bytes that are not text: more than 30 % of the characters NUL bytes (binary files, UTF-16
 * text: about half) or invalid UTF-8 (random bytes: most). A stray NUL or windows-1252 accent in a text file is not refused (the
 * output escapes the one, {@link decodeUtf8} warns about the other).
 */
export function refuseBinary(bytes: Uint8Array, where: string): void {
  if (bytes.length === 0) return;
  const text = lenient.decode(bytes);
  let chars = 0;
  let nul = 0;
  let invalid = 0;
  for (const ch of text) {
    chars++;
    if (ch === '\0') nul++;
    else if (ch === '\uFFFD') invalid++;
  }
  if (nul + invalid <= chars * 0.3) return;
  const reason =
    nul >= invalid
      ? `${Math.round((100 * nul) / chars)} % of its characters are NUL bytes (the first at byte ${bytes.indexOf(0)})`
      : `${Math.round((100 * invalid) / chars)} % of it is not valid UTF-8`;
  throw new UserError(
    `${where}: not a text file: ${reason}; give UTF-8 text, one input per line (UTF-16 text: convert it first, e.g. iconv -f UTF-16 -t UTF-8)`,
  );
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
