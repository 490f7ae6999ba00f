import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { env } from '@huggingface/transformers';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixture } from '../../src/generators/index.js';
import { convertModelToFloat16 } from '../../src/generators/float16.js';
import { decodeModel, encodeModel } from '../../src/onnx/proto.js';
import { Encoder, decodeNpy, encodeNpy } from '../../src/encoder/index.js';
import { encodeCommand } from '../../src/experiment/encode-file.js';
import { nodeBackend, providerPrecheck, vulkanIcdFiles } from '../../src/encoder/backend/node.js';
import * as ort from 'onnxruntime-node';
import { planBatches } from '../../src/encoder/batching.js';
import { maxPool, meanPool } from '../../src/encoder/pooling.js';
import { Rng } from '../../src/utils/random.js';
import { ORT_ERRORS } from './helpers/ort-errors.js';
import { maxAbsDiff, mixedSentences, quiet, sst2Dev } from './helpers/data.js';

const BAD_INPUTS: [string, string][] = [
  ['empty', ''],
  ['whitespace', ' \t\n  '],
  ['emoji', '😀🎉👍🏽 great movie 🍿'],
  ['CJK', '这部电影非常好看。映画はとても面白かった。'],
  ['RTL', 'هذا الفيلم رائع جدا — זה סרט מצוין'],
  ['control', 'a\u0000b\u0007c\u001b[31m\u200b\u202e d'],
  ['lone surrogates', 'x\uD800y\uDC00z\uD83D'],
  ['100k chars', 'a very long review . '.repeat(5000)],
];

describe('Encoder on the bert fixture', () => {
  let enc: Encoder;
  let dir: string;
  beforeAll(async () => {
    dir = await ensureFixture('bert');
    enc = await Encoder.load(dir, { device: 'cpu', threads: 1, logger: quiet });
  });
  afterAll(async () => {
    await enc.dispose();
  });

  it('info describes the model and graph', () => {
    expect(enc.info).toMatchObject({ dtype: 'fp32', device: 'cpu', dim: 32, pooling: 'mean', normalize: false, maxLength: 128 });
    expect(enc.info.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(enc.info.files).toContain('onnx/model.onnx');
  });

  it('encode([]) returns dims [0, d]', async () => {
    const r = await enc.encode([]);
    expect(r.dims).toEqual([0, 32]);
    expect(r.data.length).toBe(0);
  });

  it('odd but valid texts encode to finite vectors', async () => {
    const r = await enc.encode(BAD_INPUTS.map(([, t]) => t));
    expect(r.dims).toEqual([BAD_INPUTS.length, 32]);
    expect(r.data.every((v) => Number.isFinite(v))).toBe(true);
    // Lone surrogates are read as U+FFFD, like a UTF-8 round trip would.
    const pair = await enc.encode(['x\uD800y', 'x\uFFFDy']);
    const d = pair.dims[1];
    expect(maxAbsDiff(pair.data.subarray(0, d), pair.data.subarray(d, 2 * d))).toBe(0);
    // 100k characters are truncated to maxLength, ending in [SEP].
    const ids = enc.tokenize(BAD_INPUTS[7]![1]);
    expect(ids).toHaveLength(128);
    expect(ids[127]).toBe(enc.tokenize('')[1]);
  });

  it('a non-string is a TypeError naming its index', async () => {
    await expect(enc.encode(['ok', 'fine', 42 as unknown as string])).rejects.toThrow(TypeError);
    await expect(enc.encode(['ok', 'fine', 42 as unknown as string])).rejects.toThrow(/texts\[2\] is not a string \(got number\)/);
    await expect(enc.encode(['ok', null as unknown as string])).rejects.toThrow(/texts\[1\] is not a string \(got null\)/);
    await expect(enc.encode('just one string' as unknown as string[])).rejects.toThrow(TypeError);
  });

  it('padding invariance: alone == inside a large mixed batch (fp32)', async () => {
    const texts = mixedSentences(300);
    const big = await enc.encode(texts);
    const rng = new Rng(7);
    for (let k = 0; k < 12; k++) {
      const i = rng.int(texts.length);
      const alone = await enc.encode([texts[i]!]);
      expect(maxAbsDiff(alone.data, big.data.subarray(i * 32, i * 32 + 32))).toBeLessThan(1e-5);
    }
  });

  it('keeps input order, encodes duplicates once, reports progress', async () => {
    const texts = sst2Dev(50);
    const withDupes = [...texts, ...texts.slice(0, 10)];
    const before = enc.stats.tokenized;
    const progress: number[] = [];
    const r = await enc.encode(withDupes, { onProgress: (p) => progress.push(p.done) });
    expect(enc.stats.tokenized - before).toBe(50);
    expect(progress[progress.length - 1]).toBe(60);
    for (let i = 0; i < 10; i++)
      expect(maxAbsDiff(r.data.subarray((50 + i) * 32, (51 + i) * 32), r.data.subarray(i * 32, (i + 1) * 32))).toBe(0);
    const rev = await enc.encode(texts.slice().reverse());
    expect(maxAbsDiff(rev.data.subarray(0, 32), r.data.subarray(49 * 32, 50 * 32))).toBeLessThan(1e-5);
  });

  it('encodeTokens: states, masks and lengths', async () => {
    const texts = ['short', 'a somewhat longer sentence with more words in it', ''];
    const t = await enc.encodeTokens(texts);
    const lens = texts.map((x) => enc.tokenize(x).length);
    expect(t.lengths).toEqual(lens);
    const L = Math.max(...lens);
    expect(t.dims).toEqual([3, L, 32]);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < L; j++) expect(t.attentionMask[i * L + j]).toBe(j < lens[i]! ? 1 : 0);
      // Padded positions are zero.
      for (let j = lens[i]!; j < L; j++) expect(t.data.subarray((i * L + j) * 32, (i * L + j + 1) * 32).every((v) => v === 0)).toBe(true);
    }
    // Mean of the token states == encode with mean pooling.
    const pooled = new Float32Array(32);
    meanPool(t.data.subarray(0, L * 32), t.attentionMask.subarray(0, L), 1, L, 32, pooled);
    expect(maxAbsDiff(pooled, (await enc.encode(['short'])).data)).toBeLessThan(1e-5);
  });
});

describe('the batch pipeline', () => {
  /** nodeBackend with each session's run wrapped: counts runs in flight, optionally fails run k. */
  function countingBackend(failAt?: number) {
    const seen = { maxInFlight: 0, runs: 0 };
    let inFlight = 0;
    const backend: typeof nodeBackend = {
      ...nodeBackend,
      async createSession(model, provider, config) {
        const s = await nodeBackend.createSession(model, provider, config);
        return {
          inputNames: s.inputNames,
          outputNames: s.outputNames,
          inputInfo: s.inputInfo,
          outputInfo: s.outputInfo,
          async run(feeds, names) {
            const k = ++seen.runs;
            inFlight++;
            seen.maxInFlight = Math.max(seen.maxInFlight, inFlight);
            try {
              if (k === failAt) throw new Error('injected failure');
              return await s.run(feeds, names);
            } finally {
              inFlight--;
            }
          },
          release: () => s.release(),
        };
      },
    };
    return { backend, seen };
  }

  it('one run at a time, many batches, and the vectors of one big batch', async () => {
    const dir = await ensureFixture('bert');
    const texts = mixedSentences(300);
    const small = countingBackend();
    const e1 = await Encoder.load(dir, { device: 'cpu', threads: 2, batchTokens: 256, backend: small.backend, logger: quiet });
    const e2 = await Encoder.load(dir, { device: 'cpu', threads: 2, batchTokens: 1 << 16, maxBatchSize: 1000, logger: quiet });
    try {
      const [a, b] = [await e1.encode(texts), await e2.encode(texts)];
      expect(small.seen.maxInFlight).toBe(1);
      expect(small.seen.runs).toBeGreaterThan(10);
      expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-5);
    } finally {
      await e1.dispose();
      await e2.dispose();
    }
  });

  it('a failing run rejects encode with the batch named', async () => {
    const dir = await ensureFixture('bert');
    const bad = countingBackend(3); // run 1 is the load-time probe, if any; a later batch fails
    const enc = await Encoder.load(dir, { device: 'cpu', threads: 2, batchTokens: 128, backend: bad.backend, logger: quiet });
    try {
      await expect(enc.encode(mixedSentences(200))).rejects.toThrow(/inference failed for a batch of \d+ texts .*injected failure/);
    } finally {
      await enc.dispose();
    }
  });
});

describe("dtype 'auto'", () => {
  it('q8 on the CPU provider when the CPU has an int8 dot product, fp32 without; info says which and why', async () => {
    const dir = await ensureFixture('bert');
    const vnni = await Encoder.load(dir, { device: 'cpu', dtype: 'auto', int8Features: ['avx512_vnni'], logger: quiet });
    const none = await Encoder.load(dir, { device: 'cpu', dtype: 'auto', int8Features: [], logger: quiet });
    const viaAuto = await Encoder.load(dir, { device: 'auto', dtype: 'auto', int8Features: ['amx_int8'], logger: quiet });
    const q8 = await Encoder.load(dir, { device: 'cpu', dtype: 'q8', logger: quiet });
    try {
      expect(vnni.info.dtype).toBe('q8');
      expect(vnni.info.dtypeChoice).toBe('auto: q8 (CPU provider, the CPU has avx512_vnni)');
      expect(vnni.info.sha256).toBe(q8.info.sha256);
      expect(none.info.dtype).toBe('fp32');
      expect(none.info.dtypeChoice).toMatch(/^auto: fp32 \(the CPU has no int8 dot product/);
      // device 'auto' that ends on the CPU reloads the q8 file
      expect(viaAuto.info.device).toBe('cpu');
      expect(viaAuto.info.dtype).toBe('q8');
      expect(viaAuto.info.sha256).toBe(q8.info.sha256);
      const texts = sst2Dev(20);
      expect(maxAbsDiff((await vnni.encode(texts)).data, (await q8.encode(texts)).data)).toBe(0);
    } finally {
      for (const e of [vnni, none, viaAuto, q8]) await e.dispose();
    }
  });

  it('a model without a q8 file falls back to fp32 and says so', async () => {
    const src = await ensureFixture('bert');
    const tmp = mkdtempSync(join(tmpdir(), 'auto-dtype-'));
    try {
      cpSync(src, tmp, { recursive: true });
      rmSync(join(tmp, 'onnx', 'model_quantized.onnx'));
      const e = await Encoder.load(tmp, { device: 'cpu', dtype: 'auto', int8Features: ['avx512_vnni'], logger: quiet });
      expect(e.info.dtype).toBe('fp32');
      expect(e.info.dtypeChoice).toMatch(/no q8 file/);
      await e.dispose();
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('fixed dtypes carry no dtypeChoice', async () => {
    const e = await Encoder.load(await ensureFixture('bert'), { device: 'cpu', logger: quiet });
    expect(e.info.dtypeChoice).toBeUndefined();
    await e.dispose();
  });
});

describe('loading', () => {
  it('maxLength option truncates keeping [SEP]; XLM-R keeps </s>', async () => {
    const bert = await Encoder.load(await ensureFixture('bert'), { device: 'cpu', maxLength: 12, logger: quiet });
    const ids = bert.tokenize(sst2Dev(5).join(' '));
    expect(ids).toHaveLength(12);
    expect(ids[11]).toBe(bert.tokenize('')[1]);
    await bert.dispose();
    const xlmr = await Encoder.load(await ensureFixture('xlm-roberta'), { device: 'cpu', maxLength: 12, logger: quiet });
    const x = xlmr.tokenize(sst2Dev(5).join(' '));
    expect(x[0]).toBe(0);
    expect(x[11]).toBe(2);
    expect((await xlmr.encode(['a'.repeat(5000)])).dims).toEqual([1, 32]);
    await xlmr.dispose();
  });

  it('a missing dtype file is a clear error naming the file and the way out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'enc-dtype-'));
    try {
      cpSync(await ensureFixture('distilbert'), join(dir, 'distilbert'), { recursive: true });
      rmSync(join(dir, 'distilbert', 'onnx', 'model_fp16.onnx'));
      await expect(Encoder.load(join(dir, 'distilbert'), { dtype: 'fp16', device: 'cpu', logger: quiet })).rejects.toThrow(
        /onnx\/model_fp16\.onnx not found in .*distilbert.*run with --dtype fp32 \(or --dtype auto; library: dtype 'fp32' or 'auto'\).*optimum-cli export onnx/s,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an fp16 export with float16 outputs (no keep_io_types) is widened to float32 vectors', async () => {
    const root = mkdtempSync(join(tmpdir(), 'enc-f16-'));
    try {
      const dir = join(root, 'bert');
      cpSync(await ensureFixture('bert'), dir, { recursive: true });
      const half = convertModelToFloat16(decodeModel(readFileSync(join(dir, 'onnx/model.onnx'))), { keepIoTypes: false });
      writeFileSync(join(dir, 'onnx/model_fp16.onnx'), encodeModel(half));
      const session = await ort.InferenceSession.create(join(dir, 'onnx/model_fp16.onnx'));
      const ids = new ort.Tensor('int64', BigInt64Array.from([2n, 40n, 41n, 3n]), [1, 4]);
      const raw = await session.run({
        input_ids: ids,
        attention_mask: new ort.Tensor('int64', BigInt64Array.from([1n, 1n, 1n, 1n]), [1, 4]),
        token_type_ids: new ort.Tensor('int64', new BigInt64Array(4), [1, 4]),
      });
      expect(raw.last_hidden_state!.type).toBe('float16');
      await session.release();
      const texts = sst2Dev(20);
      const a = await Encoder.load(dir, { dtype: 'fp32', device: 'cpu', logger: quiet });
      const b = await Encoder.load(dir, { dtype: 'fp16', device: 'cpu', logger: quiet });
      const va = await a.encode(texts);
      const vb = await b.encode(texts);
      expect(vb.data).toBeInstanceOf(Float32Array);
      expect(vb.dims).toEqual(va.dims);
      expect(maxAbsDiff(va.data, vb.data)).toBeLessThan(5e-3); // half precision outputs
      expect(maxAbsDiff(va.data, vb.data)).toBeGreaterThan(0); // and they really were half
      await a.dispose();
      await b.dispose();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('offline hub id not in the local cache: names the files and how to provide them', async () => {
    await expect(Encoder.load('Xenova/not-downloaded-model-xyz', { offline: true, logger: quiet })).rejects.toThrow(
      /onnx\/model\.onnx of Xenova\/not-downloaded-model-xyz not found locally .*offline is set: run once with network access .* or pass a local HF-layout folder/s,
    );
  });

  it("a hub id already in transformers.js' file cache (env.cacheDir) loads offline from there", async () => {
    const cacheRoot = mkdtempSync(join(tmpdir(), 'enc-hub-'));
    const saved = env.cacheDir;
    try {
      cpSync(await ensureFixture('distilbert'), join(cacheRoot, 'Xenova/tiny-distilbert-test'), { recursive: true });
      rmSync(join(cacheRoot, 'Xenova/tiny-distilbert-test/onnx/model_fp16.onnx'));
      env.cacheDir = cacheRoot;
      const enc = await Encoder.load('Xenova/tiny-distilbert-test', { offline: true, device: 'cpu', dtype: 'q8', logger: quiet });
      expect(enc.info.model).toBe('Xenova/tiny-distilbert-test');
      expect(enc.info.files[0]).toBe('onnx/model_quantized.onnx');
      expect((await enc.encode(['hello there'])).dims).toEqual([1, 32]);
      await enc.dispose();
      const q4 = await Encoder.load('Xenova/tiny-distilbert-test', { offline: true, device: 'cpu', dtype: 'q4', logger: quiet });
      expect(q4.info.files[0]).toBe('onnx/model_q4.onnx');
      await q4.dispose();
      await expect(Encoder.load('Xenova/tiny-distilbert-test', { offline: true, dtype: 'fp16', logger: quiet })).rejects.toThrow(
        /onnx\/model_fp16\.onnx of Xenova\/tiny-distilbert-test not found locally.*Available: dtype 'fp32' \(onnx\/model\.onnx\), dtype 'q4' \(onnx\/model_q4\.onnx\), dtype 'q8' \(onnx\/model_quantized\.onnx\)/s,
      );
    } finally {
      env.cacheDir = saved;
      rmSync(cacheRoot, { recursive: true, force: true });
    }
  });

  it('sentence-transformers: auto pooling uses sentence_embedding; mean/cls use token_embeddings', async () => {
    const dir = await ensureFixture('sentence-transformers');
    const auto = await Encoder.load(dir, { device: 'cpu', logger: quiet });
    expect(auto.info.pooling).toBe('sentence_embedding');
    const mean = await Encoder.load(dir, { device: 'cpu', pooling: 'mean', logger: quiet });
    expect(mean.info.pooling).toBe('mean');
    const t = sst2Dev(3);
    expect((await auto.encode(t)).dims).toEqual([3, auto.info.dim]);
    expect((await mean.encode(t)).dims).toEqual([3, mean.info.dim]);
    await auto.dispose();
    await mean.dispose();
  });

  it('real onnxruntime-node errors here match the recorded texts', async () => {
    const dir = await ensureFixture('distilbert');
    const model = join(dir, 'onnx/model.onnx');
    // ORT itself (the backend prechecks CUDA, see below)
    await expect(ort.InferenceSession.create(model, { executionProviders: ['cuda'] })).rejects.toThrow(ORT_ERRORS.cuda);
    await expect(nodeBackend.createSession(model, 'wasm', { threads: 1 })).rejects.toThrow(ORT_ERRORS.wasm);
  });

  it('prechecks providers whose libraries are absent instead of letting native code print errors', async () => {
    // no CUDA provider library is installed here (the project skips the download by default)
    expect(providerPrecheck('cuda')).toMatch(/CUDA execution provider not installed .*--onnxruntime-node-install=cuda12/);
    expect(providerPrecheck('cpu')).toBeNull();
    if (process.platform === 'linux')
      expect(providerPrecheck('webgpu', { LD_LIBRARY_PATH: '' })).toBe(
        existsSync('/usr/lib/x86_64-linux-gnu/libvulkan.so.1') ? null : 'WebGPU needs a Vulkan loader (libvulkan.so.1), none found',
      );
    const dir = await ensureFixture('distilbert');
    await expect(nodeBackend.createSession(join(dir, 'onnx/model.onnx'), 'cuda', { threads: 1 })).rejects.toThrow(/not installed/);
  });
});

describe('WebGPU precheck (Linux)', () => {
  it.runIf(process.platform === 'linux')("'auto' skips software-only Vulkan drivers and a missing ICD; explicit 'webgpu' does not", () => {
    const root = mkdtempSync(join(tmpdir(), 'vk-'));
    try {
      const lib = join(root, 'lib');
      const icdDir = join(root, 'share', 'vulkan', 'icd.d');
      mkdirSync(lib, { recursive: true });
      mkdirSync(icdDir, { recursive: true });
      writeFileSync(join(lib, 'libvulkan.so.1'), '');
      const base = { LD_LIBRARY_PATH: lib, HOME: root, XDG_DATA_DIRS: join(root, 'share'), XDG_CONFIG_DIRS: join(root, 'etc') };
      const etcHasIcds = existsSync('/etc/vulkan/icd.d');
      // no ICD manifest at all
      if (!etcHasIcds) expect(providerPrecheck('webgpu', base, { auto: true })).toBe('no Vulkan driver (ICD manifest) found');
      expect(providerPrecheck('webgpu', base)).toBeNull();
      // only lavapipe / SwiftShader, found in the icd.d folder or named by VK_ICD_FILENAMES
      writeFileSync(join(icdDir, 'lvp_icd.x86_64.json'), '{}');
      expect(vulkanIcdFiles(base)).toContain(join(icdDir, 'lvp_icd.x86_64.json'));
      if (!etcHasIcds)
        expect(providerPrecheck('webgpu', base, { auto: true })).toMatch(/^only software Vulkan drivers \(lvp_icd\.x86_64\.json\)/);
      const swiftshader = { ...base, VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json' };
      expect(vulkanIcdFiles(swiftshader)).toEqual(['/usr/lib/chromium/vk_swiftshader_icd.json']);
      expect(providerPrecheck('webgpu', swiftshader, { auto: true })).toMatch(/only software Vulkan drivers \(vk_swiftshader_icd\.json\)/);
      expect(providerPrecheck('webgpu', swiftshader)).toBeNull();
      // a hardware driver next to them: let ORT try
      writeFileSync(join(icdDir, 'nvidia_icd.json'), '{}');
      expect(providerPrecheck('webgpu', base, { auto: true })).toBeNull();
      expect(
        providerPrecheck('webgpu', { ...base, VK_DRIVER_FILES: `/x/lvp_icd.json:/y/radeon_icd.x86_64.json` }, { auto: true }),
      ).toBeNull();
      // and without a loader nothing else matters (checkable where the system has none)
      const systemLoader = [
        '/usr/lib/x86_64-linux-gnu',
        '/usr/lib/aarch64-linux-gnu',
        '/lib/x86_64-linux-gnu',
        '/lib/aarch64-linux-gnu',
        '/usr/lib64',
        '/usr/lib',
        '/usr/local/lib',
      ].some((d) => existsSync(join(d, 'libvulkan.so.1')));
      if (!systemLoader)
        expect(providerPrecheck('webgpu', { ...base, LD_LIBRARY_PATH: join(root, 'nothing') }, { auto: true })).toBe(
          'WebGPU needs a Vulkan loader (libvulkan.so.1), none found',
        );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('helpers', () => {
  it('planBatches: token budget, max rows, padding only to each batch', () => {
    const rng = new Rng(3);
    const lengths = Array.from({ length: 500 }, () => 3 + rng.int(120));
    const batches = planBatches(lengths, { batchTokens: 1024, maxBatchSize: 32 });
    expect(batches.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    for (const b of batches) {
      const L = Math.max(...b.map((i) => lengths[i]!));
      expect(b.length).toBeLessThanOrEqual(32);
      expect(b.length * L).toBeLessThanOrEqual(1024);
    }
    expect(planBatches([5000], { batchTokens: 100, maxBatchSize: 4 })).toEqual([[0]]);
  });

  it('maxPool ignores padding', () => {
    const h = new Float32Array([1, -5, 3, 2, 100, 100]); // 1 row, 3 tokens, d=2
    const out = new Float32Array(2);
    maxPool(h, new Uint8Array([1, 1, 0]), 1, 3, 2, out);
    expect(Array.from(out)).toEqual([3, 2]);
  });

  it('npy round trip with a valid v1.0 header', () => {
    const data = Float32Array.from({ length: 12 }, (_, i) => i / 3);
    const bytes = encodeNpy(data, 3, 4);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const hlen = bytes[8]! | (bytes[9]! << 8);
    expect((10 + hlen) % 64).toBe(0);
    expect(String.fromCharCode(...bytes.subarray(10, 10 + hlen))).toMatch(
      /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(3, 4\), \} *\n$/,
    );
    expect(decodeNpy(bytes)).toEqual({ dims: [3, 4], data });
  });
});

describe('encodeCommand', () => {
  it('writes .jsonl and .npy', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'enc-cmd-'));
    try {
      const input = join(tmp, 'texts.txt');
      writeFileSync(input, ['first line', '', 'third line 😀'].join('\n') + '\n');
      const model = await ensureFixture('bert');
      const a = await encodeCommand({ model, input, output: join(tmp, 'v.jsonl'), device: 'cpu', quiet: true });
      expect(a).toEqual({ count: 3, dim: 32 });
      const rows = readFileSync(join(tmp, 'v.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as number[]);
      expect(rows).toHaveLength(3);
      expect(rows[0]).toHaveLength(32);
      const b = await encodeCommand({ model, input, output: join(tmp, 'v.npy'), device: 'cpu', quiet: true });
      expect(b).toEqual({ count: 3, dim: 32 });
      const npy = decodeNpy(readFileSync(join(tmp, 'v.npy')));
      expect(npy.dims).toEqual([3, 32]);
      expect(maxAbsDiff(npy.data.subarray(0, 32), Float32Array.from(rows[0]!))).toBe(0);
      await expect(encodeCommand({ model, input, output: join(tmp, 'v.csv'), quiet: true })).rejects.toThrow(/\.jsonl or \.npy/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
