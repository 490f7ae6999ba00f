import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

  // Expected values come from the raw files in ../shared/datasets (no dataset text in the repository).
  const raw = (dir: 'News Articles' | 'Summaries', id: string) => readFileSync(join(bbcRoot(datasetsDir()), dir, `${id}.txt`));

  it('parses the first pair (title, body, sentences, summary sentences) as the raw files have them', () => {
    const r = rows[0] as BbcExample;
    expect(r.id).toBe('business/001');
    // article: title line, blank line, paragraphs separated by blank lines
    const [title, blank, ...rest] = raw('News Articles', 'business/001').toString('utf8').split('\n');
    expect(blank).toBe('');
    const paragraphs = rest
      .join('\n')
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter(Boolean);
    expect(r.title).toBe(title!.trim());
    expect(r.article.startsWith(`${paragraphs[0]}\n\n${paragraphs[1]!.slice(0, 8)}`)).toBe(true);
    // this article's first paragraph is one sentence
    expect(paragraphs[0]).not.toMatch(/[.!?]\s+[A-Z]/);
    expect(r.sentences[0]).toBe(paragraphs[0]);
    // summary: article sentences glued together, here without a space after the first full stop
    const summary = raw('Summaries', 'business/001').toString('utf8').trim();
    expect(r.summary.startsWith(summary.slice(0, 80))).toBe(true);
    const glue = summary.search(/\.(?=[A-Z])/);
    expect(glue).toBeGreaterThan(0);
    expect(r.summarySentences[0]).toBe(summary.slice(0, glue + 1));
    expect(summary.slice(glue + 1).startsWith(r.summarySentences[1]!)).toBe(true);
    expect(r.summarySentences[1]!.length).toBeGreaterThan(40);
    for (const s of r.summarySentences.slice(0, 2)) expect(r.article).toContain(s);
    expect(r.summarySentences).toHaveLength(8);
  });

  it('decodes the latin-1 file (sport/199: 0xA3 pound sign)', () => {
    const r = rows.find((x) => x.id === 'sport/199');
    const bytes = raw('News Articles', 'sport/199');
    const at = bytes.indexOf(0xa3);
    expect(at).toBeGreaterThan(0);
    expect(r?.article).toContain(bytes.subarray(at - 2, at + 8).toString('latin1'));
    expect(r?.article).toContain('£');
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
