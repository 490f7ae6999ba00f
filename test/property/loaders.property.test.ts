/**
 * Property tests for every loader: random and adversarial bytes either load or fail with a
 * DataError naming the file (and a real line); valid rows written in each format round-trip.
 */
import * as fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBbc, loadGeneric, loadMlqe, loadSciTldr, loadSst2, loadXlmt, XLMT_LABELS } from '../../src/data/index.js';
import { lineCount, okOrLocated } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mtl-prop-data-'));
let n = 0;
const fresh = (ext: string) => join(tmp, `f${n++}${ext}`);

/** Text made of the characters that matter to the parsers, plus any code point. */
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      ',',
      '"',
      '\t',
      '\n',
      '\r',
      '\r\n',
      ' ',
      '\\',
      '{',
      '}',
      '[',
      ']',
      ':',
      '0',
      '1',
      'positive',
      'negative',
      'neutral',
      '\uFEFF',
      '\u0000',
      '\u2028',
      'e',
      '-',
      '.',
    ),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 200,
});
const content = fc.oneof(
  nasty.map((s) => Buffer.from(s, 'utf8')),
  fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
  fc
    .tuple(
      fc.constantFrom('text,label,source\n', 'index\toriginal\ttranslation\tz_mean\tmodel_scores\n', 'text,label\n', 'text\tlabel\n', ''),
      nasty,
    )
    .map(([h, s]) => Buffer.from(h + s, 'utf8')),
);
/** A single-line value: no line breaks, trimmed, not empty, any code point otherwise. */
const lineText = fc
  .string({ unit: 'binary', minLength: 1, maxLength: 40 })
  .map((s) => s.replace(/[\r\n\u0085\u2028\u2029]/g, ' ').trim())
  .filter((s) => s !== '');
const runs = { numRuns: 150 };

describe('adversarial input: rows or a located DataError, nothing else', () => {
  const loaders: [string, string, (f: string, mode: 'strict' | 'lenient') => unknown][] = [
    ['sst2', '.txt', (f, mode) => loadSst2(f, { mode })],
    ['xlmt', '.csv', (f, mode) => loadXlmt(f, { mode })],
    ['mlqe', '.tsv', (f, mode) => loadMlqe(f, { mode })],
    ['scitldr', '.jsonl', (f, mode) => loadSciTldr(f, { mode })],
    ['csv', '.csv', (f, mode) => loadGeneric(f, { mode, columns: { text: 'text', label: 'label' } })],
    ['tsv', '.tsv', (f, mode) => loadGeneric(f, { mode, columns: { text: 'text', label: 'label' }, numeric: [] })],
    ['jsonl', '.jsonl', (f, mode) => loadGeneric(f, { mode, columns: { text: 'text', score: 'score' }, numeric: ['score'] })],
  ];
  for (const [name, ext, load] of loaders) {
    it(name, () => {
      fc.assert(
        fc.property(content, fc.constantFrom('strict', 'lenient') as fc.Arbitrary<'strict' | 'lenient'>, (bytes, mode) => {
          const f = fresh(ext);
          writeFileSync(f, bytes);
          okOrLocated(() => load(f, mode), f, lineCount(bytes));
        }),
        runs,
      );
    });
  }

  it('bbc folders with random article and summary bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(content, content, fc.boolean()), { minLength: 1, maxLength: 3 }), (docs) => {
        const root = join(tmp, `bbc${n++}`);
        docs.forEach(([a, s, withSummary], i) => {
          const id = String(i + 1).padStart(3, '0');
          mkdirSync(join(root, 'News Articles', 'tech'), { recursive: true });
          mkdirSync(join(root, 'Summaries', 'tech'), { recursive: true });
          writeFileSync(join(root, 'News Articles', 'tech', `${id}.txt`), a);
          if (withSummary) writeFileSync(join(root, 'Summaries', 'tech', `${id}.txt`), s);
        });
        okOrLocated(() => loadBbc(root, { mode: 'lenient' }), root);
        okOrLocated(() => loadBbc(root), root);
        rmSync(root, { recursive: true, force: true });
      }),
      { numRuns: 60 },
    );
  });
});

describe('valid rows round-trip', () => {
  it('sst2', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ label: fc.constantFrom('negative', 'positive'), text: lineText }), { minLength: 1, maxLength: 20 }),
        (rows) => {
          const f = fresh('.txt');
          writeFileSync(f, rows.map((r) => `${r.label === 'positive' ? 1 : 0} ${r.text}`).join('\n') + '\n');
          expect(loadSst2(f).rows).toEqual(rows);
        },
      ),
      runs,
    );
  });

  it('xlmt csv (RFC 4180 quoting)', () => {
    const text = lineText.filter((s) => !s.includes('\\'));
    fc.assert(
      fc.property(fc.array(fc.record({ text, label: fc.constantFrom(...XLMT_LABELS) }), { minLength: 1, maxLength: 20 }), (rows) => {
        const dir = join(tmp, `xlmt${n++}`, 'english');
        mkdirSync(dir, { recursive: true });
        const f = join(dir, 'train.csv');
        writeFileSync(f, 'text,label,source\n' + rows.map((r) => `"${r.text.replace(/"/g, '""')}",${r.label},web`).join('\n') + '\n');
        expect(loadXlmt(f).rows).toEqual(rows.map((r) => ({ ...r, language: 'english', source: 'web' })));
      }),
      runs,
    );
  });

  it('mlqe tsv', () => {
    const cell = lineText.map((s) => s.replace(/\t/g, ' ').trim()).filter((s) => s !== '');
    const num = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((x) => (Object.is(x, -0) ? 0 : x));
    fc.assert(
      fc.property(
        fc.array(fc.record({ source: cell, translation: cell, score: num, modelScore: num }), { minLength: 1, maxLength: 20 }),
        (rows) => {
          const f = join(tmp, `en-de-${n++}.tsv`);
          writeFileSync(
            f,
            'index\toriginal\ttranslation\tscores\tmean\tz_scores\tz_mean\tmodel_scores\n' +
              rows.map((r, i) => `${i}\t${r.source}\t${r.translation}\t[]\t0\t[]\t${r.score}\t${r.modelScore}`).join('\n') +
              '\n',
          );
          const got = loadMlqe(f).rows;
          expect(got.map((r) => ({ source: r.source, translation: r.translation, score: r.score, modelScore: r.modelScore }))).toEqual(
            rows,
          );
        },
      ),
      runs,
    );
  });

  it('scitldr jsonl', () => {
    const str = fc.string({ unit: 'binary', minLength: 1, maxLength: 30 });
    const doc = fc
      .record({
        paper_id: str,
        title: fc.string({ unit: 'binary', maxLength: 20 }),
        source: fc.array(str, { minLength: 1, maxLength: 5 }),
        target: fc.array(str, { minLength: 1, maxLength: 3 }),
      })
      .map((d) => ({ ...d, source_labels: d.source.map((_, i) => i % 2) }));
    fc.assert(
      fc.property(fc.array(doc, { minLength: 1, maxLength: 10 }), (docs) => {
        const f = fresh('.jsonl');
        writeFileSync(f, docs.map((d) => JSON.stringify(d)).join('\n'));
        expect(loadSciTldr(f).rows).toEqual(
          docs.map((d) => ({ id: d.paper_id, title: d.title, source: d.source, sourceLabels: d.source_labels, targets: d.target })),
        );
      }),
      runs,
    );
  });

  it('generic csv (any text, quotes, commas and line breaks inside fields), tsv and jsonl', () => {
    const anyText = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.startsWith('\uFEFF'));
    fc.assert(
      fc.property(
        fc.array(fc.record({ text: anyText, label: lineText.filter((s) => !s.startsWith('\uFEFF')) }), { minLength: 1, maxLength: 15 }),
        (rows) => {
          const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
          const csv = fresh('.csv');
          writeFileSync(csv, 'label,text\n' + rows.map((r) => `${q(r.label)},${q(r.text)}`).join('\n') + '\n');
          expect(loadGeneric(csv, { columns: { text: 'text', label: 'label' } }).rows).toEqual(rows);
          const jsonl = fresh('.jsonl');
          writeFileSync(jsonl, rows.map((r) => JSON.stringify({ review: r.text, stars: r.label })).join('\n') + '\n');
          expect(loadGeneric(jsonl, { columns: { text: 'review', label: 'stars' } }).rows).toEqual(rows);
          const tsvRows = rows.map((r) => ({
            text: r.text.replace(/[\t\r\n\u0085\u2028\u2029]/g, ' '),
            label: r.label.replace(/\t/g, ' '),
          }));
          const tsv = fresh('.tsv');
          writeFileSync(tsv, 'text\tlabel\n' + tsvRows.map((r) => `${r.text}\t${r.label}`).join('\n') + '\n');
          const got = okOrLocated(() => loadGeneric(tsv, { columns: { text: 'text', label: 'label' } }).rows, tsv);
          // a row of only whitespace is a blank line to the TSV reader; everything else round-trips
          if (got) expect(got).toEqual(tsvRows);
          else expect(tsvRows.some((r) => (r.text + r.label).trim() === '' || r.text === '')).toBe(true);
        },
      ),
      runs,
    );
  });
});
