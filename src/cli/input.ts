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

/** Decode as UTF-8; invalid bytes become U+FFFD and are reported once with the first line affected. */
export function decodeUtf8(bytes: Uint8Array, where: string, warn: (message: string) => void): string {
  const bad = firstInvalidUtf8Line(bytes);
  if (bad !== null) warn(`${where}:${bad}: invalid UTF-8 (bytes replaced with U+FFFD); first affected line`);
  return lenient.decode(bytes);
}

/** A warning for the user on stderr (hidden by --quiet). */
export function warnUser(global: GlobalOptions, message: string): void {
  if (!global.quiet) process.stderr.write(`mtl: warning: ${escapeControlKeepLines(message)}\n`);
}
