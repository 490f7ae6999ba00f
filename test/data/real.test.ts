import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadDataset,
  loadMlqe,
  loadSciTldr,
  loadSst2,
  loadXlmt,
  MLQE_PAIRS,
  mlqePath,
  scitldrPath,
  sst2Path,
  XLMT_LANGUAGES,
  xlmtRoot,
} from '../../src/data/index.js';
import { datasetsDir } from '../../src/utils/paths.js';

const root = datasetsDir();

// Expected values come from the raw files in ../shared/datasets, read here with the plainest parsing
// the format allows, so no dataset text is copied into the repository.
const rawLines = (file: string) => readFileSync(file, 'utf8').split('\n');
/** The XLM-T CSV records of one file, unparsed fields as written (csv-parse, header dropped). */
const rawCsv = (file: string) => (parse(readFileSync(file, 'utf8'), { relax_quotes: true }) as string[][]).slice(1);

describe('SST-2 (real files)', () => {
  it('has 6,920 train / 872 dev rows; the first rows as the raw file has them', () => {
    const train = loadSst2(sst2Path('train', root));
    expect(train.rows).toHaveLength(6920);
    expect(train.skipped).toBe(0);
    // `LABEL SENTENCE`: 1 positive / 0 negative, one space after the label
    const sst = (line: string) => ({ text: line.slice(2), label: line[0] === '1' ? 'positive' : 'negative' });
    const trainLines = rawLines(sst2Path('train', root));
    expect(train.rows[0]).toEqual(sst(trainLines[0]!));
    expect(train.rows[1]).toEqual(sst(trainLines[1]!));
    expect([train.rows[0]?.label, train.rows[1]?.label]).toEqual(['positive', 'negative']);
    const dev = loadDataset({ format: 'sst2', path: sst2Path('dev', root) });
    expect(dev.rows).toHaveLength(872);
    expect(dev.rows[0]).toEqual(sst(rawLines(sst2Path('dev', root))[0]!));
    expect(dev.rows.filter((r) => r.label === 'positive')).toHaveLength(444);
  });
});

describe('XLM-T tweets (real files)', () => {
  it('has 1,839 train / 324 valid rows for every language, balanced labels', () => {
    for (const split of ['train', 'valid'] as const) {
      const all = loadXlmt(xlmtRoot(root), { split });
      expect(all.skipped).toBe(0);
      const n = split === 'train' ? 1839 : 324;
      expect(all.rows).toHaveLength(n * 8);
      for (const lang of XLMT_LANGUAGES) {
        const rows = all.rows.filter((r) => r.language === lang);
        expect(rows).toHaveLength(n);
        for (const label of ['negative', 'neutral', 'positive']) expect(rows.filter((r) => r.label === label)).toHaveLength(n / 3);
      }
    }
  });

  it('decodes the literal \\u2019 / \\u002c / \\" escapes and trims, first English row', () => {
    const en = loadXlmt(join(xlmtRoot(root), 'english'));
    const rawEn = rawCsv(join(xlmtRoot(root), 'english', 'train.csv'));
    // first record: \u2019 escapes in the file, a trailing space
    const first = rawEn[0]!;
    expect(first[0]).toMatch(/\\u2019.* $/);
    expect(en.rows[0]).toEqual({
      text: first[0]!.replaceAll('\\u2019', '\u2019').trim(),
      label: first[1],
      language: 'english',
      source: first[2],
    });
    // third record: quoted field with "" escapes, literal \u002c commas and \" quotes
    const third = rawEn[2]![0]!;
    expect(third).toContain('\\u002c');
    expect(third).toContain('\\"');
    expect(en.rows[2]?.text).toBe(third.replaceAll('\\u002c', ',').replaceAll('\\u2019', '\u2019').replaceAll('\\"', '"').trim());
    expect(en.rows.some((r) => /\\u[0-9a-f]{4}/i.test(r.text))).toBe(false);
    const raw = loadXlmt(join(xlmtRoot(root), 'english'), { unescape: false, trim: false });
    expect(raw.rows[0]?.text).toBe(first[0]);
    const it = loadDataset({ format: 'xlmt', path: join(xlmtRoot(root), 'italian'), split: 'train' });
    const rawIt = rawCsv(join(xlmtRoot(root), 'italian', 'train.csv')).find((r) => r[0]!.includes('\\" giornalisti'))![0]!;
    expect(it.rows.find((r) => r.text.includes('" giornalisti "'))?.text).toBe(rawIt.replaceAll('\\"', '"').trim());
    // emoticon backslashes are kept
    expect(loadXlmt(join(xlmtRoot(root), 'german')).rows.some((r) => r.text.includes('\\o/'))).toBe(true);
  });

  it('reads a subset of languages', () => {
    const r = loadDataset({ format: 'xlmt', path: xlmtRoot(root), subsets: ['french', 'hindi'], split: 'valid' });
    expect(r.rows).toHaveLength(648);
    expect(new Set(r.rows.map((x) => x.language))).toEqual(new Set(['french', 'hindi']));
    expect(() => loadXlmt(xlmtRoot(root), { languages: ['klingon'] })).toThrow(/no language folder "klingon"/);
  });
});

describe('MLQE-PE (real files)', () => {
  it('has 7,000 train / 1,000 dev rows for each of the 7 pairs', () => {
    for (const split of ['train', 'dev'] as const) {
      const r = loadMlqe(mlqePath(split, undefined, root));
      expect(r.skipped).toBe(0);
      for (const pair of MLQE_PAIRS) expect(r.rows.filter((x) => x.pair === pair)).toHaveLength(split === 'train' ? 7000 : 1000);
    }
  });

  it('first rows as the raw TSV has them; z_mean by default, mean on request; ru-en uses segid', () => {
    // TSV columns: index/segid original translation scores mean z_scores z_mean model_scores
    const tsv = (file: string) =>
      rawLines(file)
        .slice(1)
        .map((l) => l.split('\t'));
    const ende = loadMlqe(mlqePath('train', 'en-de', root));
    const e0 = tsv(mlqePath('train', 'en-de', root))[0]!;
    expect(ende.rows[0]).toEqual({
      source: e0[1],
      translation: e0[2],
      score: Number(e0[6]),
      modelScore: Number(e0[7]),
      pair: 'en-de',
      id: e0[0],
      da: Number(e0[4]),
    });
    const ruenFile = mlqePath('dev', 'ru-en', root);
    expect(rawLines(ruenFile)[0]!.startsWith('segid\t')).toBe(true);
    const r0 = tsv(ruenFile)[0]!;
    const ruen = loadDataset({ format: 'mlqe', path: ruenFile, target: 'mean' });
    expect(ruen.rows[0]).toEqual({
      source: r0[1],
      translation: r0[2],
      score: Number(r0[4]),
      modelScore: Number(r0[7]),
      pair: 'ru-en',
      id: r0[0],
      da: Number(r0[4]),
    });
    expect(Number(r0[4])).not.toBe(Number(r0[6]));
    expect(loadMlqe(ruenFile).rows[0]?.score).toBe(Number(r0[6]));
  });

  it('keeps quote characters (a CSV parser with quoting would corrupt these rows)', () => {
    const ende = loadMlqe(mlqePath('train', 'en-de', root));
    const row18 = ende.rows.find((r) => r.id === '18');
    const raw18 = rawLines(mlqePath('train', 'en-de', root))
      .find((l) => l.startsWith('18\t'))!
      .split('\t');
    expect(raw18[1]).toMatch(/^".*"$/);
    expect(row18?.source).toBe(raw18[1]);
    expect(row18?.translation).toBe(raw18[2]);
    expect(ende.rows.filter((r) => r.source.includes('"')).length).toBeGreaterThan(100);
    // the same file through a quote-aware parser: fields starting with " swallow tabs/newlines
    const text = readFileSync(mlqePath('train', 'en-de', root), 'utf8');
    const quoted = parse(text, { delimiter: '\t', relax_column_count: true, relax_quotes: true }) as string[][];
    expect(quoted[19]?.[1]).toBe(raw18[1]!.slice(1, -1)); // quotes eaten
    expect(quoted.filter((r) => r.length !== 8).length).toBeGreaterThan(0); // tabs swallowed
  });
});

describe('SciTLDR (real files)', () => {
  it('has 1,992 train / 619 dev records; the first ones as the raw JSON lines have them', () => {
    const train = loadSciTldr(scitldrPath('train', root));
    expect(train.rows).toHaveLength(1992);
    const jsonl = (file: string) =>
      rawLines(file)
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as { paper_id: string; title: string; source: string[]; source_labels: number[]; target: string[] });
    const raw0 = jsonl(scitldrPath('train', root))[0]!;
    const t0 = train.rows[0];
    expect(t0?.id).toBe(raw0.paper_id);
    expect(t0?.title).toBe(raw0.title);
    expect(t0?.source).toEqual(raw0.source);
    expect(t0?.source).toHaveLength(6);
    expect(t0?.sourceLabels).toEqual(raw0.source_labels);
    expect(t0?.sourceLabels).toEqual([0, 0, 0, 0, 1, 0]);
    expect(t0?.targets).toEqual(raw0.target);
    expect(t0?.targets).toHaveLength(1);
    const dev = loadDataset({ format: 'scitldr', path: scitldrPath('dev', root) });
    expect(dev.rows).toHaveLength(619);
    const rawDev = jsonl(scitldrPath('dev', root))[0]!;
    expect(dev.rows[0]?.id).toBe(rawDev.paper_id);
    expect(dev.rows[0]?.title).toBe(rawDev.title);
    expect(dev.rows[0]?.targets).toEqual(rawDev.target);
    expect(dev.rows[0]?.targets).toHaveLength(3);
    expect(dev.rows[0]?.sourceLabels).toEqual([0, 0, 0, 1, 0, 0]);
    expect(dev.rows[0]?.source[0]).toBe(rawDev.source[0]);
    // published quirk: rouge_scores length differs from source in 63 train / 19 dev records
    expect(train.rows.filter((r) => r.rougeScores && r.rougeScores.length !== r.source.length)).toHaveLength(63);
  });
});
