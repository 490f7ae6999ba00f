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

describe('SST-2 (real files)', () => {
  it('has 6,920 train / 872 dev rows with the known first rows', () => {
    const train = loadSst2(sst2Path('train', root));
    expect(train.rows).toHaveLength(6920);
    expect(train.skipped).toBe(0);
    expect(train.rows[0]).toEqual({
      text: 'a stirring , funny and finally transporting re-imagining of beauty and the beast and 1930s horror films',
      label: 'positive',
    });
    expect(train.rows[1]).toEqual({ text: 'apparently reassembled from the cutting-room floor of any given daytime soap .', label: 'negative' });
    const dev = loadDataset({ format: 'sst2', path: sst2Path('dev', root) });
    expect(dev.rows).toHaveLength(872);
    expect(dev.rows[0]).toEqual({ text: 'one long string of cliches .', label: 'negative' });
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
    expect(en.rows[0]).toEqual({
      text: 'okay i’m sorry but TAYLOR SWIFT LOOKS NOTHING LIKE JACKIE O SO STOP COMPARING THE TWO. c’mon America aren’t you sick of her yet? (sorry)',
      label: 'negative',
      language: 'english',
      source: 'sem_eval_2017',
    });
    // third record: quoted field with "" escapes, literal \u002c commas and \" quotes
    expect(en.rows[2]?.text).toMatch(/^"Frank Gaffrey, Cliff May, Steve Emerson: Brilliant\. "/);
    expect(en.rows.some((r) => /\\u[0-9a-f]{4}/i.test(r.text))).toBe(false);
    const raw = loadXlmt(join(xlmtRoot(root), 'english'), { unescape: false, trim: false });
    expect(raw.rows[0]?.text).toBe('okay i\\u2019m sorry but TAYLOR SWIFT LOOKS NOTHING LIKE JACKIE O SO STOP COMPARING THE TWO. c\\u2019mon America aren\\u2019t you sick of her yet? (sorry) ');
    const it = loadDataset({ format: 'xlmt', path: join(xlmtRoot(root), 'italian'), split: 'train' });
    expect(it.rows.find((r) => r.text.includes('giornalisti'))?.text).toBe('@user #Grillo non ha bisogno della tv ne dei " giornalisti ", se vuoi fare le domande vai in piazza come tutti ;)');
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

  it('known first rows; z_mean by default, mean on request; ru-en uses segid', () => {
    const ende = loadMlqe(mlqePath('train', 'en-de', root));
    expect(ende.rows[0]).toEqual({
      source: 'José Ortega y Gasset visited Husserl at Freiburg in 1934.',
      translation: '1934 besuchte José Ortega y Gasset Husserl in Freiburg.',
      score: 1.1194085809023286,
      modelScore: -0.10244649648666382,
      pair: 'en-de',
      id: '0',
    });
    const ruen = loadDataset({ format: 'mlqe', path: mlqePath('dev', 'ru-en', root), target: 'mean' });
    expect(ruen.rows[0]).toEqual({
      source: 'Кто бы и знал, коли б не сам сказал.',
      translation: "Who would have known if he hadn't said it himself.",
      score: 90,
      modelScore: -0.5446469187736511,
      pair: 'ru-en',
      id: '1382',
    });
    expect(loadMlqe(mlqePath('dev', 'ru-en', root)).rows[0]?.score).toBe(0.7775900105007318);
  });

  it('keeps quote characters (a CSV parser with quoting would corrupt these rows)', () => {
    const ende = loadMlqe(mlqePath('train', 'en-de', root));
    const row18 = ende.rows.find((r) => r.id === '18');
    expect(row18?.source).toBe('"Renaissance Humanism and the Future of the Humanities."');
    expect(row18?.translation).toBe('"Renaissance Humanism and the Future of the Humanities".');
    expect(ende.rows.filter((r) => r.source.includes('"')).length).toBeGreaterThan(100);
    // the same file through a quote-aware parser: fields starting with " swallow tabs/newlines
    const text = readFileSync(mlqePath('train', 'en-de', root), 'utf8');
    const quoted = parse(text, { delimiter: '\t', relax_column_count: true, relax_quotes: true }) as string[][];
    expect(quoted[19]?.[1]).toBe('Renaissance Humanism and the Future of the Humanities.'); // quotes eaten
    expect(quoted.filter((r) => r.length !== 8).length).toBeGreaterThan(0); // tabs swallowed
  });
});

describe('SciTLDR (real files)', () => {
  it('has 1,992 train / 619 dev records with the known first ones', () => {
    const train = loadSciTldr(scitldrPath('train', root));
    expect(train.rows).toHaveLength(1992);
    const t0 = train.rows[0];
    expect(t0?.id).toBe('SysEexbRb');
    expect(t0?.title).toBe('Critical Points of Linear Neural Networks: Analytical Forms and Landscape Properties');
    expect(t0?.source).toHaveLength(6);
    expect(t0?.sourceLabels).toEqual([0, 0, 0, 0, 1, 0]);
    expect(t0?.targets).toEqual([
      'We provide necessary and sufficient analytical forms for the critical points of the square loss functions for various neural networks, and exploit the analytical forms to characterize the landscape properties for the loss functions of these neural networks.',
    ]);
    const dev = loadDataset({ format: 'scitldr', path: scitldrPath('dev', root) });
    expect(dev.rows).toHaveLength(619);
    expect(dev.rows[0]?.id).toBe('rJlnfaNYvB');
    expect(dev.rows[0]?.title).toBe('Adaptive Loss Scaling for Mixed Precision Training');
    expect(dev.rows[0]?.targets).toHaveLength(3);
    expect(dev.rows[0]?.sourceLabels).toEqual([0, 0, 0, 1, 0, 0]);
    expect(dev.rows[0]?.source[0]).toMatch(/^Mixed precision training \(MPT\) is becoming/);
    // published quirk: rouge_scores length differs from source in 63 train / 19 dev records
    expect(train.rows.filter((r) => r.rougeScores && r.rougeScores.length !== r.source.length)).toHaveLength(63);
  });
});
