/**
 * Persistent embedding cache: SQLite (better-sqlite3, WAL, busy_timeout) behind an in-memory LRU.
 *
 * Key: sha256(config key + NUL + text) where the config key holds the model file's sha256, the tokenizer
 * files' sha256, dtype, pooling, normalisation and maxLength; the row also stores the text length and
 * the dimension. A row whose vector length ≠ dim (or text length differs) is a miss.
 *
 * A cache file that is not ours (garbage bytes, truncated, another schema) is moved aside with a warning
 * and rebuilt; it is never read as vectors. The newest few moved-aside files are kept, older ones
 * deleted.
 *
 * Every row's vector carries a checksum: the stored blob is the float32 bytes followed by the first 8
 * bytes of sha256(key, vector bytes). A row whose checksum does not match (bytes changed on disk, a row
 * under the wrong key) is treated like a corrupt cache: a warning, and the vector is recomputed and
 * rewritten. Rows written before checksums (blob of exactly dim × 4 bytes) are recomputed once too.
 * The file itself (schema, checksums, moving bad files aside) is cache-db.ts.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { CACHE_FILE, CHECKSUM_BYTES, isCorruption, moveAside, openCacheDb, rowChecksum, type Db } from './cache-db.js';
import { LruMap, type EmbeddingCache } from './lru.js';

export interface SqliteCacheOptions {
  dir: string;
  configKey: string;
  dim: number;
  memoryEntries?: number;
  warn: (msg: string) => void;
}

export class SqliteEmbeddingCache implements EmbeddingCache {
  private db: Db | null;
  private get!: Database.Statement;
  private put!: Database.Statement;
  private readonly lru: LruMap<string, Float32Array>;
  private readonly prefix: Buffer;
  private failures = 0;

  constructor(private readonly opts: SqliteCacheOptions) {
    this.lru = new LruMap(opts.memoryEntries ?? 10_000);
    this.prefix = Buffer.from(opts.configKey + '\u0000', 'utf8');
    this.db = openCacheDb(opts.dir, opts.warn);
    this.prepare();
  }

  private prepare(): void {
    if (!this.db) return;
    this.get = this.db.prepare('SELECT text_len, dim, vec FROM embeddings WHERE key = ?');
    this.put = this.db.prepare('INSERT OR REPLACE INTO embeddings (key, text_len, dim, vec) VALUES (?, ?, ?, ?)');
  }

  private key(text: string): Buffer {
    return createHash('sha256').update(this.prefix).update(text, 'utf8').digest();
  }

  /** Runs a DB operation; on corruption rebuilds the file once, on other errors disables the disk tier. */
  private guard<T>(what: string, fn: () => T, fallback: T): T {
    if (!this.db) return fallback;
    try {
      return fn();
    } catch (err) {
      this.failures++;
      try {
        this.db.close();
      } catch {
        /* ignore */
      }
      this.db = null;
      if (isCorruption(err) && this.failures <= 1) {
        moveAside(join(this.opts.dir, CACHE_FILE), this.opts.warn, (err as Error).message);
        try {
          this.db = openCacheDb(this.opts.dir, this.opts.warn);
          this.prepare();
          return fn();
        } catch (err2) {
          this.db = null;
          this.opts.warn(`[encoder] embedding cache disabled for this session (${what}: ${(err2 as Error).message})`);
          return fallback;
        }
      }
      this.opts.warn(`[encoder] embedding cache disabled for this session (${what}: ${(err as Error).message})`);
      return fallback;
    }
  }

  lookup(texts: readonly string[], indices: readonly number[]): Map<number, Float32Array> {
    const out = new Map<number, Float32Array>();
    const misses: { i: number; hex: string; key: Buffer }[] = [];
    for (const i of indices) {
      const text = texts[i]!;
      const key = this.key(text);
      const hex = key.toString('hex');
      const v = this.lru.get(hex);
      if (v) out.set(i, v.slice());
      else misses.push({ i, hex, key });
    }
    if (misses.length && this.db) {
      const dim = this.opts.dim;
      this.guard(
        'read',
        () =>
          this.db!.transaction(() => {
            let corrupt = 0;
            for (const m of misses) {
              const row = this.get.get(m.key) as { text_len: number; dim: number; vec: Buffer } | undefined;
              if (!row || row.dim !== dim || row.text_len !== texts[m.i]!.length) continue;
              if (row.vec.byteLength !== dim * 4 + CHECKSUM_BYTES) {
                if (row.vec.byteLength !== dim * 4) corrupt++; // dim × 4 alone: a row from before checksums
                continue;
              }
              const bytes = row.vec.subarray(0, dim * 4);
              if (!rowChecksum(m.key, bytes).equals(row.vec.subarray(dim * 4))) {
                corrupt++;
                continue;
              }
              const vec = new Float32Array(dim);
              new Uint8Array(vec.buffer).set(bytes);
              this.lru.set(m.hex, vec);
              out.set(m.i, vec.slice());
            }
            if (corrupt > 0) {
              this.opts.warn(
                `[encoder] embedding cache ${join(this.opts.dir, CACHE_FILE)}: ${corrupt} stored vector${corrupt === 1 ? '' : 's'} failed ${corrupt === 1 ? 'its' : 'their'} checksum (corrupt); recomputing ${corrupt === 1 ? 'it' : 'them'}`,
              );
            }
          })(),
        undefined,
      );
    }
    return out;
  }

  store(entries: ReadonlyArray<{ text: string; vector: Float32Array }>): void {
    if (!entries.length) return;
    const rows = entries.map((e) => ({ key: this.key(e.text), text: e.text, vector: e.vector.slice() }));
    for (const r of rows) this.lru.set(r.key.toString('hex'), r.vector);
    this.guard(
      'write',
      () =>
        this.db!.transaction(() => {
          for (const r of rows) {
            const bytes = Buffer.from(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength);
            this.put.run(r.key, r.text.length, r.vector.length, Buffer.concat([bytes, rowChecksum(r.key, bytes)]));
          }
        }).immediate(),
      undefined,
    );
  }

  close(): void {
    try {
      this.db?.close();
    } catch {
      /* ignore */
    }
    this.db = null;
    this.lru.clear();
  }
}
