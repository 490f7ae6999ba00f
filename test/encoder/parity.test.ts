/**
 * Parity with transformers.js: Encoder.encode equals pipeline('feature-extraction') with the same pooling and
 * normalisation, per text, on real sentences (shuffled), for every tiny fixture variant and every dtype
 * (fp32, fp16, q8, q4).
 */
import { describe, expect, it } from 'vitest';
import { AutoTokenizer, pipeline } from '@huggingface/transformers';
import { ensureFixture } from '../../src/generators/index.js';
import { Encoder } from '../../src/encoder/index.js';
import { Rng } from '../../src/utils/random.js';
import { maxAbsDiff, mixedSentences, quiet } from './helpers/data.js';

const VARIANTS = ['bert', 'distilbert', 'xlm-roberta', 'sentence-transformers'] as const;
const CASES: { pooling: 'mean' | 'cls'; normalize: boolean }[] = [
  { pooling: 'mean', normalize: true },
  { pooling: 'cls', normalize: false },
];

describe.each(VARIANTS)('parity with transformers.js: %s', (variant) => {
  for (const dtype of ['fp32', 'fp16', 'q8', 'q4'] as const) {
    it(`${dtype}: encode == pipeline('feature-extraction') per text`, async () => {
      const dir = await ensureFixture(variant);
      const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
      const extractor = await pipeline('feature-extraction', dir, { dtype, device: 'cpu', session_options: { intraOpNumThreads: 1 } });
      try {
        for (const { pooling, normalize } of CASES) {
          const enc = await Encoder.load(dir, {
            dtype,
            pooling,
            normalize,
            device: 'cpu',
            threads: 1,
            logger: quiet,
            batchTokens: 1 << 20,
          });
          try {
            // Real sentences within maxLength (transformers.js drops the final [SEP] when it truncates).
            const all = mixedSentences(330).filter((t) => (tokenizer.encode(t) as number[]).length <= enc.info.maxLength);
            const texts = new Rng(`${variant}-${dtype}-${pooling}`).shuffle(all.slice()).slice(0, 240);
            expect(texts.length).toBeGreaterThanOrEqual(200);
            // fp32 / q4: one encode call over everything (our own sorted batches). q8: ORT's dynamic int8
            // quantization scales activations per tensor, i.e. over the whole batch, so a vector depends
            // on its batch mates; fp16: half-precision sums change with the padded length (up to 3.6e-5
            // measured). For those two we encode the pipeline's own batches of 32 (row order is free).
            const ours = dtype === 'fp32' || dtype === 'q4' ? await enc.encode(texts) : null;
            const d = enc.info.dim;
            let worst = 0;
            for (let s = 0; s < texts.length; s += 32) {
              const chunk = texts.slice(s, s + 32);
              const ref = await extractor(chunk, { pooling, normalize });
              const mine = ours ?? (await enc.encode(chunk));
              const off = ours ? s : 0;
              const refData = ref.data as Float32Array;
              for (let r = 0; r < chunk.length; r++) {
                // The tokens must be the same too.
                expect(enc.tokenize(chunk[r]!)).toEqual(tokenizer.encode(chunk[r]!));
                const diff = maxAbsDiff(mine.data.subarray((off + r) * d, (off + r + 1) * d), refData.subarray(r * d, (r + 1) * d));
                worst = Math.max(worst, diff);
              }
            }
            expect(worst).toBeLessThan(1e-5);
          } finally {
            await enc.dispose();
          }
        }
      } finally {
        await extractor.dispose();
      }
    });
  }
});
