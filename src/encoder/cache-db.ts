/**
 * The embedding cache's SQLite file: better-sqlite3 loaded when installed, the schema created or
 * validated (v1 files migrated), row checksums, and files that are not ours moved aside (the newest
 * few kept). The cache itself (LRU in front, lookups and stores) is cache-sqlite.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { UserError } from '../errors.js';

export const CACHE_FILE = 'embeddings.sqlite';
const SCHEMA_NAME = 'mtl-nlp-embedding-cache';
const SCHEMA_VERSION = '2';
/**
 * A rowid table: in v1's WITHOUT ROWID table each ~1.5 KB vector row spilled onto its own overflow
 * page, which made the file about 3x the size of the vectors.
 */
const CREATE_EMBEDDINGS = (name: string) =>
  `CREATE TABLE IF NOT EXISTS ${name} (key BLOB NOT NULL UNIQUE, text_len INTEGER NOT NULL, dim INTEGER NOT NULL, vec BLOB NOT NULL)`;

export type Db = Database.Database;

let sqlite: typeof Database | null | undefined;
/**
 * better-sqlite3, loaded on first use: an optional dependency (a native module; the app decides
 * whether to install it). Null when it is not installed.
 */
export function loadSqlite(): typeof Database | null {
  if (sqlite === undefined) {
    try {
      sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof Database;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
      sqlite = null;
    }
  }
  return sqlite;
}

class BadCacheFile extends Error {}

export function isCorruption(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return (
    err instanceof BadCacheFile ||
    code === 'SQLITE_NOTADB' ||
    code.startsWith('SQLITE_CORRUPT') ||
    /file is not a database|malformed|corrupt/i.test(String((err as Error)?.message))
  );
}

function initOrValidate(db: Db): void {
  db.pragma('busy_timeout = 10000');
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (String(mode).toLowerCase() !== 'wal') db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
  if (tables.length === 0) {
    db.transaction(() => {
      db.exec(
        `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         ${CREATE_EMBEDDINGS('embeddings')};`,
      );
      const ins = db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)');
      ins.run('schema', SCHEMA_NAME);
      ins.run('version', SCHEMA_VERSION);
      ins.run('float', 'float32le');
    }).immediate();
  }
  const meta = (() => {
    try {
      return new Map((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    } catch (err) {
      if (isCorruption(err)) throw err;
      throw new BadCacheFile(`no meta table (${(err as Error).message})`);
    }
  })();
  if (meta.get('schema') === SCHEMA_NAME && meta.get('version') === '1') {
    migrateV1(db);
    meta.set('version', SCHEMA_VERSION);
  }
  if (meta.get('schema') !== SCHEMA_NAME || meta.get('version') !== SCHEMA_VERSION) {
    throw new BadCacheFile(
      `schema ${meta.get('schema') ?? '(none)'} v${meta.get('version') ?? '?'}, expected ${SCHEMA_NAME} v${SCHEMA_VERSION}`,
    );
  }
  const cols = (db.prepare('PRAGMA table_info(embeddings)').all() as { name: string }[]).map((c) => c.name).join(',');
  if (cols !== 'key,text_len,dim,vec') throw new BadCacheFile(`embeddings table has columns ${cols || '(none)'}`);
  const check = db.pragma('quick_check', { simple: true });
  if (check !== 'ok') throw new BadCacheFile(`quick_check: ${String(check)}`);
}

/** v1 → v2: copy the rows into a rowid table (same columns), then reclaim the space. */
function migrateV1(db: Db): void {
  const migrated = db
    .transaction(() => {
      // re-read under the write lock: another process may have migrated while we waited
      const v = (db.prepare("SELECT value FROM meta WHERE key = 'version'").get() as { value: string } | undefined)?.value;
      if (v !== '1') return false;
      db.exec(
        `${CREATE_EMBEDDINGS('embeddings_v2')};
         INSERT OR IGNORE INTO embeddings_v2 (key, text_len, dim, vec) SELECT key, text_len, dim, vec FROM embeddings;
         DROP TABLE embeddings;
         ALTER TABLE embeddings_v2 RENAME TO embeddings;`,
      );
      db.prepare("UPDATE meta SET value = ? WHERE key = 'version'").run(SCHEMA_VERSION);
      return true;
    })
    .immediate();
  if (migrated) db.exec('VACUUM');
}

/** Opens (creating if needed) the cache DB; a bad file is moved aside and replaced. */
export function openCacheDb(dir: string, warn: (msg: string) => void): Db {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, CACHE_FILE);
  for (let attempt = 0; ; attempt++) {
    let db: Db | undefined;
    try {
      const Sqlite = loadSqlite();
      if (!Sqlite) throw new UserError('the persistent embedding cache needs better-sqlite3 (npm install better-sqlite3)');
      db = new Sqlite(path, { timeout: 10000 });
      initOrValidate(db);
      return db;
    } catch (err) {
      try {
        db?.close();
      } catch {
        /* ignore */
      }
      if (!isCorruption(err) || attempt >= 2) throw err;
      moveAside(path, warn, (err as Error).message);
    }
  }
}

/** How many moved-aside cache files (`embeddings.sqlite.bad-*`) are kept; older ones are deleted. */
export const KEEP_BAD_FILES = 3;
export const CHECKSUM_BYTES = 8;

/** The checksum stored after a row's vector: sha256(key ‖ vector bytes), first 8 bytes. */
export function rowChecksum(key: Uint8Array, vec: Uint8Array): Buffer {
  return createHash('sha256').update(key).update(vec).digest().subarray(0, CHECKSUM_BYTES);
}

/** Delete all but the newest `keep` moved-aside copies of the cache file (with their -wal/-shm). */
export function rotateBadFiles(path: string, keep = KEEP_BAD_FILES): void {
  const dir = join(path, '..');
  const base = path.slice(dir.length + 1) + '.bad-';
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(base) && !n.endsWith('-wal') && !n.endsWith('-shm'));
  } catch {
    return;
  }
  // names embed an ISO timestamp: lexical order is age order
  names.sort();
  for (const n of names.slice(0, Math.max(0, names.length - keep))) {
    for (const ext of ['', '-wal', '-shm']) rmSync(join(dir, n + ext), { force: true });
  }
}

export function moveAside(path: string, warn: (msg: string) => void, why: string): void {
  const aside = `${path}.bad-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
  try {
    if (existsSync(path)) renameSync(path, aside);
  } catch {
    /* another process moved it first */
  }
  for (const ext of ['-wal', '-shm']) {
    try {
      if (existsSync(path + ext)) renameSync(path + ext, aside + ext);
    } catch {
      /* ignore */
    }
  }
  rotateBadFiles(path);
  warn(`[encoder] embedding cache ${path} is unreadable or not ours (${why}); moved it to ${aside} and started a new one`);
}
