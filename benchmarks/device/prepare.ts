/**
 * Prepares the q8-vs-fp32 check for a machine that has Python's onnxruntime but no Node (the lent GPU
 * machine: `device` tool). Writes `.device/q8/` (git-ignored; carry it): a minilm-l6-shaped encoder
 * with a 1,024-token vocabulary (the same per-token compute as the benchmark's 30,522-token one; only
 * the embedding table is smaller, so fp32 + q8 fit the 64 MiB the tool carries), and the benchmark's
 * 2,400 real texts tokenized by the full minilm-l6 tokenizer, ids folded into the small vocabulary,
 * batched exactly as Encoder.encode batches them on CPU (length-sorted, 1,024 tokens / 32 rows).
 *
 *   npx tsx benchmarks/device/prepare.ts
 *   then on the device: python3 benchmarks/device/q8_ratio.py .device/q8 $OUT
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Encoder } from '../../src/encoder/index.js';
import { planBatches } from '../../src/encoder/batching.js';
import { ensureFixture, generateFixture } from '../../src/generators/index.js';
import { writeFileAtomicSync } from '../../src/utils/fs.js';
import { packageRoot } from '../../src/utils/paths.js';
import { loadTexts } from '../texts.js';

const VOCAB = 1024;
const out = join(packageRoot(), '.device', 'q8');
mkdirSync(out, { recursive: true });

const full = await ensureFixture('minilm-l6');
const tok = await Encoder.load(full, { device: 'cpu', logger: () => undefined });
const texts = loadTexts(2400);
const ids = texts.map((t) => tok.tokenize(t));
await tok.dispose();

const small = await generateFixture({ variant: 'minilm-l6', outDir: join(out, 'model'), vocabSize: VOCAB });
// only fp32 and q8 travel (the tool carries 64 MiB in all)
for (const f of ['model_fp16.onnx', 'model_q4.onnx']) rmSync(join(small.dir, 'onnx', f));
const vocab = (JSON.parse(readFileSync(join(small.dir, 'config.json'), 'utf8')) as { vocab_size: number }).vocab_size;
// specials (< 5 in the WordPiece layout) keep their ids; other ids fold into [5, vocab)
const fold = (id: number) => (id < 5 ? id : 5 + (id % (vocab - 5)));
const batches = planBatches(
  ids.map((r) => r.length),
  { batchTokens: 1024, maxBatchSize: 32 },
).map((b) => b.map((i) => ids[i]!.map(fold)));
const tokens = ids.reduce((s, r) => s + r.length, 0);
writeFileAtomicSync(join(out, 'batches.json'), JSON.stringify({ texts: texts.length, tokens, vocab, batches }));
console.log(`wrote ${out}: ${texts.length} texts, ${tokens} tokens, ${batches.length} batches, vocab ${vocab}`);
