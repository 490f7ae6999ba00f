/** Keys of text pairs encoded as one sequence, shared by the encoder's cache and the feature store. */

/**
 * Cache and feature-store key of a text pair encoded as one sequence: a NUL-prefixed JSON array, so
 * it never equals the pair's texts and two different pairs never share a key.
 */
export const PAIR_KEY_PREFIX = '\u0000pair\u0000';
export function pairKey(a: string, b: string): string {
  return PAIR_KEY_PREFIX + JSON.stringify([a, b]);
}
export function isPairKey(key: string): boolean {
  return key.startsWith(PAIR_KEY_PREFIX);
}
/** The texts of a {@link pairKey}. */
export function parsePairKey(key: string): [string, string] {
  if (!isPairKey(key)) throw new Error(`not a text-pair key: ${JSON.stringify(key.slice(0, 40))}`);
  return JSON.parse(key.slice(PAIR_KEY_PREFIX.length)) as [string, string];
}
