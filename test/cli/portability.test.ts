/**
 * Saved models find their encoder after the folders move (path relative to the model, or an id),
 * `predict --encoder`, and embedding-cache warnings reaching the user through predict.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { mtl } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mtl-port-'));
const train = (encoder: string, out: string, env?: Record<string, string>) =>
  mtl(
    [
      '--quiet',
      'train',
      '--config',
      'tasks/multitask.yaml',
      '--sample',
      '--tasks',
      'sentiment',
      '--encoder',
      encoder,
      '--steps',
      '5',
      '--out',
      out,
    ],
    { env },
  );

describe('saved model → encoder', () => {
  it('a model moved together with its encoder folder still predicts; moved alone it says to pass --encoder, which works', () => {
    const proj = join(tmp, 'proj');
    mkdirSync(proj);
    const fx = mtl(['fixtures', '--out', join(proj, 'enc'), '--variant', 'bert']);
    expect(fx.code, fx.stderr).toBe(0);
    const t = train(join(proj, 'enc', 'bert'), join(proj, 'model'));
    expect(t.code, t.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(proj, 'model', 'manifest.json'), 'utf8')) as {
      encoder: { path?: string; sha256: string };
    };
    expect(manifest.encoder.path).toBe('../enc/bert');
    expect(manifest.encoder.sha256).toMatch(/^[0-9a-f]{64}$/);

    const moved = join(tmp, 'moved');
    renameSync(proj, moved);
    const p = mtl(['predict', '--model', join(moved, 'model'), '--task', 'sentiment', 'a fine film']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/^(negative|positive)\t/);

    const alone = join(tmp, 'alone');
    cpSync(join(moved, 'model'), alone, { recursive: true });
    renameSync(join(moved, 'enc'), join(tmp, 'enc-elsewhere'));
    const lost = mtl(['predict', '--model', alone, '--task', 'sentiment', 'a fine film']);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toMatch(/the encoder this model was trained with is not at .* pass --encoder <idOrDir>/);
    const found = mtl(['predict', '--model', alone, '--task', 'sentiment', '--encoder', join(tmp, 'enc-elsewhere', 'bert'), 'a fine film']);
    expect(found.code, found.stderr).toBe(0);
    // a different encoder is refused by its sha256
    const wrong = mtl(['predict', '--model', alone, '--task', 'sentiment', '--encoder', 'fixture:distilbert', 'a fine film']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/encoder mismatch/);
  });

  it('a fixture encoder is recorded by id', () => {
    const out = join(tmp, 'by-id');
    expect(train('fixture:bert', out).code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { encoder: { id?: string } };
    expect(manifest.encoder.id).toBe('fixture:bert');
  });
});

describe('embedding cache warnings reach the user', () => {
  it('predict warns about corrupt cached vectors (only --quiet hides it) and still answers', () => {
    const cache = join(tmp, 'cache');
    const env = { MTL_CACHE_DIR: cache };
    const out = join(tmp, 'cache-model');
    const t = train('fixture:bert', out, env);
    expect(t.code, t.stderr).toBe(0);
    const first = mtl(['predict', '--model', out, '--task', 'sentiment', 'a fine film', 'a dull film'], { env });
    expect(first.code, first.stderr).toBe(0);
    const file = join(
      cache,
      'embeddings',
      readdirSync(join(cache, 'embeddings')).find((f) => f.endsWith('.sqlite'))!,
    );
    const db = new Database(file);
    // flip one byte in every stored vector
    const rows = db.prepare('SELECT rowid, vec FROM embeddings').all() as { rowid: number; vec: Buffer }[];
    for (const r of rows) {
      r.vec[3] = r.vec[3]! ^ 0x01;
      db.prepare('UPDATE embeddings SET vec = ? WHERE rowid = ?').run(r.vec, r.rowid);
    }
    db.close();
    const second = mtl(['predict', '--model', out, '--task', 'sentiment', 'a fine film', 'a dull film'], { env });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/mtl: warning: \[encoder\] embedding cache .*failed their checksum \(corrupt\); recomputing them/);
    expect(second.stdout).toBe(first.stdout);
    const db2 = new Database(file);
    const again = db2.prepare('SELECT rowid, vec FROM embeddings').all() as { rowid: number; vec: Buffer }[];
    for (const r of again) {
      r.vec[3] = r.vec[3]! ^ 0x01;
      db2.prepare('UPDATE embeddings SET vec = ? WHERE rowid = ?').run(r.vec, r.rowid);
    }
    db2.close();
    const quiet = mtl(['--quiet', 'predict', '--model', out, '--task', 'sentiment', 'a fine film', 'a dull film'], { env });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
  });
});
