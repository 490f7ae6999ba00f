/**
 * Property tests: the safetensors reader, the embedding cache and the CLI's input parsing either
 * round-trip or fail with a located DataError/UserError; never another exception or a hang.
 */
import * as fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inputLines, parseInputs } from '../../src/cli/commands/predict.js';
import { CACHE_FILE } from '../../src/encoder/cache-db.js';
import { SqliteEmbeddingCache } from '../../src/encoder/cache-sqlite.js';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from '../../src/training/safetensors.js';
import { okOrLocated } from './helpers.js';
import { UserError } from '../../src/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'mtl-prop-bin-'));
let n = 0;

const tensorMap = fc
  .uniqueArray(
    fc.record({
      name: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((s) => s !== '__metadata__'),
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    }),
    { selector: (t) => t.name, maxLength: 5 },
  )
  .chain((specs) =>
    fc.tuple(
      ...specs.map((s) => {
        const count = s.shape.reduce((a, c) => a * c, 1);
        return fc
          .array(fc.float({ noNaN: true }), { minLength: count, maxLength: count })
          .map((vals) => [s.name, { shape: s.shape, data: Float32Array.from(vals) }] as [string, NamedArray]);
      }),
    ),
  )
  .map((entries) => new Map(entries));

describe('safetensors', () => {
  it('encode → decode round-trips any F32 tensors and metadata', () => {
    fc.assert(
      fc.property(
        tensorMap,
        fc.dictionary(
          fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'),
          fc.string({ maxLength: 8 }),
          { maxKeys: 3 },
        ),
        (tensors, metadata) => {
          const out = decodeSafetensors(encodeSafetensors(tensors, metadata), 'x.safetensors');
          expect(out.tensors.size).toBe(tensors.size);
          for (const [name, t] of tensors) {
            expect(out.tensors.get(name)!.shape).toEqual(t.shape);
            expect(Array.from(out.tensors.get(name)!.data)).toEqual(Array.from(t.data));
          }
          expect(out.metadata).toEqual(metadata);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('random bytes, random headers and damaged files: a DataError naming the file', () => {
    const header = fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v)));
    const framed = fc.tuple(header, fc.uint8Array({ maxLength: 64 }), fc.integer({ min: -8, max: 8 })).map(([h, data, skew]) => {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(Math.max(0, h.length + skew)));
      return Buffer.concat([len, h, data]);
    });
    const damaged = fc.tuple(tensorMap, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([t, at, byte, truncate]) => {
      const b = Buffer.from(encodeSafetensors(t));
      if (truncate) return b.subarray(0, at % (b.length + 1));
      b[at % b.length] = byte;
      return b;
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 80 }).map((u) => Buffer.from(u)),
          framed,
          damaged,
        ),
        (bytes) => {
          okOrLocated(() => decodeSafetensors(new Uint8Array(bytes), 'w.safetensors'), 'w.safetensors');
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('embedding cache', () => {
  it('any texts and vectors round-trip through SQLite (new instance, empty memory tier)', () => {
    const dim = 5;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: 'binary', maxLength: 30 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.float({ noNaN: true }), { minLength: dim * 12, maxLength: dim * 12 }),
        (texts, values) => {
          const dir = join(tmp, `cache${n++}`);
          const warn = () => undefined;
          const entries = texts.map((text, i) => ({ text, vector: Float32Array.from(values.slice(i * dim, i * dim + dim)) }));
          const a = new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn });
          a.store(entries);
          a.close();
          const b = new SqliteEmbeddingCache({ dir, configKey: 'k', dim, warn });
          const got = b.lookup(
            texts,
            texts.map((_, i) => i),
          );
          b.close();
          expect(got.size).toBe(texts.length);
          entries.forEach((e, i) => expect(Array.from(got.get(i)!)).toEqual(Array.from(e.vector)));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a cache file of random bytes is moved aside, never read as vectors and never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => {
        const dir = join(tmp, `garbage${n++}`);
        const logs: string[] = [];
        const warn = (m: string) => logs.push(m);
        new SqliteEmbeddingCache({ dir, configKey: 'k', dim: 3, warn }).close();
        writeFileSync(join(dir, CACHE_FILE), bytes);
        const c = new SqliteEmbeddingCache({ dir, configKey: 'k', dim: 3, warn });
        expect(c.lookup(['x'], [0]).size).toBe(0);
        c.store([{ text: 'x', vector: Float32Array.of(1, 2, 3) }]);
        expect(Array.from(c.lookup(['x'], [0]).get(0)!)).toEqual([1, 2, 3]);
        c.close();
      }),
      { numRuns: 30 },
    );
  });
});

describe('CLI input parsing (predict)', () => {
  const tasks = ['sentiment', 'translation-quality', 'summarization'];
  it("random bytes: inputs with the file's own line numbers, a UserError at where:line, or the file refused as not text", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((u) => Buffer.from(u)),
          fc
            .string({
              unit: fc.constantFrom('{', '}', '[', ']', '"', 'sentences', 'text', ':', ',', '\t', '\n', '\r\n', ' ', 'a', '.'),
              maxLength: 80,
            })
            .map((s) => Buffer.from(s)),
        ),
        fc.constantFrom(...tasks),
        (bytes, task) => {
          let entries: ReturnType<typeof inputLines>;
          try {
            entries = inputLines(bytes, 'in.txt');
          } catch (err) {
            // mostly NUL bytes or invalid UTF-8: refused as a whole file, naming it
            expect(err).toBeInstanceOf(UserError);
            expect((err as Error).message).toMatch(/^in\.txt: not a text file: /);
            return;
          }
          const physical = bytes.toString('utf8').split(/\r?\n/);
          for (const e of entries) expect(physical[e.line - 1]).toBe(e.text);
          const parsed = okOrLocated(() => parseInputs(task, entries, 'in.txt'), 'in.txt:');
          if (parsed) expect(parsed).toHaveLength(entries.length);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('translation-quality lines round-trip', () => {
    const cell = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 20 })
      .map((s) => s.replace(/[\t\r\n]/g, ' '))
      .filter((s) => s.trim() !== '');
    fc.assert(
      fc.property(
        fc.array(fc.record({ source: cell, translation: cell }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(3), { minLength: 10, maxLength: 10 }),
        (pairs, blanks) => {
          const lines: string[] = [];
          pairs.forEach((p, i) => {
            for (let b = 0; b < blanks[i]!; b++) lines.push('');
            lines.push(`${p.source}\t${p.translation}`);
          });
          const entries = inputLines(Buffer.from(lines.join('\n')), 'qe.tsv');
          expect(parseInputs('translation-quality', entries, 'qe.tsv')).toEqual(pairs);
          expect(entries.map((e) => lines[e.line - 1])).toEqual(pairs.map((p) => `${p.source}\t${p.translation}`));
        },
      ),
      { numRuns: 200 },
    );
  });
});
