/**
 * The pretraining vocabulary and a fast encoder for it.
 *
 * The vocabulary is the project's WordPiece learner (src/generators/tokenizers/wordpiece.ts) run with
 * accents kept (`strip_accents: false`), so Devanagari and Sinhala vowel signs survive, and CJK
 * split per character (BertNormalizer's `handle_chinese_chars`). The files are the ones
 * transformers.js loads (`tokenizer.json`, `tokenizer_config.json`, `special_tokens_map.json`,
 * `vocab.txt`).
 *
 * `WordPieceEncoder` tokenizes millions of sentences for the trainer: the same normalization and
 * pre-tokenization as the runtime, then greedy longest-match-first WordPiece per word, with a
 * per-word cache. A test checks it against transformers.js' tokenizer on real text.
 */
import { bertNormalize, bertPreTokenize } from '../generators/tokenizers/bert-text.js';
import { trainWordPiece, WORDPIECE_SPECIALS, type WordPieceResult } from '../generators/tokenizers/wordpiece.js';

export const SPECIAL_IDS = { pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 } as const;
const MAX_CHARS_PER_WORD = 100;

export interface VocabOptions {
  vocabSize: number;
  /** `model_max_length` written to tokenizer_config.json. */
  maxLength: number;
}

/** Learns a WordPiece vocabulary (accents kept) on the sentences; files ready to write. */
export function trainVocabulary(sentences: readonly string[], options: VocabOptions): WordPieceResult {
  const result = trainWordPiece({
    vocabSize: options.vocabSize,
    corpus: sentences,
    modelMaxLength: options.maxLength,
    stripAccents: false,
  });
  WORDPIECE_SPECIALS.forEach((t, i) => {
    if (result.vocab[i] !== t) throw new Error(`vocabulary: expected ${t} at id ${i}`);
  });
  return result;
}

export class WordPieceEncoder {
  private readonly ids = new Map<string, number>();
  private readonly cache = new Map<string, readonly number[]>();
  constructor(readonly vocab: readonly string[]) {
    vocab.forEach((t, i) => this.ids.set(t, i));
  }

  get size(): number {
    return this.vocab.length;
  }

  /** Token ids of one word (greedy longest match; the whole word is [UNK] when a piece is missing). */
  private word(word: string): readonly number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const chars = [...word];
    let out: number[] = [];
    if (chars.length > MAX_CHARS_PER_WORD) out = [SPECIAL_IDS.unk];
    else {
      let start = 0;
      while (start < chars.length) {
        let end = chars.length;
        let found = -1;
        while (start < end) {
          const piece = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
          const id = this.ids.get(piece);
          if (id !== undefined) {
            found = id;
            break;
          }
          end--;
        }
        if (found < 0) {
          out = [SPECIAL_IDS.unk];
          break;
        }
        out.push(found);
        start = end;
      }
    }
    if (this.cache.size < 2_000_000) this.cache.set(word, out);
    return out;
  }

  /** Token ids of a text, without special tokens. */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const w of bertPreTokenize(bertNormalize(text, false))) for (const id of this.word(w)) out.push(id);
    return out;
  }
}
