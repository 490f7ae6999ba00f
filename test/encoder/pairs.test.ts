/**
 * Text pairs as one sequence: ids and token types against transformers.js' own pair encoding
 * (`tokenizer(a, { text_pair: b })`, an independent reference) on real MLQE-PE pairs, truncation that
 * keeps the specials, and the encoder's pair vectors cached apart from the texts' vectors.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixture } from '../../src/generators/index.js';
import { Encoder } from '../../src/encoder/index.js';
import { isPairKey, pairKey, parsePairKey } from '../../src/encoder/pairs.js';
import { probePairLayout, truncatePairLengths, TruncatingTokenizer, type HFTokenizerLike } from '../../src/encoder/tokenize.js';
import { FeatureStore } from '../../src/training/features.js';
import { datasetsDir, packageRoot } from '../../src/utils/paths.js';
import { quiet } from './helpers/data.js';

const REFERENCE_MINI = join(packageRoot(), '..', 'shared', 'models', 'reference-mini');
const MLQE_PAIRS = ['en-de', 'en-zh', 'et-en', 'ne-en', 'ro-en', 'ru-en', 'si-en'];

/** Source/translation pairs: the first `per` rows of each MLQE-PE dev file, or the package's samples. */
function mlqePairs(per: number): [string, string][] {
  const real = join(datasetsDir(), 'translation-quality/mlqe-pe/dev');
  const files = existsSync(real)
    ? MLQE_PAIRS.map((p) => join(real, `${p}.tsv`))
    : ['en-de', 'en-zh'].map((p) => join(packageRoot(), 'fixtures/data/translation-quality/dev', `${p}.tsv`));
  const out: [string, string][] = [];
  for (const f of files) {
    const lines = readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    const head = lines[0]!.split('\t');
    const io = head.indexOf('original');
    const it = head.indexOf('translation');
    for (const l of lines.slice(1, per + 1)) {
      const c = l.split('\t');
      out.push([c[io]!, c[it]!]);
    }
  }
  return out;
}

type Callable = (a: string, o: object) => { input_ids: number[]; token_type_ids?: number[] };

async function tokenizer(dir: string): Promise<HFTokenizerLike> {
  return (await AutoTokenizer.from_pretrained(dir, { local_files_only: true })) as unknown as HFTokenizerLike;
}

const tokenizers: [string, () => Promise<string>][] = [
  ['bert fixture', () => ensureFixture('bert')],
  ['xlm-roberta fixture', () => ensureFixture('xlm-roberta')],
];
if (existsSync(REFERENCE_MINI)) tokenizers.push(['reference-mini', async () => REFERENCE_MINI]);

describe('pair tokenization matches transformers.js text pairs', () => {
  for (const [name, dir] of tokenizers) {
    it(`${name}: ids and token types of MLQE-PE pairs`, async () => {
      const t = await tokenizer(await dir());
      const tt = new TruncatingTokenizer(t, { maxLength: 128 });
      let compared = 0;
      for (const [a, b] of mlqePairs(40)) {
        const ref = (t as unknown as Callable)(a, { text_pair: b, return_tensor: false, return_token_type_ids: true });
        if (ref.input_ids.length > 128) continue;
        const mine = tt.encodePair(a, b);
        expect(mine.ids).toEqual(ref.input_ids);
        const types = mine.ids.map((_, j) => (j >= mine.typeStart ? 1 : 0));
        expect(types).toEqual(ref.token_type_ids ?? mine.ids.map(() => 0));
        compared++;
      }
      expect(compared).toBeGreaterThan(50);
    });
  }

  it('BERT layout: [CLS] a [SEP] b [SEP], type 1 from b on; XLM-R: <s> a </s></s> b </s>, all type 0', async () => {
    const bert = probePairLayout(await tokenizer(await ensureFixture('bert')));
    expect(bert.prefix).toHaveLength(1);
    expect(bert.middle).toHaveLength(1);
    expect(bert.suffix).toEqual(bert.middle);
    expect(bert.secondType).toBe(1);
    expect(bert.typeOffset).toBe(0);
    const xlmr = probePairLayout(await tokenizer(await ensureFixture('xlm-roberta')));
    expect(xlmr).toEqual({ prefix: [0], middle: [2, 2], suffix: [2], secondType: 0, typeOffset: 0 });
  });
});

describe('pair truncation', () => {
  it('longest first, as HF tokenizers', () => {
    expect(truncatePairLengths(10, 3, 8)).toEqual([5, 3]);
    expect(truncatePairLengths(3, 10, 8)).toEqual([3, 5]);
    expect(truncatePairLengths(6, 6, 8)).toEqual([4, 4]);
    expect(truncatePairLengths(5, 4, 6)).toEqual([3, 3]);
    expect(truncatePairLengths(2, 2, 8)).toEqual([2, 2]);
  });

  it('a long pair keeps [CLS], both [SEP]s and maxLength; each side is a prefix of its text', async () => {
    const t = await tokenizer(await ensureFixture('bert'));
    const tt = new TruncatingTokenizer(t, { maxLength: 24 });
    const [[a, b]] = [mlqePairs(1)[0]!];
    const longA = Array(20).fill(a).join(' ');
    const { ids, typeStart } = tt.encodePair(longA, b);
    expect(ids).toHaveLength(24);
    const L = tt.pairLayout;
    expect(ids[0]).toBe(L.prefix[0]);
    expect(ids[23]).toBe(L.suffix[0]);
    const cb = t.encode(b, { add_special_tokens: false });
    const ca = t.encode(longA, { add_special_tokens: false });
    const keep = 24 - 3;
    const [na, nb] = truncatePairLengths(ca.length, cb.length, keep);
    expect(ids.slice(1, 1 + na)).toEqual(ca.slice(0, na));
    expect(ids[1 + na]).toBe(L.middle[0]);
    expect(ids.slice(2 + na, 2 + na + nb)).toEqual(cb.slice(0, nb));
    expect(typeStart).toBe(2 + na);
  });
});

describe('pair keys', () => {
  it('never equal a text or another pair, and round-trip', () => {
    const k = pairKey('a', 'b');
    expect(isPairKey(k)).toBe(true);
    expect(isPairKey('a b')).toBe(false);
    expect(parsePairKey(k)).toEqual(['a', 'b']);
    expect(pairKey('a\u0000', 'b')).not.toBe(pairKey('a', '\u0000b'));
    expect(parsePairKey(pairKey('x"\u0000', '\n'))).toEqual(['x"\u0000', '\n']);
  });
});

describe('Encoder.encodePairs (bert fixture)', () => {
  let enc: Encoder;
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'mtl-pairs-'));
    enc = await Encoder.load(await ensureFixture('bert'), { device: 'cpu', threads: 1, logger: quiet, cache: { dir: cacheDir } });
  });
  afterAll(async () => {
    await enc.dispose();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('tokenizePair is the transformers.js pair encoding', async () => {
    const t = await tokenizer(await ensureFixture('bert'));
    for (const [a, b] of mlqePairs(5)) {
      const ref = (t as unknown as Callable)(a, { text_pair: b, return_tensor: false, return_token_type_ids: true });
      if (ref.input_ids.length > enc.info.maxLength) continue;
      expect(enc.tokenizePair(a, b)).toEqual({ ids: ref.input_ids, tokenTypeIds: ref.token_type_ids });
    }
  });

  it('a pair vector is its own: not the texts, depends on order and token types; cached under the pair key', async () => {
    const [a, b] = mlqePairs(1)[0]!;
    const p = await enc.encodePairs([
      [a, b],
      [b, a],
    ]);
    expect(p.dims).toEqual([2, enc.info.dim]);
    const single = await enc.encode([a, b, `${a} ${b}`]);
    const row = (r: { data: Float32Array }, i: number) => Array.from(r.data.subarray(i * enc.info.dim, (i + 1) * enc.info.dim));
    expect(row(p, 0)).not.toEqual(row(p, 1));
    expect(row(p, 0)).not.toEqual(row(single, 0));
    expect(row(p, 0)).not.toEqual(row(single, 2)); // [SEP] and token types make the difference
    const hits = enc.stats.cacheHits;
    const again = await enc.encodePairs([[a, b]]);
    expect(enc.stats.cacheHits).toBe(hits + 1);
    expect(row(again, 0)).toEqual(row(p, 0));
    // the text that spells the pair key is a text, never the pair's cached vector (the tokenizer sees it)
    const spoof = await enc.encode([pairKey(a, b)]);
    expect(row(spoof, 0)).not.toEqual(row(p, 0));
  });

  it('the feature store encodes pair keys with encodePairs and texts with encode', async () => {
    const [a, b] = mlqePairs(2)[1]!;
    const store = new FeatureStore(enc.info.dim);
    expect(await store.ensure([a, pairKey(a, b), b, pairKey(a, b)], enc)).toBe(3);
    const direct = await enc.encodePairs([[a, b]]);
    expect(Array.from(store.lookup(pairKey(a, b)))).toEqual(Array.from(direct.data));
    const text = await enc.encode([a]);
    expect(Array.from(store.lookup(a))).toEqual(Array.from(text.data));
  });

  it('the feature store reports one progress over texts and pairs: done counts up to the missing total', async () => {
    const pairs = mlqePairs(3).slice(0, 4);
    const texts = pairs.map(([a]) => `${a} (progress)`);
    const store = new FeatureStore(enc.info.dim);
    const seen: { done: number; total: number }[] = [];
    const n = await store.ensure([...texts, ...pairs.map(([a, b]) => pairKey(a, b))], enc, {
      onProgress: (p) => seen.push({ done: p.done, total: p.total }),
    });
    expect(n).toBe(texts.length + pairs.length);
    expect(seen.length).toBeGreaterThan(1);
    for (const p of seen) expect(p.total).toBe(n);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.done).toBeGreaterThanOrEqual(seen[i - 1]!.done);
    expect(seen.at(-1)!.done).toBe(n);
  });

  it('an encoder without encodePairs gets a clear error', async () => {
    const store = new FeatureStore(enc.info.dim);
    const plain = { info: enc.info, encode: (t: readonly string[]) => enc.encode(t), dispose: async () => undefined };
    await expect(store.ensure([pairKey('a', 'b')], plain)).rejects.toThrow(/cannot encode text pairs/);
  });
});
