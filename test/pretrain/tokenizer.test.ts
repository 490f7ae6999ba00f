/**
 * The pretraining vocabulary keeps accents and combining vowel signs, and the fast encoder that
 * pre-tokenizes the corpus gives the same ids as transformers.js' tokenizer loading the written
 * tokenizer.json, on real text in every MLQE-PE language (Latin, Cyrillic, Devanagari, Sinhala, CJK).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCorpus, corpusSentences } from '../../src/pretrain/corpus.js';
import { trainVocabulary, WordPieceEncoder } from '../../src/pretrain/tokenizer.js';
import { hasDatasets, mlqeDevTexts } from './helpers.js';

env.allowRemoteModels = false;
env.allowLocalModels = true;

const HAND_WRITTEN = [
  'नेपाल एक सुन्दर देश हो ।',
  'ශ්‍රී ලංකාව සුන්දර රටකි.',
  'Привет, как дела? Всё хорошо.',
  '这是一个很好的翻译。',
  'Über den Wolken muss die Freiheit wohl grenzenlos sein.',
  'Tere hommikust, kuidas läheb?',
  'Aceasta este o propoziție în limba română.',
  "it 's a charming , often affecting journey .",
];

describe.skipIf(!hasDatasets())('pretraining tokenizer', () => {
  let dir: string;
  let encoder: WordPieceEncoder;
  beforeAll(() => {
    const corpus = buildCorpus({ maxPerSource: 400 });
    const vocab = trainVocabulary(corpusSentences(corpus), { vocabSize: 6000, maxLength: 128 });
    dir = mkdtempSync(join(tmpdir(), 'mtl-pretrain-tok-'));
    for (const [name, contents] of Object.entries(vocab.files)) writeFileSync(join(dir, name), contents);
    encoder = new WordPieceEncoder(vocab.vocab);
  }, 120_000);

  it('keeps Devanagari and Sinhala vowel signs and splits CJK per character', () => {
    const vocab = new Set(encoder.vocab);
    // U+0947 DEVANAGARI VOWEL SIGN E and U+0DD2 SINHALA VOWEL SIGN KETTI IS-PILLA are combining marks (Mn):
    // a strip-accents normalizer deletes them
    expect([...vocab].some((t) => t.includes('\u0947'))).toBe(true);
    expect([...vocab].some((t) => t.includes('\u0dd2'))).toBe(true);
    const zh = encoder.encode('这是一个很好的翻译').map((id) => encoder.vocab[id]);
    expect(zh.every((t) => t !== undefined && [...t.replace(/^##/, '')].length === 1)).toBe(true);
    expect(
      encoder
        .encode('Über')
        .map((id) => encoder.vocab[id])
        .join(' '),
    ).toMatch(/^ü/);
  });

  it('gives the ids transformers.js gives for the written tokenizer.json', async () => {
    const tok = await AutoTokenizer.from_pretrained(dir);
    const texts = [...HAND_WRITTEN, ...mlqeDevTexts(40)];
    expect(texts.length).toBeGreaterThan(500);
    let tokens = 0;
    for (const t of texts) {
      const theirs = (tok.encode(t, { add_special_tokens: false }) as number[]).map(Number);
      expect(encoder.encode(t), t).toEqual(theirs);
      tokens += theirs.length;
    }
    expect(tokens).toBeGreaterThan(10_000);
    const withSpecials = (tok.encode('a b', { add_special_tokens: true }) as number[]).map(Number);
    expect(withSpecials[0]).toBe(2);
    expect(withSpecials[withSpecials.length - 1]).toBe(3);
  });
});
