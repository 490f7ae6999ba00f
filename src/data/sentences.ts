/**
 * Sentence splitting: natural's SentenceTokenizer, with pre/post-processing for what it gets wrong.
 *
 * natural splits at every `.`, `?`, `!` and `…` that is not part of a small number or a URI, so
 * on its own it breaks `U.S.`, `e.g.`, `Mr.`, `$10.9bn` and `Amazon.com`. Before calling it we
 * protect dots that do not end a sentence (swap them for private-use characters and swap back
 * after):
 * - decimals and digit groups (`3.5`, `$10.9bn`);
 * - initialisms (`U.S.`, `e.g.`, `i.e.`, `a.m.`); the final dot does end a sentence when a
 *   common sentence opener follows (`... in the U.S. The ...`), except after `e.g.`/`i.e.`;
 * - dots inside words (`bbc.co.uk`, `Amazon.com`);
 * - titles and other abbreviations (`Mr.`, `Dr.`, `St.`, `vs.`, `No. 1`, `Jan. 5`, `Inc.` when the
 *   sentence goes on);
 * - initials before a name (`John F. Kennedy`);
 * - any `.`, `?`, `!` (optionally with a closing quote) followed by a lowercase word
 *   (`"Why?" he asked`, `etc. and`).
 *
 * Sentences joined without a space (the BBC summaries: `...$10.9bn.For the full-year...`) are split
 * because natural does not need the space; a quote right after the join (`...year."We`) is given to
 * the sentence it belongs to by counting the `"` before it (even = it opens the next sentence).
 * Lines are split first: a line break always ends a sentence.
 */
import SentenceTokenizer from 'natural/lib/natural/tokenizers/sentence_tokenizer.js';

const DOT = '\uE000';
const QMARK = '\uE001';
const BANG = '\uE002';
const ELLIPSIS = '\uE003';

const TITLES = [
  'Mr',
  'Mrs',
  'Ms',
  'Messrs',
  'Dr',
  'Prof',
  'St',
  'Mt',
  'Jr',
  'Sr',
  'Gen',
  'Col',
  'Lt',
  'Capt',
  'Sgt',
  'Cpl',
  'Maj',
  'Gov',
  'Sen',
  'Rep',
  'Rev',
  'Hon',
  'Fr',
  'Supt',
  'Insp',
  'Det',
  'Cllr',
  'vs',
  'Vs',
  'cf',
  'viz',
  'approx',
  'Approx',
  'Fig',
  'fig',
  'Eq',
  'eq',
  'Ref',
  'ref',
  'Vol',
  'vol',
  'pp',
  'ca',
];
const BEFORE_NUMBER = [
  'No',
  'no',
  'Nos',
  'Art',
  'art',
  'Sec',
  'sec',
  'Ch',
  'ch',
  'p',
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Sept',
  'Oct',
  'Nov',
  'Dec',
];
/** Abbreviations that may end a sentence: protected only when the sentence visibly goes on. */
const CONDITIONAL = [
  'etc',
  'Inc',
  'Ltd',
  'Co',
  'Corp',
  'Bros',
  'Plc',
  'plc',
  'al',
  'Ave',
  'Rd',
  'Jan',
  'Feb',
  'Aug',
  'Sept',
  'Oct',
  'Nov',
  'Dec',
];
const NEVER_FINAL = new Set(['e.g.', 'i.e.', 'E.g.', 'I.e.', 'cf.', 'viz.']);
/** Words that typically open a sentence: after `U.S.`/`A.D.` they mean the dot did end one. */
const OPENERS = new Set(
  'The A An He She It They We I You This That These Those There Here His Her Its Their Our My But And Or So Yet However Meanwhile In On At As If When While After Before Since Although Though Mr Mrs Ms Dr Some Many Most Other Others Now Then Also Still Even Only What Why How Who Where For With From By To Last Next One Two'.split(
    ' ',
  ),
);

const words = (list: readonly string[]) => list.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
const TITLE_RE = new RegExp(`(^|[^\\p{L}\\p{N}_])(${words(TITLES)})\\.`, 'gu');
const NUMBER_ABBR_RE = new RegExp(`(^|[^\\p{L}\\p{N}_])(${words(BEFORE_NUMBER)})\\.(?=\\s*\\d)`, 'gu');
const CONDITIONAL_RE = new RegExp(`(^|[^\\p{L}\\p{N}_])(${words(CONDITIONAL)})\\.(?=\\s*[\\p{Ll}\\p{N},;:)])`, 'gu');

let tokenizer: SentenceTokenizer | undefined;

function protectRun(run: string): string {
  return run.replaceAll('.', DOT).replaceAll('?', QMARK).replaceAll('!', BANG).replaceAll('…', ELLIPSIS);
}

function protectDots(text: string): string {
  let t = text;
  // lowercase word / punctuation after the delimiter (with optional closing quote): not a boundary
  t = t.replace(/([.?!…]+)(["'”’)\]]?\s+)(?=[\p{Ll}])/gu, (_m, p: string, rest: string) => protectRun(p) + rest);
  // sentence punctuation before , ; : is not a boundary ("Yahoo!, Google")
  t = t.replace(/([.?!…]+)(["'”’]?)(?=\s*[,;:])/g, (_m, p: string, q: string) => protectRun(p) + q);
  // decimals / digit groups
  t = t.replace(/(\d)\.(?=\d)/g, `$1${DOT}`);
  // initialisms: U.S., e.g., a.m., S.T.A.L.K.E.R.
  // (the final dot may already be protected by the lowercase-word rule above: `U.K. and`)
  t = t.replace(/(^|[^\p{L}\p{N}_.\uE000])((?:\p{L}[.\uE000]){2,})/gu, (_m, pre: string, abbr: string, offset: number, whole: string) => {
    const after = whole.slice(offset + _m.length);
    const next = /^\s+(\p{L}+)/u.exec(after);
    const last = abbr.slice(-1);
    const plain = abbr.replaceAll(DOT, '.');
    const endsSentence =
      last === '.' &&
      !NEVER_FINAL.has(plain) &&
      (after.trim() === '' || (next !== null && OPENERS.has(next[1] as string)) || /^["'”’)\]]?\s*$/.test(after));
    const inner = abbr.slice(0, -1).replaceAll('.', DOT);
    return pre + inner + (endsSentence ? '.' : DOT);
  });
  // dots inside words / domains: bbc.co.uk, Amazon.com, Web2.0-style
  t = t.replace(/(?<=[\p{Ll}\p{N}])\.(?=[\p{Ll}])/gu, DOT);
  // titles, numbered abbreviations, conditional abbreviations
  t = t.replace(TITLE_RE, `$1$2${DOT}`);
  t = t.replace(NUMBER_ABBR_RE, `$1$2${DOT}`);
  t = t.replace(CONDITIONAL_RE, `$1$2${DOT}`);
  // initials before a name: "John F. Kennedy", "J. K. Rowling"
  t = t.replace(/(^|[\s(])(\p{Lu})\.(?=\s*\p{Lu})/gu, (m, pre: string, letter: string, offset: number, whole: string) => {
    const before = whole.slice(0, offset + pre.length);
    const prevWord = /(\S+)\s*$/u.exec(before)?.[1] ?? '';
    const isName = prevWord === '' || /^\p{Lu}[\p{L}'’-]*$/u.test(prevWord) || /^\p{Lu}[.\uE000]$/u.test(prevWord);
    return isName && prevWord !== '' ? `${pre}${letter}${DOT}` : m;
  });
  return t;
}

type QuoteKind = 'open' | 'close' | 'unknown';

function quoteKind(s: string, i: number): QuoteKind {
  const prev = s[i - 1] ?? '';
  const next = s[i + 1] ?? '';
  const prevSpace = prev === '' || /[\s([{\u2014-]/.test(prev);
  const nextSpace = next === '' || /[\s,.;:?!)\]}\uE000-\uE003]/.test(next);
  if (prevSpace && !nextSpace) return 'open';
  if (!prevSpace && nextSpace) return 'close';
  return 'unknown';
}

/** Quote balance of a segment: opens minus closes. */
function quoteBalance(s: string, from: number, to: number): { balance: number; count: number } {
  let balance = 0;
  let count = 0;
  for (let i = from; i < to; i++) {
    if (s[i] !== '"') continue;
    count++;
    const k = quoteKind(s, i);
    if (k === 'open') balance++;
    else if (k === 'close') balance--;
  }
  return { balance, count };
}

/**
 * `...year."We` (sentences joined without a space): decide whether the quote closes the sentence
 * before or opens the one after, and put a space on the right side. The sentence before holding an
 * unclosed opening quote means it closes; the sentence after holding an unopened closing quote
 * (`...," he said`) means it opens; otherwise an odd number of quotes before means it closes.
 */
function separateJoinedQuotes(text: string): string {
  let out = text;
  const re = /[.?!…]"(?=[^\s",;:.?!)])/g;
  // left to right, so that an earlier decision (a space inserted) informs the next one
  for (let m = re.exec(out); m; m = re.exec(out)) {
    const q = m.index + 1;
    let start = q - 1;
    while (start > 0 && !/[.?!…]/.test(out[start - 1] as string)) start--;
    let end = q + 1;
    while (end < out.length && !/[.?!…]/.test(out[end] as string)) end++;
    const before = quoteBalance(out, start, q);
    const after = quoteBalance(out, q + 1, end);
    let opens: boolean;
    if (before.balance > 0) opens = false;
    else if (after.balance < 0) opens = true;
    else if (after.balance > 0) opens = false;
    else opens = before.count % 2 === 0;
    out = opens ? `${out.slice(0, q)} ${out.slice(q)}` : `${out.slice(0, q + 1)} ${out.slice(q + 1)}`;
    re.lastIndex = q + 2;
  }
  return out;
}

function restore(s: string): string {
  return s.replaceAll(DOT, '.').replaceAll(QMARK, '?').replaceAll(BANG, '!').replaceAll(ELLIPSIS, '…');
}

/** Split one line (no line breaks) into sentences. */
function splitLine(line: string): string[] {
  tokenizer ??= new SentenceTokenizer([], true);
  const prepared = separateJoinedQuotes(protectDots(line));
  return tokenizer
    .tokenize(prepared)
    .map((s) => restore(s).trim())
    .filter((s) => s !== '');
}

/**
 * Split text into sentences. Every line break ends a sentence (paragraphs, one-sentence lines);
 * within a line, natural's SentenceTokenizer with the fixes described above.
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    out.push(...splitLine(line));
  }
  return out;
}
