/**
 * Parsers of numeric option values: a bad value is a usage error (exit code 2) naming the flag and what
 * it must be, e.g. `error: --seed must be an integer, got 'x'`.
 */
import { CommanderError } from 'commander';

export function parseIntOption(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new CommanderError(2, 'mtl.invalidArgument', `error: ${flag} must be an integer, got '${value}'`);
  return n;
}

export function parsePortOption(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new CommanderError(2, 'mtl.invalidArgument', `error: ${flag} must be a port number from 0 to 65535, got '${value}'`);
  return n;
}

export function parsePositiveIntOption(flag: string, value: string): number {
  const n = parseIntOption(flag, value);
  if (n < 1) throw new CommanderError(2, 'mtl.invalidArgument', `error: ${flag} must be a positive integer, got '${value}'`);
  return n;
}

export function parsePositiveNumberOption(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new CommanderError(2, 'mtl.invalidArgument', `error: ${flag} must be a positive number (e.g. 2e-5), got '${value}'`);
  return n;
}
