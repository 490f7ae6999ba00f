import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { datasetsDir } from '../utils/paths.js';
import { DataError, ProblemCollector, resolveMode, type LoadOptions, type LoadResult } from './errors.js';
import { isDirectory, readText, splitLines } from './io.js';
import { splitSentences } from './sentences.js';

export const BBC_CATEGORIES = ['business', 'entertainment', 'politics', 'sport', 'tech'] as const;

export interface BbcExample {
  /** `<category>/<NNN>`, e.g. `business/001`. */
  id: string;
  category: string;
  title: string;
  /** Article body (without the title): paragraphs joined by blank lines. */
  article: string;
  /** Body split into sentences (paragraph breaks always end a sentence). */
  sentences: string[];
  summary: string;
  /** The summary split into sentences, aligned on the article (each one is a substring of it). */
  summarySentences: string[];
}

export interface BbcOptions extends LoadOptions {
  /** Category folders to read (default every folder under `Summaries/`, sorted). */
  categories?: readonly string[];
}

export function bbcRoot(root = datasetsDir()): string {
  return join(root, 'summarization', 'bbc-news-summary');
}

/**
 * Split a BBC summary, a concatenation of article sentences often without a space after the full
 * stop, into those sentences: at each position take the longest prefix of the rest of the summary
 * that occurs verbatim in the article (it ends where the summary leaves the article: `$10.9bn.` +
 * `For`), then split that span with splitSentences (consecutive article sentences can match
 * together). Text not found in the article falls back to splitSentences.
 */
export function alignSummarySentences(summary: string, article: string): string[] {
  const out: string[] = [];
  let p = 0;
  const s = summary;
  while (p < s.length) {
    while (p < s.length && /\s/.test(s[p] as string)) p++;
    if (p >= s.length) break;
    // longest L with s.slice(p, p + L) in article (monotone, so binary search)
    let lo = 0;
    let hi = s.length - p;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (article.includes(s.slice(p, p + mid))) lo = mid;
      else hi = mid - 1;
    }
    if (lo < 8) {
      // not from the article: fall back to the splitter for the next sentence
      const rest = splitSentences(s.slice(p));
      const first = rest[0];
      if (!first) break;
      out.push(first);
      const at = s.indexOf(first, p);
      p = at >= 0 ? at + first.length : s.length;
      continue;
    }
    out.push(...splitSentences(s.slice(p, p + lo)));
    p += lo;
  }
  return out;
}

/**
 * BBC News Summary: `News Articles/<category>/NNN.txt` (title line, blank line, paragraphs) paired
 * with `Summaries/<category>/NNN.txt`. Files are UTF-8 except a few latin-1 ones (sport/199 has a
 * 0xA3 `£`), decoded as windows-1252. Malformed: a summary without its article (or the reverse),
 * an empty title, no blank line after the title, an empty body or summary.
 * @example
 * const { rows } = loadBbc('fixtures/data/summarization'); // holds News Articles/ and Summaries/
 * rows.length // 36
 * const { id, category, title, sentences, summarySentences } = rows[0];
 * [id, category, title] // ['business/001', 'business', 'Harwick Foods profits slide 35.5%']
 * [sentences.length, summarySentences.length] // [10, 5]
 */
export function loadBbc(root: string, options: BbcOptions = {}): LoadResult<BbcExample> {
  const articlesDir = join(root, 'News Articles');
  const summariesDir = join(root, 'Summaries');
  for (const d of [articlesDir, summariesDir]) if (!isDirectory(d)) throw new DataError(d, undefined, 'folder not found');
  const present = readdirSync(summariesDir)
    .filter((c) => isDirectory(join(summariesDir, c)))
    .sort();
  const categories = options.categories ?? present;
  for (const c of categories)
    if (!present.includes(c)) throw new DataError(summariesDir, undefined, `no category folder "${c}" (found: ${present.join(', ')})`);
  const problems = new ProblemCollector(resolveMode(options), true);
  const rows: BbcExample[] = [];
  for (const category of categories) {
    const summaries = readdirSync(join(summariesDir, category)).filter((f) => f.endsWith('.txt'));
    const articles = isDirectory(join(articlesDir, category))
      ? readdirSync(join(articlesDir, category)).filter((f) => f.endsWith('.txt'))
      : [];
    const articleSet = new Set(articles);
    const summarySet = new Set(summaries);
    for (const f of articles) if (!summarySet.has(f)) problems.report(join(articlesDir, category, f), 1, 'article has no summary');
    for (const f of summaries.sort()) {
      const articleFile = join(articlesDir, category, f);
      const summaryFile = join(summariesDir, category, f);
      if (!articleSet.has(f)) {
        problems.report(summaryFile, 1, 'summary has no article');
        continue;
      }
      const lines = splitLines(readText(articleFile).text);
      const title = (lines[0] ?? '').trim();
      if (title === '') {
        problems.report(articleFile, 1, 'empty title line');
        continue;
      }
      if (lines.length < 3 || (lines[1] as string).trim() !== '') {
        problems.report(articleFile, 2, 'expected a blank line after the title, then the article');
        continue;
      }
      const paragraphs = lines
        .slice(2)
        .map((l) => l.trim())
        .filter((l) => l !== '');
      if (paragraphs.length === 0) {
        problems.report(articleFile, 3, 'empty article body');
        continue;
      }
      const summary = readText(summaryFile).text.trim();
      if (summary === '') {
        problems.report(summaryFile, 1, 'empty summary');
        continue;
      }
      const article = paragraphs.join('\n\n');
      rows.push({
        id: `${category}/${f.replace(/\.txt$/, '')}`,
        category,
        title,
        article,
        sentences: splitSentences(article),
        summary,
        summarySentences: alignSummarySentences(summary, article),
      });
    }
  }
  return problems.result(rows);
}
