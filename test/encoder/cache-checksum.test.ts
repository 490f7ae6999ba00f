/** Per-row checksums in the embedding cache, and rotation of moved-aside cache files. */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CACHE_FILE, KEEP_BAD_FILES } from '../../src/encoder/cache-db.js';
import { SqliteEmbeddingCache } from '../../src/encoder/cache-sqlite.js';

const tmp = mkdtempSync(join(tmpdir(), 'enc-cache-sum-'));
const dim = 6;
const v = Float32Array.from({ length: dim }, (_, i) => i * 0.5 - 1);

function collect(): { warn: (m: string) => void; logs: string[] } {
  const logs: string[] = [];
  return { logs, warn: (m) => logs.push(m) };
}

function editRow(dir: string, fn: (vec: Buffer) => Buffer): void {
  const db = new Database(join(dir, CACHE_FILE));
  const row = db.prepare('SELECT key, vec FROM embeddings').get() as { key: Buffer; vec: Buffer };
  db.prepare('UPDATE embeddings SET vec = ? WHERE key = ?').run(fn(Buffer.from(row.vec)), row.key);
  db.close();
}

describe('cache row checksums', () => {
  it('a vector whose bytes changed on disk is not served: a warning, a miss, then a good row again', () => {
    const dir = join(tmp, 'flip');
    const { warn, logs } = collect();
    const c = new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn });
    c.store([{ text: 'hello', vector: v }]);
    c.close();
    editRow(dir, (vec) => {
      vec[5] = vec[5]! ^ 0x40; // one bit of the second float: still a plausible number
      return vec;
    });
    const d = new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn });
    expect(d.lookup(['hello'], [0]).size).toBe(0);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/embeddings\.sqlite: 1 stored vector failed its checksum \(corrupt\); recomputing it/);
    d.store([{ text: 'hello', vector: v }]); // what the encoder does after a miss
    d.close();
    const e = new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn });
    expect(Array.from(e.lookup(['hello'], [0]).get(0) ?? [])).toEqual(Array.from(v));
    e.close();
    expect(logs).toHaveLength(1);
  });

  it('a row moved under another key fails its checksum', () => {
    const dir = join(tmp, 'swap');
    const { warn, logs } = collect();
    const c = new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn });
    c.store([
      { text: 'aaaa', vector: v },
      { text: 'bbbb', vector: v.map((x) => x + 1) },
    ]);
    c.close();
    const db = new Database(join(dir, CACHE_FILE));
    const rows = db.prepare('SELECT key, vec FROM embeddings ORDER BY rowid').all() as { key: Buffer; vec: Buffer }[];
    db.prepare('UPDATE embeddings SET vec = ? WHERE key = ?').run(rows[1]!.vec, rows[0]!.key);
    db.close();
    const d = new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn });
    const got = d.lookup(['aaaa', 'bbbb'], [0, 1]);
    expect(got.has(0)).toBe(false);
    expect(got.has(1)).toBe(true);
    expect(logs.join('\n')).toMatch(/failed its checksum/);
    d.close();
  });

  it('a row written before checksums (dim × 4 bytes) is recomputed silently', () => {
    const dir = join(tmp, 'legacy');
    const { warn, logs } = collect();
    const c = new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn });
    c.store([{ text: 'old', vector: v }]);
    c.close();
    editRow(dir, (vec) => vec.subarray(0, dim * 4));
    const d = new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn });
    expect(d.lookup(['old'], [0]).size).toBe(0);
    d.close();
    expect(logs).toEqual([]);
  });
});

describe('moved-aside cache files', () => {
  it(`only the newest ${KEEP_BAD_FILES} are kept`, () => {
    const dir = join(tmp, 'rotate');
    const { warn } = collect();
    new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn }).close();
    for (let i = 0; i < 5; i++) {
      writeFileSync(join(dir, `${CACHE_FILE}.bad-2020-01-0${i + 1}T00-00-00-000Z-1`), 'old');
      writeFileSync(join(dir, `${CACHE_FILE}.bad-2020-01-0${i + 1}T00-00-00-000Z-1-wal`), 'old');
    }
    writeFileSync(join(dir, CACHE_FILE), 'this is not a database, it is garbage text that fills a page '.repeat(100));
    new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn }).close();
    const bad = readdirSync(dir)
      .filter((n) => n.includes('.bad-') && !/-(wal|shm)$/.test(n))
      .sort();
    expect(bad).toHaveLength(KEEP_BAD_FILES);
    expect(bad[0]).toContain('2020-01-04');
    expect(bad.at(-1)).not.toContain('2020-01');
    expect(readdirSync(dir).filter((n) => n.endsWith('-wal') && n.includes('2020-01-0'))).toHaveLength(2);
  });
});
