import { UserError } from '../errors.js';
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
  encode(text: string, options?: { add_special_tokens?: boolean; text_pair?: string | null }): number[];
  readonly pad_token_id?: number | null;
  readonly model_max_length?: number;
}

/** transformers.js' tokenizers are callable: `tok(text, { text_pair })` → ids and token types. */
type HFTokenizerCall = (
  text: string,
  options: { text_pair?: string | null; add_special_tokens?: boolean; return_tensor?: boolean; return_token_type_ids?: boolean },
) => { input_ids: number[]; token_type_ids?: number[] };

/** Where the post-processor puts its specials around a text pair, and where token type 1 starts. */
export interface PairLayout {
  /** Before the first text ([CLS]). */
  prefix: number[];
  /** Between the texts ([SEP] for BERT, `</s></s>` for XLM-R). */
  middle: number[];
  /** After the second text ([SEP]). */
  suffix: number[];
  /**
   * Token type of the second part (from the middle's end on): 1 for BERT-style tokenizers (types 0
   * for [CLS] a [SEP], 1 for b [SEP]); 0 when the tokenizer returns no token types (XLM-R).
   */
  secondType: 0 | 1;
  /** Where type 1 starts, counted from the end of the middle (0) or of the prefix+a (−middle.length). */
  typeOffset: number;
}

/** A tokenized text pair: ids with specials and the index where token type 1 starts (none: all 0). */
export interface PairIds {
  ids: number[];
  /** Index of the first token of type 1; `ids.length` when every token is type 0. */
  typeStart: number;
}

function findSub(full: readonly number[], sub: readonly number[], from: number): number {
  for (let k = from; k + sub.length <= full.length; k++) {
    let match = true;
    for (let j = 0; j < sub.length; j++) {
      if (full[k + j] !== sub[j]) {
        match = false;
        break;
      }
    }
    if (match) return k;
  }
  return -1;
}

/**
 * Finds the pair template of the tokenizer's post-processor (`[CLS] A [SEP] B [SEP]` for BERT,
 * `<s> A </s></s> B </s>` for XLM-R) by encoding probe pairs with and without specials, and where the
 * token types switch to 1 when the tokenizer is callable and returns token types.
 */
export function probePairLayout(tok: HFTokenizerLike): PairLayout {
  for (const [a, b] of [
    ['a', 'b'],
    ['hello', 'world'],
    ['x', 'y'],
    ['1', '2'],
    ['the', 'a'],
  ] as const) {
    const ca = tok.encode(a, { add_special_tokens: false });
    const cb = tok.encode(b, { add_special_tokens: false });
    if (ca.length === 0 || cb.length === 0) continue;
    const full = tok.encode(a, { text_pair: b, add_special_tokens: true });
    const ka = findSub(full, ca, 0);
    if (ka < 0) continue;
    const kb = findSub(full, cb, ka + ca.length);
    if (kb < 0) continue;
    const layout: PairLayout = {
      prefix: full.slice(0, ka),
      middle: full.slice(ka + ca.length, kb),
      suffix: full.slice(kb + cb.length),
      secondType: 0,
      typeOffset: 0,
    };
    if (typeof tok === 'function') {
      const r = (tok as unknown as HFTokenizerCall)(a, {
        text_pair: b,
        add_special_tokens: true,
        return_tensor: false,
        return_token_type_ids: true,
      });
      const types = r.token_type_ids;
      if (Array.isArray(types) && types.length === full.length) {
        const first = types.indexOf(1);
        if (first >= 0) {
          layout.secondType = 1;
          layout.typeOffset = first - kb; // BERT: 0 (type 1 starts at b)
        }
      }
    }
    return layout;
  }
  throw new UserError(
    'cannot determine where the tokenizer puts its special tokens around a text pair (its tokenizer.json post-processor has no pair template); use the siamese input mode or a model with a BERT/RoBERTa-style fast tokenizer',
  );
}

/**
 * Longest-first truncation of a pair's content lengths to a total of `keep`, as HF's tokenizers
 * (`truncation: 'longest_first'`): tokens are taken off the longer text, one at a time, the second
 * text when both are as long.
 */
export function truncatePairLengths(na: number, nb: number, keep: number): [number, number] {
  let a = na;
  let b = nb;
  while (a + b > keep) {
    if (a > b) a--;
    else b--;
  }
  return [a, b];
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
  throw new UserError(
    'cannot determine where the tokenizer puts its special tokens (post-processor output does not contain the content ids); use a model with a BERT/RoBERTa-style fast tokenizer (tokenizer.json)',
  );
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
      throw new UserError(
        `maxLength ${opts.maxLength} leaves no room for text after ${this.layout.prefix.length + this.layout.suffix.length} special tokens; raise maxLength`,
      );
    }
    this.padId = typeof tokenizer.pad_token_id === 'number' ? tokenizer.pad_token_id : 0;
    this.charsPerToken = opts.charsPerToken ?? 20;
  }

  /** Number of special tokens added around a text. */
  get specialCount(): number {
    return this.layout.prefix.length + this.layout.suffix.length;
  }

  /** Content ids of `text` (no specials), at most `keep` of them; pre-cuts very long strings. */
  contentIds(text: string, keep: number = this.keep): number[] {
    const src = toWellFormed(text);
    let limit = keep * this.charsPerToken + 64;
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
      if (ids.length >= keep + (cut.atWhitespace ? 0 : 16)) break;
      limit *= 4; // once limit ≥ src.length the next pass tokenizes the whole string
    }
    return ids.length > keep ? ids.slice(0, keep) : ids;
  }

  private pairLayoutCache: PairLayout | null = null;

  /** The pair template, probed once on first use. */
  get pairLayout(): PairLayout {
    return (this.pairLayoutCache ??= probePairLayout(this.tokenizer));
  }

  /**
   * Ids of a text pair as one sequence (`[CLS] a [SEP] b [SEP]` for BERT), at most maxLength: the
   * contents are cut longest-first, the specials kept; `typeStart` is where token type 1 begins.
   */
  encodePair(a: string, b: string): PairIds {
    const L = this.pairLayout;
    const keep = this.maxLength - L.prefix.length - L.middle.length - L.suffix.length;
    if (keep < 2) throw new UserError(`maxLength ${this.maxLength} leaves no room for a text pair; raise maxLength`);
    let ia = this.contentIds(a, keep);
    let ib = this.contentIds(b, keep);
    const [na, nb] = truncatePairLengths(ia.length, ib.length, keep);
    if (na < ia.length) ia = ia.slice(0, na);
    if (nb < ib.length) ib = ib.slice(0, nb);
    const ids = [...L.prefix, ...ia, ...L.middle, ...ib, ...L.suffix];
    const bStart = L.prefix.length + ia.length + L.middle.length;
    return { ids, typeStart: L.secondType === 1 ? bStart + L.typeOffset : ids.length };
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
