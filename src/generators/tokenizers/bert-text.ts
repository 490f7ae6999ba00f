/** BERT's text handling as the `BertNormalizer` and `BertPreTokenizer` of tokenizers / transformers.js do it. */

const PUNCTUATION = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const BERT_PRE_TOKENIZE = new RegExp(`[^\\s${PUNCTUATION}]+|[${PUNCTUATION}]`, 'gu');
const CONTROL = /^\p{Cc}|\p{Cf}|\p{Co}|\p{Cs}$/u;

function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

export function bertNormalize(text: string, stripAccents = true): string {
  // clean_text
  let out = '';
  for (const ch of text) {
    const cp = ch.charCodeAt(0);
    if (cp === 0 || cp === 0xfffd) continue;
    if (ch !== '\t' && ch !== '\n' && ch !== '\r' && CONTROL.test(ch)) continue;
    out += /^\s$/.test(ch) ? ' ' : ch;
  }
  // handle_chinese_chars (per UTF-16 unit, as the runtime does)
  let spaced = '';
  for (let i = 0; i < out.length; i++) {
    const ch = out[i] as string;
    spaced += isChineseChar(ch.charCodeAt(0)) ? ` ${ch} ` : ch;
  }
  // lowercase, and strip_accents (null + lowercase => strip; false => keep)
  const lower = spaced.toLowerCase();
  return stripAccents ? lower.normalize('NFD').replace(/\p{Mn}/gu, '') : lower;
}

export function bertPreTokenize(normalized: string): string[] {
  return normalized.trim().match(BERT_PRE_TOKENIZE) ?? [];
}
