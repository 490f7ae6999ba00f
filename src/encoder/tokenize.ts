/**
 * Tokenization with truncation that keeps the special tokens, as HF's Python tokenizers do.
 *
 * transformers.js (4.3.2) truncates *after* adding specials: `{ truncation: true, max_length: 16 }`
 * on a long text returns 16 ids ending in a word piece, with no final [SEP] / </s>. So we tokenize the
 * content without specials, cut it to maxLength − (number of specials), and wrap it in the specials
 * that the tokenizer's own post-processor adds (found by probing it once: [CLS] … [SEP] for BERT-style,
 * <s> … </s> for XLM-R-style, nothing for tokenizers without a post-processor).
 */

/** What we use of a transformers.js PreTrainedTokenizer. */
export interface HFTokenizerLike {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  readonly pad_token_id?: number | null;
  readonly model_max_length?: number;
}

export interface SpecialLayout {
  prefix: number[];
  suffix: number[];
}

/** Finds the ids the post-processor puts before and after a single sequence. */
export function probeSpecialLayout(tok: HFTokenizerLike): SpecialLayout {
  for (const probe of ['a', 'hello', 'x y', '1', 'the']) {
    const content = tok.encode(probe, { add_special_tokens: false });
    const full = tok.encode(probe, { add_special_tokens: true });
    if (content.length === 0) continue;
    for (let k = 0; k + content.length <= full.length; k++) {
      let match = true;
      for (let j = 0; j < content.length; j++) {
        if (full[k + j] !== content[j]) {
          match = false;
          break;
        }
      }
      if (match) return { prefix: full.slice(0, k), suffix: full.slice(k + content.length) };
    }
  }
  throw new Error('cannot determine where the tokenizer puts its special tokens (post-processor output does not contain the content ids)');
}

const toWellFormed: (s: string) => string =
  typeof (String.prototype as { toWellFormed?: () => string }).toWellFormed === 'function'
    ? (s) => (s as unknown as { toWellFormed: () => string }).toWellFormed()
    : (s) => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

const WS = /\s/;

/**
 * Cuts `text` to at most `limit` UTF-16 units, preferably at a whitespace boundary in the second half
 * (so every word before the cut tokenizes exactly as in the whole text). Never splits a surrogate pair.
 */
export function cutText(text: string, limit: number): { text: string; atWhitespace: boolean } {
  if (text.length <= limit) return { text, atWhitespace: true };
  for (let i = limit; i >= limit >> 1; i--) {
    if (WS.test(text[i]!)) return { text: text.slice(0, i), atWhitespace: true };
  }
  let end = limit;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return { text: text.slice(0, end), atWhitespace: false };
}

export interface TokenizerOptions {
  maxLength: number;
  /** Characters per allowed token before the raw string is pre-cut (default 20). */
  charsPerToken?: number;
}

export class TruncatingTokenizer {
  readonly layout: SpecialLayout;
  readonly padId: number;
  readonly maxLength: number;
  private readonly keep: number;
  private readonly charsPerToken: number;

  constructor(
    readonly tokenizer: HFTokenizerLike,
    opts: TokenizerOptions,
  ) {
    this.layout = probeSpecialLayout(tokenizer);
    this.maxLength = opts.maxLength;
    this.keep = opts.maxLength - this.layout.prefix.length - this.layout.suffix.length;
    if (this.keep < 1) {
      throw new Error(`maxLength ${opts.maxLength} leaves no room for text after ${this.layout.prefix.length + this.layout.suffix.length} special tokens`);
    }
    this.padId = typeof tokenizer.pad_token_id === 'number' ? tokenizer.pad_token_id : 0;
    this.charsPerToken = opts.charsPerToken ?? 20;
  }

  /** Number of special tokens added around a text. */
  get specialCount(): number {
    return this.layout.prefix.length + this.layout.suffix.length;
  }

  /** Content ids of `text` (no specials), at most `keep` of them; pre-cuts very long strings. */
  contentIds(text: string): number[] {
    let src = toWellFormed(text);
    let limit = this.keep * this.charsPerToken + 64;
    let ids: number[];
    for (;;) {
      if (src.length <= limit) {
        ids = this.tokenizer.encode(src, { add_special_tokens: false });
        break;
      }
      const cut = cutText(src, limit);
      ids = this.tokenizer.encode(cut.text, { add_special_tokens: false });
      // At a whitespace cut every token before the cut is the whole text's token; elsewhere leave a
      // margin for the word that was cut in two.
      if (ids.length >= this.keep + (cut.atWhitespace ? 0 : 16)) break;
      limit *= 4; // once limit ≥ src.length the next pass tokenizes the whole string
    }
    return ids.length > this.keep ? ids.slice(0, this.keep) : ids;
  }

  /** Ids with specials, at most maxLength. */
  encode(text: string): number[] {
    const ids = this.contentIds(text);
    const { prefix, suffix } = this.layout;
    if (prefix.length === 0 && suffix.length === 0) return ids;
    const out = new Array<number>(prefix.length + ids.length + suffix.length);
    let o = 0;
    for (const v of prefix) out[o++] = v;
    for (const v of ids) out[o++] = v;
    for (const v of suffix) out[o++] = v;
    return out;
  }
}
