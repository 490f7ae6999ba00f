import { describe, expect, it } from 'vitest';
import { AutoTokenizer } from '@huggingface/transformers';
import { ensureFixture } from '../../src/generators/index.js';
import { TruncatingTokenizer, cutText, probeSpecialLayout, type HFTokenizerLike } from '../../src/encoder/tokenize.js';
import { defaultMaxLength } from '../../src/encoder/model-files.js';
import { mixedSentences, sst2Dev } from './helpers/data.js';

async function tok(variant: 'bert' | 'xlm-roberta'): Promise<HFTokenizerLike> {
  return (await AutoTokenizer.from_pretrained(await ensureFixture(variant), { local_files_only: true })) as unknown as HFTokenizerLike;
}

describe('truncation keeps the special tokens', () => {
  it('BERT: [CLS] … [SEP] within maxLength (transformers.js drops [SEP])', async () => {
    const t = await tok('bert');
    const layout = probeSpecialLayout(t);
    expect(layout.prefix.length).toBe(1);
    expect(layout.suffix.length).toBe(1);
    const long = sst2Dev(40).join(' ');
    const tt = new TruncatingTokenizer(t, { maxLength: 16 });
    const ids = tt.encode(long);
    expect(ids).toHaveLength(16);
    expect(ids[0]).toBe(layout.prefix[0]);
    expect(ids[15]).toBe(layout.suffix[0]);
    // Content = the first 14 content ids of the whole text.
    expect(ids.slice(1, 15)).toEqual(t.encode(long, { add_special_tokens: false }).slice(0, 14));
    // What transformers.js itself does (documenting why we do it ourselves): 16 ids, no final [SEP].
    const hf = (t as unknown as (x: string, o: object) => { input_ids: { tolist(): bigint[][] } })(long, {
      truncation: true,
      max_length: 16,
    });
    const hfIds = hf.input_ids.tolist()[0]!.map(Number);
    expect(hfIds).toHaveLength(16);
    expect(hfIds[15]).not.toBe(layout.suffix[0]);
  });

  it('XLM-R: <s> … </s> (ids 0 and 2) within maxLength', async () => {
    const t = await tok('xlm-roberta');
    expect(probeSpecialLayout(t)).toEqual({ prefix: [0], suffix: [2] });
    expect(t.pad_token_id).toBe(1);
    const tt = new TruncatingTokenizer(t, { maxLength: 16 });
    const ids = tt.encode(mixedSentences(60).join(' '));
    expect(ids).toHaveLength(16);
    expect(ids[0]).toBe(0);
    expect(ids[15]).toBe(2);
    expect(tt.padId).toBe(1);
  });

  it('texts within the limit tokenize exactly as transformers.js does', async () => {
    for (const v of ['bert', 'xlm-roberta'] as const) {
      const t = await tok(v);
      const tt = new TruncatingTokenizer(t, { maxLength: 128 });
      for (const s of mixedSentences(90)) {
        const ref = t.encode(s);
        if (ref.length <= 128) expect(tt.encode(s)).toEqual(ref);
      }
    }
  });

  it('100,000-character texts are pre-cut: fast, and equal to tokenizing the whole text', async () => {
    for (const v of ['bert', 'xlm-roberta'] as const) {
      const t = await tok(v);
      const tt = new TruncatingTokenizer(t, { maxLength: 128 });
      const words = sst2Dev(400).join(' ');
      const huge = words.repeat(Math.ceil(100_000 / words.length)).slice(0, 100_000);
      const t0 = performance.now();
      const ids = tt.encode(huge);
      const ms = performance.now() - t0;
      expect(ids).toHaveLength(128);
      const slow = t.encode(huge, { add_special_tokens: false }).slice(0, 128 - tt.specialCount);
      expect(ids.slice(1, -1)).toEqual(slow);
      expect(ms).toBeLessThan(500);
      // No whitespace at all (one giant "word"), and whitespace-only, still terminate with specials.
      const blob = 'x'.repeat(100_000);
      const b = tt.encode(blob);
      expect(b.length).toBeLessThanOrEqual(128);
      expect(b[b.length - 1]).toBe(tt.layout.suffix[0]);
      const ws = ' '.repeat(100_000);
      const wsContent = t.encode(ws, { add_special_tokens: false }).slice(0, 128 - tt.specialCount);
      expect(tt.encode(ws)).toEqual([...tt.layout.prefix, ...wsContent, ...tt.layout.suffix]);
    }
  });

  it('cutText prefers whitespace and never splits a surrogate pair', () => {
    expect(cutText('aaaa bbbb cccc', 11)).toEqual({ text: 'aaaa bbbb', atWhitespace: true });
    const emoji = '😀'.repeat(10); // 20 UTF-16 units, no whitespace
    const c = cutText(emoji, 7);
    expect(c.atWhitespace).toBe(false);
    expect(c.text).toBe('😀'.repeat(3));
  });

  it('default maxLength follows tokenizer, positions (XLM-R offset 2) and 512', () => {
    expect(defaultMaxLength({ model_type: 'bert', max_position_embeddings: 512 }, 512)).toBe(512);
    expect(defaultMaxLength({ model_type: 'xlm-roberta', max_position_embeddings: 514 }, 512)).toBe(512);
    expect(defaultMaxLength({ model_type: 'xlm-roberta', max_position_embeddings: 130 }, undefined)).toBe(128);
    expect(defaultMaxLength({ model_type: 'bert', max_position_embeddings: 512 }, 128)).toBe(128);
    expect(defaultMaxLength({ model_type: 'distilbert', max_position_embeddings: 512 }, undefined)).toBe(512);
    expect(defaultMaxLength({ model_type: 'bert', max_position_embeddings: 2048 }, undefined)).toBe(512);
  });
});
