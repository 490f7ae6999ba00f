import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, loadBbc, loadDataset, loadGeneric, loadMlqe, loadSciTldr, loadSst2, loadXlmt } from '../../src/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mtl-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
};

function strictError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError');
}

describe('DataError', () => {
  it('names file, line and reason', () => {
    const e = new DataError('/x/a.tsv', 7, 'bad thing');
    expect(e.message).toBe('/x/a.tsv:7: bad thing');
    expect([e.file, e.line, e.reason]).toEqual(['/x/a.tsv', 7, 'bad thing']);
  });
  it('a missing file is a DataError', () => {
    expect(() => loadSst2(join(dir, 'nope.txt'))).toThrow(/nope\.txt: file not found/);
  });
});

describe('SST-2 malformed lines', () => {
  const p = file('sst2.txt', '1 good film\n2 what label\n0 bad film\nnospace\n0 \n1 fine\n');
  it('strict fails at the first bad line', () => {
    const e = strictError(() => loadSst2(p));
    expect(e.line).toBe(2);
    expect(e.message).toBe(`${p}:2: label "2" is not one of 0, 1`);
  });
  it('lenient skips and reports', () => {
    const r = loadSst2(p, { mode: 'lenient' });
    expect(r.rows.map((x) => x.text)).toEqual(['good film', 'bad film', 'fine']);
    expect(r.skipped).toBe(3);
    expect(r.problems.map((x) => x.line)).toEqual([2, 4, 5]);
    expect(r.problems[1]?.reason).toMatch(/no space/);
    expect(r.problems[2]?.reason).toBe('empty sentence');
  });
});

describe('XLM-T malformed records', () => {
  const p = file(
    'xlmt/english/train.csv',
    'text,label,source\n"a, quoted ""tweet""",positive,x\nmulti,negative\n"line\nbreak",neutral,x\nbad label,happy,x\nok\\u2019s,negative,x\n',
  );
  it('strict: wrong column count with its physical line', () => {
    expect(strictError(() => loadXlmt(p)).message).toBe(`${p}:3: expected 3 fields, found 2`);
  });
  it('lenient: physical lines of records (multi-line record counted right)', () => {
    const r = loadXlmt(p, { mode: 'lenient' });
    expect(r.rows.map((x) => x.text)).toEqual(['a, quoted "tweet"', 'line\nbreak', 'ok’s']);
    expect(r.rows[0]?.language).toBe('english');
    expect(r.problems).toEqual([
      { line: 3, reason: 'expected 3 fields, found 2' },
      { line: 6, reason: 'label "happy" is not one of negative, neutral, positive' },
    ]);
  });
  it('broken quoting', () => {
    const q = file('xlmt2.csv', 'text,label,source\nfine,positive,x\n"broken"quote,negative,x\n');
    expect(strictError(() => loadXlmt(q)).line).toBe(3);
    const r = loadXlmt(q, { mode: 'lenient' });
    expect(r.rows).toHaveLength(1);
    expect(r.skipped).toBeGreaterThanOrEqual(1);
    expect(r.problems[0]?.reason).toMatch(/bad CSV quoting/);
  });
  it('missing header column', () => {
    const q = file('xlmt3.csv', 'tweet,label\nfine,positive\n');
    expect(strictError(() => loadXlmt(q, { mode: 'lenient' })).message).toMatch(/:1: missing column "text"/);
  });
});

describe('MLQE-PE malformed rows', () => {
  const header = 'index\toriginal\ttranslation\tscores\tmean\tz_scores\tz_mean\tmodel_scores\n';
  const row = (id: string, z: string, extra = '') => `${id}\t"Quoted" source\tÜbersetzung "x\t[1, 2]\t1.5\t[0.1]\t${z}\t-0.5${extra}\n`;
  const p = file(
    'mlqe/dev/xx-yy.tsv',
    header + row('0', '0.25') + row('1', 'abc') + row('2', '') + row('3', '0.5', '\textra') + row('4', '-1e-3'),
  );
  it('strict: non-numeric score', () => {
    expect(strictError(() => loadMlqe(p)).message).toBe(`${p}:3: z_mean "abc" is not a number`);
  });
  it('lenient: skips non-numeric, empty, wrong column count; quotes stay literal', () => {
    const r = loadMlqe(p, { mode: 'lenient' });
    expect(r.rows.map((x) => [x.id, x.score])).toEqual([
      ['0', 0.25],
      ['4', -0.001],
    ]);
    expect(r.rows[0]).toMatchObject({ source: '"Quoted" source', translation: 'Übersetzung "x', pair: 'xx-yy', modelScore: -0.5 });
    expect(r.problems.map((x) => x.line)).toEqual([3, 4, 5]);
    expect(r.problems[2]?.reason).toBe('expected 8 fields, found 9');
    expect(loadMlqe(p, { mode: 'lenient', target: 'mean' }).rows.every((x) => x.score === 1.5)).toBe(true);
  });
  it('folder loading names the file of each problem', () => {
    const r = loadMlqe(join(dir, 'mlqe/dev'), { mode: 'lenient' });
    expect(r.problems[0]?.file).toBe(p);
  });
});

describe('SciTLDR malformed lines', () => {
  const good = JSON.stringify({
    source: ['a.', 'b.'],
    source_labels: [0, 1],
    rouge_scores: [0.1, 0.2],
    paper_id: 'p1',
    target: ['t'],
    title: 'T',
  });
  const p = file(
    'scitldr.jsonl',
    [
      good,
      '{"source": ["a."], oops',
      JSON.stringify({ source: ['a.'], source_labels: [0, 1], paper_id: 'p2', target: ['t'], title: 'T' }),
      '[1,2]',
      JSON.stringify({ source: ['a.'], source_labels: [1], paper_id: 'p3', target: [], title: 'T' }),
      good,
    ].join('\n'),
  );
  it('strict: bad JSON line', () => {
    const e = strictError(() => loadSciTldr(p));
    expect(e.line).toBe(2);
    expect(e.reason).toMatch(/^invalid JSON/);
  });
  it('lenient', () => {
    const r = loadSciTldr(p, { mode: 'lenient' });
    expect(r.rows).toHaveLength(2);
    expect(r.rows[0]).toEqual({
      id: 'p1',
      title: 'T',
      source: ['a.', 'b.'],
      sourceLabels: [0, 1],
      targets: ['t'],
      rougeScores: [0.1, 0.2],
    });
    expect(r.problems.map((x) => x.line)).toEqual([2, 3, 4, 5]);
    expect(r.problems[1]?.reason).toMatch(/source_labels/);
    expect(r.problems[3]?.reason).toMatch(/"target"/);
  });
});

describe('BBC malformed pairs', () => {
  const root = join(dir, 'bbc');
  file('bbc/News Articles/tech/001.txt', 'Title one\n\nFirst sentence here. Second one.\n\nThird para.\n');
  file('bbc/Summaries/tech/001.txt', 'Second one.First sentence here.');
  file('bbc/News Articles/tech/002.txt', 'No blank line\nBody.\n');
  file('bbc/Summaries/tech/002.txt', 'Body.');
  file('bbc/Summaries/tech/003.txt', 'Orphan summary.');
  file('bbc/News Articles/tech/004.txt', 'Caf\xe9 title\n\nBody here.\n');
  writeFileSync(join(root, 'News Articles/tech/004.txt'), Buffer.from('Caf\xe9 \xa35\n\nBody here.\n', 'latin1'));
  file('bbc/Summaries/tech/004.txt', 'Body here.');
  it('strict', () => {
    expect(strictError(() => loadBbc(root)).message).toMatch(/002\.txt:2: expected a blank line after the title/);
  });
  it('lenient', () => {
    const r = loadBbc(root, { mode: 'lenient' });
    expect(r.rows.map((x) => x.id)).toEqual(['tech/001', 'tech/004']);
    expect(r.rows[0]?.sentences).toEqual(['First sentence here.', 'Second one.', 'Third para.']);
    expect(r.rows[0]?.summarySentences).toEqual(['Second one.', 'First sentence here.']);
    expect(r.rows[1]?.title).toBe('Café £5');
    expect(r.skipped).toBe(2);
    expect(r.problems.map((x) => x.reason)).toEqual(['expected a blank line after the title, then the article', 'summary has no article']);
  });
});

describe('generic CSV / TSV / JSONL', () => {
  it('maps columns, validates labels and numbers, detects the format', () => {
    const csv = file('reviews.csv', 'id,review,stars\n1,"Great, really",5\n2,Awful,1\n3,Meh,3\n4,Odd,x\n');
    const r = loadGeneric(csv, {
      columns: { text: 'review', label: 'stars' },
      labels: { '1': 'negative', '5': 'positive' },
      mode: 'lenient',
    });
    expect(r.rows).toEqual([
      { text: 'Great, really', label: 'positive' },
      { text: 'Awful', label: 'negative' },
    ]);
    expect(r.problems).toEqual([
      { line: 4, reason: 'label "3" is not one of 1, 5' },
      { line: 5, reason: 'label "x" is not one of 1, 5' },
    ]);
    expect(strictError(() => loadGeneric(csv, { columns: { text: 'review', label: 'stars' }, labels: ['1', '5'] })).line).toBe(4);
    expect(strictError(() => loadGeneric(csv, { columns: { text: 'body' } })).message).toMatch(/:1: missing column "body"/);

    const tsv = file('scores.tsv', 'src\tscore\n"quoted\t0.5\nplain\tNaN\n');
    const t = loadDataset({ format: 'tsv', path: tsv, columns: { text: 'src', score: 'score' }, target: 'score', mode: 'lenient' });
    expect(t.rows).toEqual([{ text: '"quoted', score: 0.5 }]);
    expect(t.problems).toEqual([{ line: 3, reason: 'score "NaN" is not a number' }]);

    const jl = file('data.jsonl', '{"t":"a","y":1}\n{bad json}\n\n{"t":"b"}\n{"t":"c","y":2.5}');
    const j = loadGeneric(jl, { columns: { text: 't', score: 'y' }, numeric: ['score'], mode: 'lenient' });
    expect(j.rows).toEqual([
      { text: 'a', score: 1 },
      { text: 'c', score: 2.5 },
    ]);
    expect(j.problems.map((x) => x.line)).toEqual([2, 4]);
    expect(j.problems[1]?.reason).toBe('missing "y"');
    expect(() => loadGeneric(file('x.txt', 'a'), { columns: { text: 'a' } })).toThrow(/cannot tell the format/);
  });

  it('loadDataset validates its spec', () => {
    expect(() => loadDataset({ format: 'csv', path: 'x.csv' })).toThrow(/needs a columns mapping/);
    expect(() => loadDataset({ format: 'mlqe', path: 'x', target: 'bleu' })).toThrow(/target must be "z_mean" or "mean"/);
    expect(() => loadDataset({ format: 'parquet' as 'csv', path: 'x' })).toThrow(/unknown dataset format "parquet"/);
    expect(() => loadSst2('x', { mode: 'sloppy' as 'strict' })).toThrow(/mode must be/);
  });
});
