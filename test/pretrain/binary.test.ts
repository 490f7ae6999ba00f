/**
 * corpus.bin: the layout of pretrain/FORMAT.md read back byte for byte, and the packing rules
 * (special tokens, length limit, token types of translation pairs, held-back sequences).
 */
import { describe, expect, it } from 'vitest';
import { BINARY_MAGIC, decodeBinary, encodeBinary, pretokenize, SECTION_NAMES } from '../../src/pretrain/binary.js';
import type { PretrainCorpus } from '../../src/pretrain/corpus.js';
import { SPECIAL_IDS, trainVocabulary, WordPieceEncoder } from '../../src/pretrain/tokenizer.js';

const CORPUS: PretrainCorpus = {
  documents: [
    {
      source: 'a',
      sentences: ['the cat sat on the mat .', 'the dog sat on the log .', 'a very long sentence ' + 'with many words '.repeat(40)],
    },
    ...Array.from({ length: 300 }, (_, i) => ({ source: 'b', sentences: [`sentence number ${i} about cats and dogs .`] })),
  ],
  pairs: Array.from({ length: 200 }, (_, i) => ({
    source: 'p',
    src: `the house number ${i} is red .`,
    mt: `das haus nummer ${i} ist rot .`,
  })),
  counts: {},
  duplicates: 0,
  devOverlap: 0,
};

describe('pre-tokenized corpus', () => {
  const sentences = [...CORPUS.documents.flatMap((d) => d.sentences), ...CORPUS.pairs.flatMap((p) => [p.src, p.mt])];
  const vocab = trainVocabulary(sentences, { vocabSize: 300, maxLength: 32 });
  const encoder = new WordPieceEncoder(vocab.vocab);
  const data = pretokenize(CORPUS, encoder, { maxLength: 32, valFraction: 0.05 });

  it('packs sequences within maxLength, each [CLS] … [SEP], pairs with token types', () => {
    for (const name of SECTION_NAMES) {
      for (const s of data.sections[name]) {
        expect(s.ids.length).toBeLessThanOrEqual(32);
        expect(s.ids[0]).toBe(SPECIAL_IDS.cls);
        expect(s.ids[s.ids.length - 1]).toBe(SPECIAL_IDS.sep);
        expect(s.typeStart).toBeGreaterThan(0);
        expect(s.typeStart).toBeLessThanOrEqual(s.ids.length);
      }
    }
    const pairs = data.sections.mlm.filter((s) => s.typeStart < s.ids.length);
    const held = data.sections.val.filter((s) => s.typeStart < s.ids.length);
    expect(pairs.length + held.length).toBe(200);
    expect(held.length).toBeGreaterThan(0);
    for (const s of pairs) expect(s.ids[s.typeStart - 1]).toBe(SPECIAL_IDS.sep);
    expect(data.sections.pairs_src.length).toBe(pairs.length);
    expect(data.sections.pairs_mt.length).toBe(pairs.length);
    // the packed monolingual text holds every token of the training documents once
    const monoTokens = data.sections.mlm.filter((s) => s.typeStart === s.ids.length).reduce((a, s) => a + s.ids.length - 2, 0);
    const valMono = data.sections.val.filter((s) => s.typeStart === s.ids.length).reduce((a, s) => a + s.ids.length - 2, 0);
    const expected = CORPUS.documents.flatMap((d) => d.sentences).reduce((a, s) => a + encoder.encode(s).length, 0);
    expect(monoTokens + valMono).toBe(expected);
  });

  it('round-trips through the binary layout', () => {
    const bytes = encodeBinary(data);
    expect(Buffer.from(bytes.slice(0, 8)).toString('ascii')).toBe(BINARY_MAGIC);
    const back = decodeBinary(bytes);
    expect(back.vocabSize).toBe(encoder.size);
    for (const name of SECTION_NAMES) expect(back.sections[name]).toEqual(data.sections[name]);
    const sections = back.header.sections as Record<string, { ids: { byteOffset: number; dtype: string } }>;
    for (const name of SECTION_NAMES) {
      expect((sections[name]?.ids.byteOffset ?? 1) % 8).toBe(0);
      expect(sections[name]?.ids.dtype).toBe('uint16');
    }
    expect(() => decodeBinary(new Uint8Array(16), 'x.bin')).toThrow(/x\.bin: not a pretraining corpus/);
  });

  it('is deterministic', () => {
    expect(Buffer.from(encodeBinary(pretokenize(CORPUS, encoder, { maxLength: 32, valFraction: 0.05 })))).toEqual(
      Buffer.from(encodeBinary(data)),
    );
  });
});
