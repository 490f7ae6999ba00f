/**
 * Malformed-data handling shared by every loader.
 *
 * - `strict` (the default): the first malformed record throws a DataError naming the file, the
 *   1-based physical line where the record starts, and the reason.
 * - `lenient`: malformed records are skipped; the result counts them and lists each problem.
 *
 * A label outside a loader's label map is always malformed (never a silent new class).
 */
import { UserError } from '../errors.js';

export type LoadMode = 'strict' | 'lenient';

export interface LoadOptions {
  mode?: LoadMode;
}

export interface Problem {
  /** 1-based physical line where the record starts (0 when the problem is not tied to a line). */
  line: number;
  reason: string;
  /** Set when a loader reads several files. */
  file?: string;
}

export interface LoadResult<T> {
  rows: T[];
  /** Number of malformed records skipped (always 0 in strict mode). */
  skipped: number;
  problems: Problem[];
}

export class DataError extends UserError {
  override name = 'DataError';
  readonly file: string;
  /** 1-based physical line, or undefined for a problem with the whole file. */
  readonly line: number | undefined;
  readonly reason: string;

  constructor(file: string, line: number | undefined, reason: string, options?: { cause?: unknown }) {
    super(line === undefined ? `${file}: ${reason}` : `${file}:${line}: ${reason}`, options);
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}

/** Collects row problems: throws at the first one in strict mode, records it in lenient mode. */
export class ProblemCollector {
  readonly problems: Problem[] = [];
  constructor(
    readonly mode: LoadMode,
    private readonly multiFile = false,
  ) {
    if (mode !== 'strict' && mode !== 'lenient') throw new UserError(`mode must be "strict" or "lenient", got ${JSON.stringify(mode)}`);
  }

  report(file: string, line: number, reason: string): void {
    if (this.mode === 'strict') throw new DataError(file, line, reason);
    this.problems.push(this.multiFile ? { line, reason, file } : { line, reason });
  }

  result<T>(rows: T[]): LoadResult<T> {
    return { rows, skipped: this.problems.length, problems: this.problems };
  }
}

export function resolveMode(options: LoadOptions | undefined): LoadMode {
  return options?.mode ?? 'strict';
}
