/**
 * At most `n` items, evenly spaced over the list (a prefix would keep only the first language pair
 * of MLQE-PE or the first BBC category). The list itself when it is short enough or `n` is unset.
 */
export function spread<T>(items: T[], n: number | undefined): T[];
export function spread<T>(items: readonly T[], n: number | undefined): readonly T[];
export function spread<T>(items: readonly T[], n: number | undefined): readonly T[] {
  if (n === undefined || items.length <= n) return items;
  const step = items.length / n;
  return Array.from({ length: n }, (_, i) => items[Math.floor(i * step)] as T);
}
