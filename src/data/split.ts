/** The deterministic train/dev hash split of a dataset that ships without a dev set (BBC). */
import { createHash } from 'node:crypto';

/**
 * Fraction in [0, 1) from a document id, for the deterministic BBC train/dev split: the first 32
 * bits of sha256(id). (FNV-1a's high bits barely change between `politics/001` … `politics/417`,
 * which put no politics article in dev.)
 */
export function idFraction(id: string): number {
  return createHash('sha256').update(id).digest().readUInt32BE(0) / 2 ** 32;
}

/** True when a document id falls in the dev part of a hash split with the given dev fraction. */
export function inDevSplit(id: string, devFraction: number): boolean {
  return idFraction(id) < devFraction;
}
