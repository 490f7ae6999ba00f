import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixture } from '../../src/generators/index.js';
import { Encoder } from '../../src/encoder/index.js';
import { CACHE_FILE } from '../../src/encoder/cache-db.js';
import { SqliteEmbeddingCache } from '../../src/encoder/cache-sqlite.js';
import { maxAbsDiff, mixedSentences } from './helpers/data.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'enc-cache-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function collect(): { warn: (m: string) => void; logs: string[] } {
  const logs: string[] = [];
  return { logs, warn: (m) => logs.push(m) };
}

describe('embedding cache through the Encoder', () => {
  it('second pass: identical vectors, no inference, no tokenization (also in a new process-like instance)', async () => {
    const dir = await ensureFixture('bert');
    const cache = { dir: join(tmp, 'c1') };
    const texts = mixedSentences(200);
    const a = await Encoder.load(dir, { device: 'cpu', cache, logger: () => undefined });
    const first = await a.encode(texts);
    expect(a.stats.runs).toBeGreaterThan(0);
    const runs = a.stats.runs;
    const tokenized = a.stats.tokenized;
    const second = await a.encode(texts);
    expect(a.stats.runs).toBe(runs);
    expect(a.stats.tokenized).toBe(tokenized);
    expect(maxAbsDiff(first.data, second.data)).toBe(0);
    await a.dispose();
    // New encoder, empty LRU: served from SQLite.
    const b = await Encoder.load(dir, { device: 'cpu', cache, logger: () => undefined });
    const progress: { cached: number }[] = [];
    const third = await b.encode(texts, { onProgress: (p) => progress.push(p) });
    expect(b.stats.runs).toBe(0);
    expect(b.stats.cacheHits).toBe(texts.length);
    expect(progress[0]!.cached).toBe(texts.length);
    expect(maxAbsDiff(first.data, third.data)).toBe(0);
    // Other settings are other keys.
    const c = await Encoder.load(dir, { device: 'cpu', cache, normalize: true, logger: () => undefined });
    await c.encode(texts.slice(0, 5));
    expect(c.stats.runs).toBeGreaterThan(0);
    await b.dispose();
    await c.dispose();
  });

  it('a changed model file invalidates', async () => {
    const src = await ensureFixture('distilbert');
    const dir = join(tmp, 'model-copy');
    cpSync(src, dir, { recursive: true });
    const cache = { dir: join(tmp, 'c2') };
    const texts = mixedSentences(30);
    const a = await Encoder.load(dir, { device: 'cpu', cache, logger: () => undefined });
    const v1 = await a.encode(texts);
    await a.dispose();
    // Replace the fp32 weights with the int8 model's graph: a different file, a different sha256.
    copyFileSync(join(src, 'onnx/model_quantized.onnx'), join(dir, 'onnx/model.onnx'));
    const b = await Encoder.load(dir, { device: 'cpu', cache, logger: () => undefined });
    expect(b.info.sha256).not.toBe(a.info.sha256);
    const v2 = await b.encode(texts);
    expect(b.stats.runs).toBeGreaterThan(0);
    expect(b.stats.cacheHits).toBe(0);
    expect(maxAbsDiff(v1.data, v2.data)).toBeGreaterThan(0);
    await b.dispose();
  });
});

describe('bad cache files are moved aside and rebuilt', () => {
  const dim = 8;
  const v = Float32Array.from({ length: dim }, (_, i) => i + 0.5);

  function roundTrip(dir: string, warn: (m: string) => void): void {
    const c = new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn });
    expect(c.lookup(['hello'], [0]).size).toBe(0);
    c.store([{ text: 'hello', vector: v }]);
    c.close();
    const d = new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn });
    expect(Array.from(d.lookup(['hello'], [0]).get(0) ?? [])).toEqual(Array.from(v));
    d.close();
  }

  it('garbage bytes', () => {
    const dir = join(tmp, 'garbage');
    rmSync(dir, { recursive: true, force: true });
    const { warn, logs } = collect();
    roundTrip(dir, warn); // creates a good one
    writeFileSync(join(dir, CACHE_FILE), Buffer.from('this is not a database at all, just some garbage bytes '.repeat(200)));
    rmSync(join(dir, CACHE_FILE + '-wal'), { force: true });
    rmSync(join(dir, CACHE_FILE + '-shm'), { force: true });
    roundTrip(dir, warn);
    expect(logs.join('\n')).toMatch(/moved it to .*\.bad-/);
    expect(readdirSync(dir).some((f) => f.includes('.bad-'))).toBe(true);
  });

  it('truncated file', () => {
    const dir = join(tmp, 'truncated');
    const { warn, logs } = collect();
    const c = new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn });
    const many = Array.from({ length: 3000 }, (_, i) => ({ text: `text ${i}`, vector: v }));
    c.store(many);
    c.close(); // checkpoints the WAL into the main file
    const size = statSync(join(dir, CACHE_FILE)).size;
    expect(size).toBeGreaterThan(8192);
    truncateSync(join(dir, CACHE_FILE), Math.floor(size / 2) + 100);
    const d = new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn });
    // Nothing wrong is ever returned: either a miss or the exact vector.
    const got = d.lookup(
      many.map((m) => m.text),
      many.map((_, i) => i),
    );
    for (const vec of got.values()) expect(Array.from(vec)).toEqual(Array.from(v));
    d.close();
    expect(logs.join('\n')).toMatch(/unreadable or not ours/);
    roundTrip(dir, warn);
  });

  it('a SQLite database with another schema', () => {
    const dir = join(tmp, 'foreign');
    rmSync(dir, { recursive: true, force: true });
    const { warn, logs } = collect();
    roundTrip(dir, warn);
    rmSync(join(dir, CACHE_FILE), { force: true });
    const db = new Database(join(dir, CACHE_FILE));
    db.exec('CREATE TABLE embeddings (key BLOB PRIMARY KEY, vec BLOB); CREATE TABLE meta (key TEXT, value TEXT);');
    db.prepare('INSERT INTO meta VALUES (?, ?)').run('schema', 'someone-else');
    db.close();
    roundTrip(dir, warn);
    expect(logs.join('\n')).toMatch(/not ours \(schema someone-else/);
  });

  it('a stored vector of the wrong length is a miss', () => {
    const dir = join(tmp, 'wrongdim');
    const { warn } = collect();
    const c = new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn });
    c.store([{ text: 'hello', vector: v }]);
    c.close();
    const db = new Database(join(dir, CACHE_FILE));
    db.prepare('UPDATE embeddings SET vec = ?').run(Buffer.alloc(5 * 4));
    db.close();
    const d = new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn });
    expect(d.lookup(['hello'], [0]).size).toBe(0);
    d.close();
    const e = new SqliteEmbeddingCache({ dir, configKey: 'k', dim: 4, warn });
    expect(e.lookup(['hello'], [0]).size).toBe(0);
    e.close();
  });
});

describe('schema migration', () => {
  it('a v1 cache (WITHOUT ROWID table) is migrated in place, keeping its vectors', () => {
    const dim = 8;
    const v = Float32Array.from({ length: dim }, (_, i) => i - 2.25);
    const dir = join(tmp, 'v1');
    const { warn, logs } = collect();
    // write through the current code, then rewrite the file into the v1 layout
    const c = new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn });
    c.store([{ text: 'kept across the migration', vector: v }]);
    c.close();
    const db = new Database(join(dir, CACHE_FILE));
    db.exec(`CREATE TABLE old (key BLOB PRIMARY KEY, text_len INTEGER NOT NULL, dim INTEGER NOT NULL, vec BLOB NOT NULL) WITHOUT ROWID;
             INSERT INTO old SELECT key, text_len, dim, vec FROM embeddings; DROP TABLE embeddings; ALTER TABLE old RENAME TO embeddings;
             UPDATE meta SET value = '1' WHERE key = 'version';`);
    db.close();
    const d = new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn });
    expect(Array.from(d.lookup(['kept across the migration'], [0]).get(0) ?? [])).toEqual(Array.from(v));
    d.close();
    expect(logs).toEqual([]); // migrated, not moved aside
    const check = new Database(join(dir, CACHE_FILE), { readonly: true });
    const sql = (check.prepare("SELECT sql FROM sqlite_master WHERE name = 'embeddings'").get() as { sql: string }).sql;
    expect(sql).not.toMatch(/WITHOUT ROWID/i);
    expect((check.prepare("SELECT value FROM meta WHERE key = 'version'").get() as { value: string }).value).toBe('2');
    check.close();
  });
});

describe('two processes', () => {
  it('write one cache concurrently without corrupting it', async () => {
    const dir = join(tmp, 'shared');
    const script = join(import.meta.dirname, 'helpers/cache-writer.ts');
    const run = (id: string) =>
      new Promise<{ written: number; readBack: number; mismatches: number }>((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', 'tsx', script, dir, id, '600'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (err += d));
        p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`writer ${id} exited ${code}: ${err}`))));
      });
    const [a, b] = await Promise.all([run('A'), run('B')]);
    for (const r of [a, b]) {
      expect(r.readBack).toBe(r.written);
      expect(r.mismatches).toBe(0);
    }
    const db = new Database(join(dir, CACHE_FILE), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    // 600 each, every third key shared: 200 shared + 2 × 400 own.
    expect((db.prepare('SELECT COUNT(*) AS n FROM embeddings').get() as { n: number }).n).toBe(1000);
    db.close();
    expect(existsSync(join(dir, CACHE_FILE))).toBe(true);
  });
});
