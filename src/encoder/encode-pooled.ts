/**
 * The pooled path shared by `encode` and `encodePairs`: cache lookup, de-duplication by cache key,
 * progress, batches on the session (encode-run.ts), pooling, and storing the new vectors in the cache.
 */
import { throwIfAborted } from '../utils/progress.js';
import type { EncodeOptions, EncodeResult, EncoderInfo } from './types.js';
import type { EncodeRun, Tokenize } from './encode-run.js';
import type { EmbeddingCache } from './lru.js';
import { dedupe } from './inputs.js';
import { poolBatch } from './pooling.js';

/** What the pooled path reads from the encoder. */
export interface PooledTarget {
  run: EncodeRun;
  info: EncoderInfo;
  pooledOutput: string;
  cache: EmbeddingCache | null;
  stats: { cacheHits: number };
}

/** One vector per key (`keys[i]` is the cache key of item i, tokenized with `tokenize`), in input order. */
export async function encodePooled(
  t: PooledTarget,
  keys: readonly string[],
  tokenize: Tokenize,
  options: EncodeOptions,
): Promise<EncodeResult> {
  throwIfAborted(options.signal);
  const started = Date.now();
  const n = keys.length;
  const d = t.info.dim;
  const data = new Float32Array(n * d);
  if (n === 0) return { dims: [0, d], data };

  // Cache, then duplicates: each distinct uncached key is encoded once.
  const all = Array.from({ length: n }, (_, i) => i);
  const cache = t.cache;
  const hits = cache ? cache.lookup(keys, all) : new Map<number, Float32Array>();
  for (const [i, v] of hits) data.set(v, i * d);
  t.stats.cacheHits += hits.size;
  const { todo, dupes } = dedupe(keys, hits);
  let done = hits.size;
  const report = () => {
    const elapsedMs = Date.now() - started;
    const fresh = done - hits.size;
    options.onProgress?.({
      phase: 'encode',
      done,
      total: n,
      cached: hits.size,
      elapsedMs,
      etaMs: fresh > 0 ? (elapsedMs / fresh) * (n - done) : 0,
    });
  };
  report();

  await t.run.batches(todo, t.pooledOutput, tokenize, (items, { output, seq, mask }) => {
    throwIfAborted(options.signal);
    const rows = items.length;
    const pooled = poolBatch(output, t.pooledOutput, t.info.pooling, t.info.normalize, mask, rows, seq, d);
    const entries: { text: string; vector: Float32Array }[] = [];
    for (let r = 0; r < rows; r++) {
      const v = pooled.subarray(r * d, r * d + d);
      data.set(v, items[r]!.index * d);
      if (cache) entries.push({ text: keys[items[r]!.index]!, vector: v });
    }
    cache?.store(entries);
    done += rows;
    report();
  });
  for (const [i, f] of dupes) data.copyWithin(i * d, f * d, f * d + d);
  if (dupes.length) {
    done += dupes.length;
    report();
  }
  return { dims: [n, d], data };
}
