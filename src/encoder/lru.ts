/** A small LRU map (Map keeps insertion order; a hit re-inserts the key). */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}

/** What the encoder needs from an embedding cache; keys are built by the cache from (config, text). */
export interface EmbeddingCache {
  /** Vectors for texts[i] of `indices` that are cached (copies owned by the caller). */
  lookup(texts: readonly string[], indices: readonly number[]): Map<number, Float32Array>;
  store(entries: ReadonlyArray<{ text: string; vector: Float32Array }>): void;
  close(): void;
}

/** In-memory only (browser build, or `cache: false` with a memory LRU). Keys are config + text. */
export class MemoryEmbeddingCache implements EmbeddingCache {
  private readonly lru: LruMap<string, Float32Array>;
  constructor(
    private readonly configKey: string,
    private readonly dim: number,
    entries = 10_000,
  ) {
    this.lru = new LruMap(entries);
  }

  lookup(texts: readonly string[], indices: readonly number[]): Map<number, Float32Array> {
    const out = new Map<number, Float32Array>();
    for (const i of indices) {
      const v = this.lru.get(this.configKey + '\u0000' + texts[i]);
      if (v && v.length === this.dim) out.set(i, v);
    }
    return out;
  }

  store(entries: ReadonlyArray<{ text: string; vector: Float32Array }>): void {
    for (const e of entries) this.lru.set(this.configKey + '\u0000' + e.text, e.vector.slice());
  }

  close(): void {
    this.lru.clear();
  }
}
