/**
 * The pretraining recipe end to end on CPU, through the command line, in its tiny configuration:
 * corpus → vocabulary → corpus.bin → PyTorch trainer → ONNX export. The exported encoder equals the
 * PyTorch forward pass within 1e-4 on held-back real sequences, loads in `Encoder.load` and in
 * transformers.js' feature-extraction pipeline (same vectors), and its q8 file stays close to fp32.
 * Skipped with a message where no Python with PyTorch is installed (`.ci/run` installs Debian's
 * python3-torch best effort).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoTokenizer, env, pipeline } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Encoder } from '../../src/encoder/index.js';
import { checkParity, findTorchPython } from '../../src/pretrain/recipe.js';
import { packageRoot } from '../../src/utils/paths.js';
import { mtl } from '../cli/helpers.js';
import { hasDatasets, mlqeDevTexts } from './helpers.js';

env.allowRemoteModels = false;
env.allowLocalModels = true;

const torch = findTorchPython();
if (!torch) console.warn('pretrain recipe test skipped: no Python with PyTorch (apt-get install python3-torch, or set MTL_PYTHON)');

describe.skipIf(!torch || !hasDatasets())('mtl pretrain (tiny, CPU)', () => {
  const root = mkdtempSync(join(tmpdir(), 'mtl-pretrain-'));
  const work = join(root, 'work');
  const out = join(root, 'encoder');
  let log = '';

  beforeAll(() => {
    const r = mtl(
      [
        'pretrain',
        '--work',
        work,
        '--out',
        out,
        '--preset',
        'tiny',
        '--budget',
        '25',
        '--vocab-size',
        '3000',
        '--max-length',
        '64',
        '--max-per-source',
        '150',
        '--threads',
        '1',
        '--name',
        'test/tiny-pretrained',
      ],
      { timeout: 300_000 },
    );
    log = r.stdout + r.stderr;
    if (r.code !== 0) throw new Error(`mtl pretrain failed (${r.code}):\n${log}`);
  }, 320_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes the corpus with counts per source, the tokenizer, corpus.bin and the trainer outputs', () => {
    for (const f of [
      'corpus.jsonl.gz',
      'corpus-counts.json',
      'corpus.bin',
      'tokenizer/tokenizer.json',
      'trained/config.json',
      'trained/training-summary.json',
    ])
      expect(existsSync(join(work, f)), f).toBe(true);
    const counts = JSON.parse(readFileSync(join(work, 'corpus-counts.json'), 'utf8')) as {
      sources: Record<string, { pairs: number; sentences: number }>;
    };
    expect(counts.sources['mlqe-pe/si-en']?.pairs).toBeGreaterThan(100);
    expect(counts.sources.sst2?.sentences).toBeGreaterThan(100);
    expect(log).toMatch(/MLM: [\d.]+ steps\/s/);
    expect(log).toMatch(/val loss [\d.]+ acc [\d.]+/);
    const summary = JSON.parse(readFileSync(join(work, 'trained', 'training-summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary).toHaveProperty('parameters_encoder');
  });

  it('exports a Hugging Face ONNX folder with a model card; ONNX Runtime equals PyTorch within 1e-4', async () => {
    for (const f of [
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
      'vocab.txt',
      'README.md',
      'onnx/model.onnx',
      'onnx/model_quantized.onnx',
    ])
      expect(existsSync(join(out, f)), f).toBe(true);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, number>;
    expect(config.max_position_embeddings).toBe(64);
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    expect(card).toMatch(/onnx_vs_pytorch_max_abs_diff/);
    expect(card).toMatch(/onnx\/model_quantized\.onnx \| \d+ \| [0-9a-f]{64}/);
    const parity = await checkParity({ workDir: work, trainedDir: join(work, 'trained'), modelDir: out, count: 24 });
    expect(parity.sequences).toBe(24);
    expect(parity.maxAbsDiff).toBeLessThan(1e-4);
  });

  it('loads in Encoder.load and in the transformers.js pipeline with the same vectors; q8 close to fp32', async () => {
    // texts within the 64 positions: on longer ones transformers.js 4.3.2 drops the final [SEP] when
    // truncating (the Encoder keeps it), a known difference tested elsewhere
    const tok = await AutoTokenizer.from_pretrained(out);
    const texts = mlqeDevTexts(4).filter((t) => (tok.encode(t) as number[]).length <= 64);
    expect(texts.length).toBeGreaterThan(20);
    const enc = await Encoder.load(out, { pooling: 'mean', maxLength: 64 });
    const mine = await enc.encode(texts);
    const extractor = await pipeline('feature-extraction', out);
    const theirs = (await extractor(texts, { pooling: 'mean' })) as unknown as { data: Float32Array; dims: number[] };
    expect(mine.dims).toEqual(theirs.dims);
    let diff = 0;
    mine.data.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - (theirs.data[i] as number)))));
    expect(diff).toBeLessThan(1e-4);
    const q8 = await Encoder.load(out, { pooling: 'mean', maxLength: 64, dtype: 'q8' });
    const qv = await q8.encode(texts);
    const d = mine.dims[1] as number;
    for (let r = 0; r < texts.length; r++) {
      let dot = 0;
      let a = 0;
      let b = 0;
      for (let j = 0; j < d; j++) {
        const x = mine.data[r * d + j] as number;
        const y = qv.data[r * d + j] as number;
        dot += x * y;
        a += x * x;
        b += y * y;
      }
      expect(dot / Math.sqrt(a * b)).toBeGreaterThan(0.98);
    }
    await enc.dispose();
    await q8.dispose();
    await extractor.dispose();
  });

  it('the GPU run script, rehearsed on CPU: returns files within the device tool limits that import and export', () => {
    const dev = join(root, 'device-out');
    mkdirSync(dev);
    const r = spawnSync('bash', [join(packageRoot(), 'pretrain', 'device-run.sh')], {
      cwd: packageRoot(),
      encoding: 'utf8',
      timeout: 240_000,
      env: {
        ...process.env,
        OUT: dev,
        PYTHON: torch!.python,
        PRETRAIN_WORK: work,
        PRETRAIN_PRESET: 'tiny',
        PRETRAIN_DEVICE: 'cpu',
        PRETRAIN_BUDGET: '8',
      },
    });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    // the device tool brings back at most 8 files of 16 MiB each, 64 MiB in all
    const files = readdirSync(dev);
    expect(files.length).toBeLessThanOrEqual(8);
    expect(files.some((f) => f.startsWith('trained.tar.part-'))).toBe(true);
    const sizes = files.map((f) => statSync(join(dev, f)).size);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(16 * 2 ** 20);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(64 * 2 ** 20);
    const work2 = join(root, 'work2');
    mkdirSync(work2);
    for (const f of ['corpus.bin', 'corpus-counts.json', 'tokenizer']) cpSync(join(work, f), join(work2, f), { recursive: true });
    const imp = spawnSync('bash', [join(packageRoot(), 'pretrain', 'device-import.sh'), dev, work2], { encoding: 'utf8' });
    expect(imp.status, imp.stderr).toBe(0);
    const enc = join(root, 'encoder-q8');
    const ex = mtl(['pretrain', '--stage', 'export', '--work', work2, '--out', enc, '--name', 'test/device', '--no-fp32'], {
      timeout: 120_000,
    });
    expect(ex.code, ex.stderr).toBe(0);
    expect(existsSync(join(enc, 'onnx', 'model_quantized.onnx'))).toBe(true);
    expect(existsSync(join(enc, 'onnx', 'model.onnx'))).toBe(false);
    expect(ex.stdout).toMatch(/ONNX vs PyTorch max abs diff [\d.e-]+ on 16 held-back sequences/);
  }, 300_000);
});
