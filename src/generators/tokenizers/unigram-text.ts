/** The Unigram tokenizer's text: NFKC normalization, Metaspace words ("▁"-prefixed), and character classes. */

export const SPACE = '\u2581';
const SPACE_CP = 0x2581;

/** The normalizer written to tokenizer.json: NFKC, then runs of spaces collapsed to one. */
export function unigramNormalize(text: string): string {
  return text.normalize('NFKC').replace(/ {2,}/g, ' ');
}

/** Metaspace pre-tokenization, split into "▁"-prefixed words. */
export function metaspaceWords(normalized: string): string[] {
  let s = normalized.replaceAll(' ', SPACE);
  if (s.length === 0) return [];
  if (!s.startsWith(SPACE)) s = SPACE + s;
  const out: string[] = [];
  let start = 0;
  for (let i = 1; i < s.length; i++) {
    if (s[i] === SPACE) {
      out.push(s.slice(start, i));
      start = i;
    }
  }
  out.push(s.slice(start));
  return out;
}

const LETTER = /[\p{L}\p{M}]/u;
const NUMBER = /\p{N}/u;
/** 0: "▁", 1: letter or mark, 2: digit, 3: anything else. */
export function charClass(cp: number): number {
  if (cp === SPACE_CP) return 0;
  const ch = String.fromCodePoint(cp);
  if (LETTER.test(ch)) return 1;
  if (NUMBER.test(ch)) return 2;
  return 3;
}
