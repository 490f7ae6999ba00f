/** The caller's texts and pairs: checks, cache keys, and which of them need encoding (cache misses, first of duplicates). */

/** Throws a TypeError naming the first entry that is not a string. */
export function checkTexts(texts: readonly string[]): void {
  if (!Array.isArray(texts)) throw new TypeError(`texts must be an array of strings, got ${texts === null ? 'null' : typeof texts}`);
  for (let i = 0; i < texts.length; i++) {
    const t: unknown = texts[i];
    if (typeof t !== 'string') {
      throw new TypeError(
        `texts[${i}] is not a string (got ${t === null ? 'null' : Array.isArray(t) ? 'array' : typeof t}); every text must be a string`,
      );
    }
  }
}

/** Throws a TypeError naming the first entry that is not a [string, string] pair. */
export function checkPairs(pairs: readonly (readonly [string, string])[]): void {
  if (!Array.isArray(pairs)) throw new TypeError('pairs must be an array of [a, b] string pairs');
  pairs.forEach((p, i) => {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'string')
      throw new TypeError(`pairs[${i}] is not a [string, string] pair`);
  });
}

/** Cache keys of texts: the text itself; the rare text that starts with NUL is escaped, so none spells a pair key. */
export function textKeys(texts: readonly string[]): readonly string[] {
  return texts.some((t) => t.startsWith('\u0000')) ? texts.map((t) => (t.startsWith('\u0000') ? '\u0000text' + t : t)) : texts;
}

/**
 * The work left after the cache: `todo`, the indices of the first occurrence of each key not in `hits`
 * (in input order), and `dupes`, [index, index of its first occurrence] for the repeats.
 */
export function dedupe(keys: readonly string[], hits: ReadonlyMap<number, unknown>): { todo: number[]; dupes: [number, number][] } {
  const firstOf = new Map<string, number>();
  const dupes: [number, number][] = [];
  const todo: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    if (hits.has(i)) continue;
    const t = keys[i]!;
    const f = firstOf.get(t);
    if (f === undefined) {
      firstOf.set(t, i);
      todo.push(i);
    } else dupes.push([i, f]);
  }
  return { todo, dupes };
}
