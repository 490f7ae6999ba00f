import { describe, expect, it } from 'vitest';
import { bbcRoot, loadBbc, loadDataset, splitSentences, type BbcExample } from '../../src/data/index.js';
import { datasetsDir } from '../../src/utils/paths.js';

describe('BBC News Summary (real files)', () => {
  const result = loadDataset({ format: 'bbc', path: bbcRoot(datasetsDir()) });
  const rows: BbcExample[] = result.rows;

  it('has 2,004 article/summary pairs over 5 categories', () => {
    expect(rows).toHaveLength(2004);
    expect(result.skipped).toBe(0);
    const by: Record<string, number> = {};
    for (const r of rows) by[r.category] = (by[r.category] ?? 0) + 1;
    expect(by).toEqual({ business: 459, entertainment: 348, politics: 376, sport: 460, tech: 361 });
  });

  it('parses the first pair (title, body, sentences, summary sentences)', () => {
    const r = rows[0] as BbcExample;
    expect(r.id).toBe('business/001');
    expect(r.title).toBe('Ad sales boost Time Warner profit');
    expect(r.article.startsWith('Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn (£600m) for the three months to December, from $639m year-earlier.\n\nThe firm')).toBe(true);
    expect(r.sentences[0]).toBe('Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn (£600m) for the three months to December, from $639m year-earlier.');
    expect(r.summary.startsWith('TimeWarner said fourth quarter sales rose 2% to $11.1bn from $10.9bn.For the full-year')).toBe(true);
    expect(r.summarySentences.slice(0, 2)).toEqual([
      'TimeWarner said fourth quarter sales rose 2% to $11.1bn from $10.9bn.',
      'For the full-year, TimeWarner posted a profit of $3.36bn, up 27% from its 2003 performance, while revenues grew 6.4% to $42.09bn.',
    ]);
    expect(r.summarySentences).toHaveLength(8);
  });

  it('decodes the latin-1 file (sport/199: 0xA3 pound sign)', () => {
    const r = rows.find((x) => x.id === 'sport/199');
    expect(r?.article).toContain('a £15.8m signing');
    expect(rows.some((x) => x.article.includes('\uFFFD') || x.summary.includes('\uFFFD'))).toBe(false);
  });

  it('summary sentences appear in the article', () => {
    let total = 0;
    let inArticle = 0;
    let plainInArticle = 0;
    let plainTotal = 0;
    for (const r of rows) {
      for (const s of r.summarySentences) {
        total++;
        if (r.article.includes(s)) inArticle++;
      }
      if (r.category === 'business' || r.category === 'tech') {
        // the plain splitter, without the article to align on
        for (const s of splitSentences(r.summary)) {
          plainTotal++;
          if (r.article.includes(s)) plainInArticle++;
        }
      }
    }
    expect(total).toBeGreaterThan(15000);
    // 5 summary sentences in the published data differ from their article (words dropped)
    expect(inArticle / total).toBeGreaterThan(0.999);
    expect(plainInArticle / plainTotal).toBeGreaterThan(0.96);
  });

  it('reads a subset of categories', () => {
    const r = loadBbc(bbcRoot(datasetsDir()), { categories: ['tech'] });
    expect(r.rows).toHaveLength(361);
    expect(() => loadBbc(bbcRoot(datasetsDir()), { categories: ['weather'] })).toThrow(/no category folder "weather"/);
  });
});
