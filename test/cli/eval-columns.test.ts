/** `mtl eval --format csv|tsv|jsonl --columns …`, and empty / header-only eval files. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseColumns } from '../../src/experiment/evaluate.js';
import { mtl } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mtl-eval-'));
const model = join(tmp, 'model');

/** The sample SST-2 dev set ("<label> <text>" lines) as rows with our own column names. */
const dev = readFileSync('fixtures/data/sentiment/dev.txt', 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => ({ review: l.slice(2), stars: l[0] === '1' ? 'positive' : 'negative' }));
const csvField = (s: string) => `"${s.replace(/"/g, '""')}"`;

describe('parseColumns', () => {
  it('parses field=column pairs and rejects malformed or unknown ones', () => {
    expect(parseColumns('text=review, label = stars', 'sentiment')).toEqual({ text: 'review', label: 'stars' });
    expect(parseColumns('text=my col')).toEqual({ text: 'my col' });
    expect(() => parseColumns('text', 'sentiment')).toThrow(/expected field=column pairs/);
    expect(() => parseColumns('text=a,text=b', 'sentiment')).toThrow(/given twice/);
    expect(() => parseColumns('txt=review', 'sentiment')).toThrow(/has no field "txt"/);
  });
});

describe('mtl eval on generic files', () => {
  beforeAll(() => {
    const r = mtl([
      '--quiet',
      'train',
      '--config',
      'tasks/multitask.yaml',
      '--sample',
      '--encoder',
      'fixture:bert',
      '--tasks',
      'sentiment',
      '--steps',
      '10',
      '--out',
      model,
    ]);
    expect(r.code, r.stderr).toBe(0);
  }, 300_000);

  it('csv, tsv and jsonl with --columns score the same rows as the SST-2 file', () => {
    const csv = join(tmp, 'dev.csv');
    writeFileSync(csv, 'id,review,stars\n' + dev.map((r, i) => `${i},${csvField(r.review)},${r.stars}`).join('\n') + '\n');
    const tsv = join(tmp, 'dev.tsv');
    writeFileSync(tsv, 'stars\treview\n' + dev.map((r) => `${r.stars}\t${r.review}`).join('\n') + '\n');
    const jsonl = join(tmp, 'dev.jsonl');
    writeFileSync(jsonl, dev.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const ref = mtl(['eval', '--model', model, '--task', 'sentiment', '--data', 'fixtures/data/sentiment/dev.txt', '--json']);
    expect(ref.code, ref.stderr).toBe(0);
    const refMetrics = (JSON.parse(ref.stdout) as { metrics: Record<string, number> }).metrics;
    for (const [file, format] of [
      [csv, 'csv'],
      [tsv, 'tsv'],
      [jsonl, 'jsonl'],
    ] as const) {
      const r = mtl([
        'eval',
        '--model',
        model,
        '--task',
        'sentiment',
        '--data',
        file,
        '--format',
        format,
        '--columns',
        'text=review,label=stars',
        '--json',
      ]);
      expect(r.code, `${format}: ${r.stderr}`).toBe(0);
      const out = JSON.parse(r.stdout) as { n: number; metrics: Record<string, number> };
      expect(out.n).toBe(dev.length);
      expect(out.metrics.accuracy).toBeCloseTo(refMetrics.accuracy!, 12);
    }
    // the README's own line: --columns without --format reads the .csv as csv (not the XLM-T layout), and says so
    const guessed = mtl(['eval', '--model', model, '--task', 'sentiment', '--data', csv, '--columns', 'text=review,label=stars', '--json']);
    expect(guessed.code, guessed.stderr).toBe(0);
    expect((JSON.parse(guessed.stdout) as { n: number }).n).toBe(dev.length);
    expect(guessed.stderr).toMatch(/dev\.csv: read as format 'csv' \(guessed from the path and --columns; --format chooses\)/);
    // without --columns: the missing column is named, with the flag that fixes it
    const r = mtl(['eval', '--model', model, '--task', 'sentiment', '--data', csv, '--format', 'csv']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dev\.csv:1: missing column "text" \(header has: id, review, stars\); .*--columns/);
  });

  it('translation-quality csv and summarization jsonl baselines', () => {
    const qe = join(tmp, 'qe.csv');
    writeFileSync(qe, 'src,mt,z\nHello world.,Hallo Welt.,0.5\nGood morning.,Guten Morgen.,0.9\nThank you.,Danke sehr sehr.,-0.2\n');
    const q = mtl([
      'eval',
      '--baseline',
      'length-ratio',
      '--task',
      'translation-quality',
      '--data',
      qe,
      '--train',
      qe,
      '--columns',
      'source=src,translation=mt,score=z',
      '--json',
    ]);
    expect(q.code, q.stderr).toBe(0);
    expect((JSON.parse(q.stdout) as { n: number }).n).toBe(3);
    const docs = join(tmp, 'docs.jsonl');
    writeFileSync(
      docs,
      JSON.stringify({ article: 'The firm grew fast. Its profits rose. Shares fell.', highlights: 'The firm grew fast.' }) + '\n',
    );
    const s = mtl([
      'eval',
      '--baseline',
      'lead1',
      '--task',
      'summarization',
      '--data',
      docs,
      '--format',
      'jsonl',
      '--columns',
      'text=article,summary=highlights',
      '--json',
    ]);
    expect(s.code, s.stderr).toBe(0);
    expect((JSON.parse(s.stdout) as { metrics: Record<string, number> }).metrics.rouge1).toBeCloseTo(100, 6);
  });

  it('an empty or header-only file is an error naming the file', () => {
    const empty = join(tmp, 'empty.txt');
    writeFileSync(empty, '');
    const header = join(tmp, 'header.csv');
    writeFileSync(header, 'review,stars\n');
    for (const [args, name] of [
      [['--data', empty], 'empty.txt'],
      [['--data', header, '--format', 'csv', '--columns', 'text=review,label=stars'], 'header.csv'],
    ] as const) {
      const r = mtl(['eval', '--model', model, '--task', 'sentiment', ...args]);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`${name}: no records \\(empty, or a header only\\); nothing to evaluate`));
    }
  });
});
