import fc from 'fast-check';
import { expect } from 'vitest';
import { DataError } from '../../src/data/errors.js';
import { UserError } from '../../src/errors.js';

// One seed for every run (CI must not pass or fail by luck); FC_SEED=<n> explores other inputs, and a
// failure prints the seed and path that replay it.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261130) });

/**
 * Run `fn`; when it throws, the error must be a DataError/UserError whose message starts with the
 * location `where` (a file path, `stdin`, …), and a DataError's line (if any) must be a real line.
 */
export function okOrLocated<T>(fn: () => T, where: string, maxLine = Number.MAX_SAFE_INTEGER): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof UserError)) throw new Error(`uncaught ${(err as Error)?.name}: ${(err as Error)?.message}`, { cause: err });
    expect(err.message.startsWith(where), err.message).toBe(true);
    if (err instanceof DataError && err.line !== undefined) {
      expect(
        Number.isInteger(err.line) && err.line >= 1 && err.line <= maxLine,
        `${err.message} (line ${err.line}, file has ${maxLine})`,
      ).toBe(true);
    }
    return undefined;
  }
}

/** Number of physical lines a loader could name (LF-separated, +1 for a final partial line). */
export function lineCount(bytes: Uint8Array | string): number {
  const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  let n = 1;
  for (const x of b) if (x === 0x0a) n++;
  return n;
}
