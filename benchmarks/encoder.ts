/**
 * Encoder throughput benchmark (not a timed test): `npx tsx benchmarks/encoder.ts [--quick]`.
 *
 * On the minilm-l6 fixture (all-MiniLM-L6-v2 shape), threads = cores, three mixes of real texts run
 * side by side in interleaved rounds: short (SST-2 dev + MLQE-PE en-de dev, both sides), long (BBC
 * article sentences of ≥ 25 words) and mixed (a third of each source):
 *   (a) Encoder.encode fp32   (a') the same with `workers` = threads (one thread each)
 *   (b) Encoder.encode q8 (mixed only)
 *   (c) transformers.js pipeline('feature-extraction'), same model / threads, batch 32, given order
 *   (d) a second, cached Encoder.encode (in-memory LRU; the SQLite-only path is reported as well)
 * The CPU (model, clock, AVX2 / AVX-512 / VNNI / AMX) is recorded beside every number.
 * Ceiling: the encoder's own weight GEMMs (H×H, H×I, I×H) as ONNX Runtime MatMuls swept over M
 * (256 … 8,192 rows) on all threads and on one, the best point of the sweep, and the theoretical FMA
 * peak (cores × the clock measured by a dependent-multiply chain × FLOP/cycle from the flags); the
 * encoder's GFLOP/s at L = 32 and L = 128 as a share of both. Per mix, the padded tokens each side
 * computes (ours: length-sorted batches; the peer's: 32 in the given order) and (a)/(c) divided by
 * their ratio, which is what our batches gain per token; and the bound: the (a)/(c) the encoder would
 * reach if all of its FLOPs ran at the best GEMM rate measured (all threads on one GEMM, or one
 * thread per worker) with nothing else to do.
 * `--core` runs the mixes and the ceiling only (skips fp16/q4, the q8 profile and the cache).
 * Also: fp16 and q4 throughput (informational), and the int8 ceiling of this CPU: the encoder's own
 * weight GEMMs (M = one 1,024-token batch) as fp32 MatMul vs the q8 file's form (the fixture
 * quantizer applied to the same MatMul; ORT fuses it to DynamicQuantizeMatMul), so (b)/(a) can be
 * read against what the hardware allows.
 * Writes results/encoder-<date>.json, a Markdown table and -bars.{svg,png} (each mix's ratios over the
 * peer beside the padding ratio, the bound and the 2x target; vega-lite, src/report/plots.ts). Numbers
 * are wall-clock on a shared machine: compare the ratios, not the absolute times.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { pipeline } from '@huggingface/transformers';
import { ensureFixture } from '../src/generators/index.js';
import { onnx } from '../src/onnx/proto.js';
import { quantizeDynamicModel } from '../src/generators/quantize.js';
import { Encoder } from '../src/encoder/index.js';
import { MIXES, bbcLong, mixTexts, type Mix } from './texts.js';
import { cpuFeatures, fmaPeak, measureClockMhz } from '../src/utils/cpu.js';
import { planBatches } from '../src/encoder/batching.js';
import { ratioBarsSpec, renderVegaLite } from '../src/report/plots.js';
import { writeFileAtomicSync } from '../src/utils/fs.js';
import { packageRoot } from '../src/utils/paths.js';
import { Rng } from '../src/utils/random.js';

const quick = process.argv.includes('--quick');
const core = process.argv.includes('--core');
const threads = availableParallelism();
const quiet = () => undefined;

async function time<T>(fn: () => Promise<T>): Promise<{ s: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { s: (performance.now() - t0) / 1000, value };
}

/** Wall seconds and process CPU seconds (all threads) of one run. */
async function measure(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}

/** Best of `reps` runs (the machine is shared: the best run is the least disturbed). */
async function best(reps: number, fn: () => Promise<unknown>): Promise<number> {
  let b = Infinity;
  for (let r = 0; r < reps; r++) b = Math.min(b, (await time(fn)).s);
  return b;
}

const WEIGHT_GEMM_OPS = new Set(['DynamicQuantizeMatMul', 'MatMulIntegerToFloat', 'MatMulInteger', 'DynamicQuantizeLinear']);

/**
 * Kernel time of one padded batch through an ONNX file, from ONNX Runtime's own profiler, split into
 * the weight GEMMs (fp32: MatMul/FusedMatMul nodes whose B is a weight, i.e. not the two attention
 * products; q8: the integer GEMM kernels and their activation quantization) and everything else.
 */
async function profileBatch(file: string, ids: number[][], padId: number, runs: number): Promise<{ wall: number; gemm: number; other: number }> {
  const profDir = mkdtempSync(join(tmpdir(), 'enc-prof-'));
  try {
    const session = await ort.InferenceSession.create(file, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      enableProfiling: true,
      profileFilePrefix: join(profDir, 'p'),
    });
    const B = ids.length;
    const L = Math.max(...ids.map((r) => r.length));
    const inputIds = new BigInt64Array(B * L).fill(BigInt(padId));
    const mask = new BigInt64Array(B * L);
    ids.forEach((r, i) => r.forEach((t, j) => {
      inputIds[i * L + j] = BigInt(t);
      mask[i * L + j] = 1n;
    }));
    const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', inputIds, [B, L]), attention_mask: new ort.Tensor('int64', mask, [B, L]) };
    if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(B * L), [B, L]);
    const walls: number[] = [];
    for (let i = 0; i < runs; i++) walls.push((await time(() => session.run(feeds))).s);
    session.endProfiling();
    await session.release();
    const profile = readdirSync(profDir).find((f) => f.endsWith('.json'));
    if (!profile) throw new Error('ONNX Runtime wrote no profile');
    const events = JSON.parse(readFileSync(join(profDir, profile), 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
    // Per node: the median duration over the runs; GEMM = the weight GEMM kernels, other = the rest of
    // the median run's wall time (other kernels and the framework between them).
    const byNode = new Map<string, { op: string; durs: number[] }>();
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      const entry = byNode.get(e.name) ?? { op: e.args?.op_name ?? '', durs: [] };
      entry.durs.push(e.dur);
      byNode.set(e.name, entry);
    }
    const median = (xs: number[]) => xs.slice().sort((x, y) => x - y)[xs.length >> 1] as number;
    let gemm = 0;
    for (const [name, { op, durs }] of byNode) {
      // attention products are /attention/self/MatMul(_1); every other (Fused)MatMul reads a weight
      const isWeightMatMul = (op === 'MatMul' || op === 'FusedMatMul') && !/\/attention\/self\/MatMul/.test(name);
      if (isWeightMatMul || WEIGHT_GEMM_OPS.has(op)) gemm += median(durs) / 1e6;
    }
    const wall = median(walls);
    return { wall, gemm, other: Math.max(0, wall - gemm) };
  } finally {
    rmSync(profDir, { recursive: true, force: true });
  }
}

/** x[M, K] · W[K, N] with W a constant initializer (as in the encoder), fp32 or in the q8 file's form. */
function weightGemmModel(M: number, K: number, N: number, dtype: 'fp32' | 'q8'): Uint8Array {
  const rng = new Rng(`gemm-${K}x${N}`);
  const w = Float32Array.from({ length: K * N }, () => (rng.next() - 0.5) * 0.1);
  const info = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'mtl-nlp-bench',
    graph: {
      name: 'gemm',
      node: [{ opType: 'MatMul', input: ['x', 'w'], output: ['y'], name: 'mm' }],
      initializer: [{ name: 'w', dataType: 1, dims: [K, N], rawData: new Uint8Array(w.buffer) }],
      input: [info('x', [M, K])],
      output: [info('y', [M, N])],
    },
  });
  return onnx.ModelProto.encode(dtype === 'q8' ? quantizeDynamicModel(model).model : model).finish();
}

/**
 * The encoder's weight GEMMs per layer (Q, K, V, O: H→H; FFN in: H→I; FFN out: I→H) at M rows, fp32 vs
 * q8, interleaved, best of `reps`. Returns seconds per layer for each dtype and the rate of each.
 */
async function weightGemmCeiling(M: number, H: number, I: number, reps: number): Promise<{ fp32: number; q8: number; ratio: number; perShape: { shape: string; fp32Gflops: number; q8Gops: number; ratio: number }[] }> {
  const shapes: { K: number; N: number; count: number }[] = [
    { K: H, N: H, count: 4 },
    { K: H, N: I, count: 1 },
    { K: I, N: H, count: 1 },
  ];
  const opts = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' as const, intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' as const };
  let fp32 = 0;
  let q8 = 0;
  const perShape: { shape: string; fp32Gflops: number; q8Gops: number; ratio: number }[] = [];
  for (const { K, N, count } of shapes) {
    const a = await ort.InferenceSession.create(weightGemmModel(M, K, N, 'fp32'), opts);
    const b = await ort.InferenceSession.create(weightGemmModel(M, K, N, 'q8'), opts);
    const rng = new Rng(`x-${K}`);
    const x = new ort.Tensor('float32', Float32Array.from({ length: M * K }, () => rng.normal()), [M, K]);
    await a.run({ x });
    await b.run({ x });
    let ta = Infinity;
    let tb = Infinity;
    for (let r = 0; r < reps * 3; r++) {
      ta = Math.min(ta, (await time(async () => { for (let i = 0; i < 4; i++) await a.run({ x }); })).s / 4);
      tb = Math.min(tb, (await time(async () => { for (let i = 0; i < 4; i++) await b.run({ x }); })).s / 4);
    }
    await a.release();
    await b.release();
    fp32 += count * ta;
    q8 += count * tb;
    const flop = 2 * M * K * N;
    perShape.push({ shape: `${M}×${K}×${N}`, fp32Gflops: flop / ta / 1e9, q8Gops: flop / tb / 1e9, ratio: ta / tb });
  }
  return { fp32, q8, ratio: fp32 / q8, perShape };
}

/** FLOPs of one forward pass of a BERT-style encoder at sequence length L (matmuls + attention). */
function encoderFlops(config: Record<string, number>, L: number): number {
  const h = config.hidden_size ?? 384;
  const inter = config.intermediate_size ?? 4 * h;
  const layers = config.num_hidden_layers ?? 6;
  const perTokenMatmul = 2 * (4 * h * h + 2 * h * inter); // Q, K, V, O projections + FFN
  const perTokenAttention = 2 * 2 * L * h; // QKᵀ and softmax(QKᵀ)V
  return layers * L * (perTokenMatmul + perTokenAttention);
}

/** Per-setting GEMM rates of one M, and which setting was best. */
interface GemmAtM {
  M: number;
  /** setting → GFLOP/s of the per-layer mix (total FLOP / total time). */
  settings: Record<string, number>;
  /** GFLOP per CPU-second of the single-threaded run (no spinning threads: all of it is GEMM work). */
  perCoreSecond: number;
}

/**
 * The fp32 ceiling on the encoder's own weight GEMMs: x[M, K] · W[K, N] for (H, H) ×4, (H, I), (I, H)
 * per layer, swept over M (from one short batch, 256 rows, to 8,192 rows, whose activations no longer
 * fit in L2) on all threads and on one, best of `reps` per point. The ceiling is the best point: a measured
 * rate the encoder, which runs these same GEMMs plus everything else, cannot beat.
 */
async function gemmSweep(Ms: readonly number[], H: number, I: number, reps: number): Promise<GemmAtM[]> {
  const shapes = [
    { K: H, N: H, count: 4 },
    { K: H, N: I, count: 1 },
    { K: I, N: H, count: 1 },
  ];
  const sessionOpts = (intra: number) => ({ executionProviders: ['cpu'], graphOptimizationLevel: 'all' as const, intraOpNumThreads: intra, interOpNumThreads: 1, executionMode: 'sequential' as const });
  // intra-op threads per run (onnxruntime-node runs session.run synchronously on the JS thread, so
  // concurrent runs of single-threaded sessions would only queue up: one run at a time)
  const settings: Record<string, number> = { [`${threads} threads`]: threads };
  if (threads > 1) settings['1 thread'] = 1;
  const out: GemmAtM[] = [];
  for (const M of Ms) {
    const time_: Record<string, number> = {};
    let cpuSingle = 0;
    for (const { K, N, count } of shapes) {
      const rng = new Rng(`x-${K}`);
      const x = new ort.Tensor('float32', Float32Array.from({ length: M * K }, () => rng.normal()), [M, K]);
      // repeat small Ms so each timed pass does ≥ ~0.5 GFLOP (timer and call overhead stay below 1%)
      const inner = Math.max(1, Math.ceil(5e8 / (2 * M * K * N)));
      for (const [name, intra] of Object.entries(settings)) {
        const sess = await ort.InferenceSession.create(weightGemmModel(M, K, N, 'fp32'), sessionOpts(intra));
        await sess.run({ x });
        let t = Infinity;
        let c = Infinity;
        for (let r = 0; r < reps; r++) {
          const m = await measure(async () => {
            for (let i = 0; i < inner; i++) await sess.run({ x });
          });
          t = Math.min(t, m.wall / inner);
          c = Math.min(c, m.cpu / inner);
        }
        if (intra === 1) cpuSingle += count * c;
        await sess.release();
        time_[name] = (time_[name] ?? 0) + count * t;
      }
    }
    const flop = shapes.reduce((a, { K, N, count }) => a + count * 2 * M * K * N, 0);
    out.push({ M, settings: Object.fromEntries(Object.entries(time_).map(([k, t]) => [k, flop / t / 1e9])), perCoreSecond: flop / cpuSingle / 1e9 });
  }
  return out;
}

/**
 * What ORT computes for `lengths`, batched our way (length-sorted under the budget) and the peer's way
 * (32 in the given order): the sum over batches of rows × cost(padded length). cost = L counts padded
 * tokens, cost = encoderFlops(config, ·) counts FLOPs.
 */
function padded(lengths: readonly number[], batchTokens: number, maxBatchSize: number, cost: (L: number) => number): { ours: number; peer: number } {
  const ours = planBatches(lengths, { batchTokens, maxBatchSize }).reduce((a, b) => a + b.length * cost(Math.max(...b.map((i) => lengths[i]!))), 0);
  let peer = 0;
  for (let s = 0; s < lengths.length; s += 32) {
    const b = lengths.slice(s, s + 32);
    peer += b.length * cost(Math.max(...b));
  }
  return { ours, peer };
}

async function main(): Promise<void> {
  const n = Number(process.env.BENCH_TEXTS ?? (quick ? 300 : 1200));
  const reps = Number(process.env.BENCH_ROUNDS ?? (quick ? 2 : 3));
  const cpu = cpuFeatures();
  // the peak at the clock the cores actually run (a VM reports its nominal clock; boost is higher)
  const peak = fmaPeak(cpu, measureClockMhz());
  const dir = await ensureFixture('minilm-l6');
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, number>;
  const mixes = Object.fromEntries(MIXES.map((m) => [m, mixTexts(m, n)])) as Record<Mix, string[]>;
  const texts = mixes.mixed;
  const warm = texts.slice(0, 32);
  console.error(`[bench] ${MIXES.map((m) => `${m} ${mixes[m].length}`).join(', ')} texts, ${threads} threads, model ${dir}`);
  console.error(`[bench] CPU: ${cpu.summary}; measured clock ${peak.mhz?.toFixed(0)} MHz; FMA peak ${peak.gflops.toFixed(0)} GFLOP/s (${peak.assumption})`);

  // (a) fp32 and (c) transformers.js pipeline (batch 32, texts in the given order) on each mix, (b) q8 on
  // the mixed one, interleaved round by round so all see the same machine load; best wall time of each,
  // plus CPU seconds.
  const a = await Encoder.load(dir, { dtype: 'fp32', device: 'cpu', threads, logger: quiet });
  await a.encode(warm);
  const tokensOf = (ts: string[]) => ts.reduce((s, t) => s + a.tokenize(t).length, 0);
  const extractor = await pipeline('feature-extraction', dir, {
    dtype: 'fp32',
    device: 'cpu',
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' },
  });
  const runPipeline = async (ts: string[]) => {
    for (let s = 0; s < ts.length; s += 32) await extractor(ts.slice(s, s + 32), { pooling: 'mean', normalize: false });
  };
  await extractor(warm, { pooling: 'mean' });
  const b = await Encoder.load(dir, { dtype: 'q8', device: 'cpu', threads, logger: quiet });
  await b.encode(warm);
  // (a') data-parallel: one worker per thread, each a session on one thread
  const aw = threads > 1 ? await Encoder.load(dir, { dtype: 'fp32', device: 'cpu', threads, workers: threads, logger: quiet }) : null;
  await aw?.encode(warm);
  type MixResult = { texts: number; meanTokens: number; padded: { ours: number; peer: number; real: number }; flops: { ours: number; peer: number }; a: number; aw: number; c: number; cpuA: number; cpuC: number; rounds: { a: number; aw: number | null; c: number }[] };
  // padded tokens: what ORT computes for each side (the CPU defaults: ≤ 1,024 tokens, ≤ 32 rows per batch)
  const perMix = Object.fromEntries(MIXES.map((m) => {
    const lengths = mixes[m].map((t) => a.tokenize(t).length);
    return [m, { texts: mixes[m].length, meanTokens: tokensOf(mixes[m]) / mixes[m].length, padded: { ...padded(lengths, 1024, 32, (L) => L), real: lengths.reduce((x, y) => x + y, 0) }, flops: padded(lengths, 1024, 32, (L) => encoderFlops(config, L)), a: Infinity, aw: Infinity, c: Infinity, cpuA: Infinity, cpuC: Infinity, rounds: [] }];
  })) as unknown as Record<Mix, MixResult>;
  let sB = Infinity;
  for (let r = 0; r < reps; r++) {
    const line: string[] = [];
    for (const m of MIXES) {
      const ts = mixes[m];
      const ma = await measure(() => a.encode(ts));
      const mc = await measure(() => runPipeline(ts));
      const maw = aw ? await measure(() => aw.encode(ts)) : null;
      const pm = perMix[m];
      pm.a = Math.min(pm.a, ma.wall);
      pm.c = Math.min(pm.c, mc.wall);
      if (maw) pm.aw = Math.min(pm.aw, maw.wall);
      pm.cpuA = Math.min(pm.cpuA, ma.cpu);
      pm.cpuC = Math.min(pm.cpuC, mc.cpu);
      pm.rounds.push({ a: ts.length / ma.wall, aw: maw ? ts.length / maw.wall : null, c: ts.length / mc.wall });
      line.push(`${m}: (a) ${(ts.length / ma.wall).toFixed(1)} (a') ${maw ? (ts.length / maw.wall).toFixed(1) : '-'} (c) ${(ts.length / mc.wall).toFixed(1)} = ${(mc.wall / ma.wall).toFixed(2)}x`);
    }
    const mb = await measure(() => b.encode(texts));
    sB = Math.min(sB, mb.wall);
    line.push(`(b) mixed ${(texts.length / mb.wall).toFixed(1)}`);
    console.error(`[bench] round ${r + 1} (texts/s): ${line.join('; ')}; load ${loadavg()[0]!.toFixed(1)}`);
  }
  await extractor.dispose();
  await b.dispose();
  await aw?.dispose();
  const sA = perMix.mixed.a;
  const sC = perMix.mixed.c;
  const tokens = tokensOf(texts);

  const others: Record<'fp16' | 'q4', { s: number; ratio: number }> = { fp16: { s: NaN, ratio: NaN }, q4: { s: NaN, ratio: NaN } };
  let q8Breakdown: Record<string, unknown> | null = null;
  let sD = NaN;
  let sD2 = NaN;
  if (!core) {
    // fp16 and q4 files (informational: on this CPU ORT runs fp16 through casts, and MatMulNBits without
    // accuracy_level dequantizes to fp32), interleaved with (a) again so the ratio is like for like.
    for (const dtype of ['fp16', 'q4'] as const) {
      const e = await Encoder.load(dir, { dtype, device: 'cpu', threads, logger: quiet });
      await e.encode(warm);
      let sRef = Infinity;
      others[dtype].s = Infinity;
      for (let r = 0; r < reps; r++) {
        sRef = Math.min(sRef, (await measure(() => a.encode(texts))).wall);
        others[dtype].s = Math.min(others[dtype].s, (await measure(() => e.encode(texts))).wall);
      }
      others[dtype].ratio = sRef / others[dtype].s;
      await e.dispose();
      console.error(`[bench] ${dtype}: ${(texts.length / others[dtype].s).toFixed(1)} texts/s (${others[dtype].ratio.toFixed(2)}x fp32)`);
    }

    // Where (b)/(a) comes from: ORT's profiler on one typical batch (32 texts of the median length) splits
    // a run into weight-GEMM kernels and the rest for both files, next to the best int8/fp32 ratio this
    // CPU gives on the same GEMM shapes alone (standalone sessions, interleaved).
    const sorted = texts.map((t) => a.tokenize(t)).sort((x, y) => x.length - y.length);
    const mid = Math.floor(sorted.length / 2);
    const typical = sorted.slice(mid - 16, mid + 16);
    const padId = (config.pad_token_id as number | undefined) ?? 0;
    const prof32 = await profileBatch(join(dir, 'onnx', 'model.onnx'), typical, padId, reps * 4);
    const prof8 = await profileBatch(join(dir, 'onnx', 'model_quantized.onnx'), typical, padId, reps * 4);
    const target = 1.8;
    const required = prof32.gemm / (prof32.wall / target - prof8.other);
    const gemm = await weightGemmCeiling(typical.length * typical[typical.length - 1]!.length, config.hidden_size ?? 384, config.intermediate_size ?? 1536, reps);
    q8Breakdown = {
      batch: { rows: typical.length, paddedLength: typical[typical.length - 1]!.length },
      fp32Seconds: prof32,
      q8Seconds: prof8,
      inGraphGemmRatio: prof32.gemm / prof8.gemm,
      gemmRatioNeededFor: { target, ratio: required > 0 ? required : null },
      standaloneGemm: { ratio: gemm.ratio, perShape: gemm.perShape },
    };
    console.error(`[bench] q8 breakdown: ${JSON.stringify(q8Breakdown)}`);
  }

  // The ceiling: the encoder's weight GEMMs swept over M under each thread setting, against the encoder's
  // GFLOP/s on fixed-length texts (long BBC articles truncated to L tokens) at L = 32 and 128,
  // interleaved round by round with the sweep so both see the same load.
  const H = config.hidden_size ?? 384;
  const I = config.intermediate_size ?? 4 * H;
  const Ms = [256, 512, 1024, 2048, 4096, 8192];
  const longTexts = bbcLong(quick ? 64 : 256);
  const encoderAt: Record<string, number> = {};
  const encoderPerCoreSecond: Record<string, number> = {};
  const fixedEncoders: Record<number, Encoder> = {};
  for (const L of [32, 128]) {
    const e = await Encoder.load(dir, { dtype: 'fp32', device: 'cpu', threads, maxLength: L, logger: quiet });
    if (!longTexts.every((t) => e.tokenize(t).length === L)) throw new Error(`fixed-length texts are not all ${L} tokens`);
    await e.encode(longTexts.slice(0, 16));
    fixedEncoders[L] = e;
  }
  let sweep: GemmAtM[] = [];
  for (let r = 0; r < reps; r++) {
    for (const L of [32, 128]) {
      const m = await measure(() => fixedEncoders[L]!.encode(longTexts));
      const flop = longTexts.length * encoderFlops(config, L);
      encoderAt[L] = Math.max(encoderAt[L] ?? 0, flop / m.wall / 1e9);
      encoderPerCoreSecond[L] = Math.max(encoderPerCoreSecond[L] ?? 0, flop / m.cpu / 1e9);
    }
    const c = await gemmSweep(Ms, H, I, 2);
    sweep = sweep.length === 0 ? c : sweep.map((p, i) => ({
      M: p.M,
      settings: Object.fromEntries(Object.entries(p.settings).map(([k, v]) => [k, Math.max(v, c[i]!.settings[k]!)])),
      perCoreSecond: Math.max(p.perCoreSecond, c[i]!.perCoreSecond),
    }));
    console.error(`[bench] ceiling round ${r + 1}: ${c.map((p) => `M=${p.M} ${Object.values(p.settings).map((v) => v.toFixed(0)).join('/')}`).join(', ')} GFLOP/s`);
  }
  for (const e of Object.values(fixedEncoders)) await e.dispose();
  let ceilingAt = { M: 0, setting: '', gflops: 0 };
  for (const p of sweep) for (const [k, v] of Object.entries(p.settings)) if (v > ceilingAt.gflops) ceilingAt = { M: p.M, setting: k, gflops: v };
  const bestGflops = ceilingAt.gflops;
  const perCoreCeiling = Math.max(...sweep.map((p) => p.perCoreSecond));
  // the best GEMM rate of any way to run the encoder here: one GEMM on all threads, or one thread per worker
  const boundGflops = Math.max(bestGflops, perCoreCeiling * threads);
  /** (a)/(c) if all of our FLOPs ran at boundGflops and nothing else took time: no implementation on these GEMMs beats it. */
  const boundOf = (m: Mix) => perMix[m].c / (perMix[m].flops.ours / (boundGflops * 1e9));
  console.error(`[bench] ceiling ${bestGflops.toFixed(1)} GFLOP/s (M = ${ceilingAt.M}, ${ceilingAt.setting}); encoder @32 ${encoderAt[32]!.toFixed(1)}, @128 ${encoderAt[128]!.toFixed(1)} GFLOP/s`);

  if (!core) {
    // (d) cached: second encode of the same texts (LRU), and a fresh encoder reading SQLite only.
    const cacheDir = mkdtempSync(join(tmpdir(), 'enc-bench-cache-'));
    try {
      const c = await Encoder.load(dir, { dtype: 'fp32', device: 'cpu', threads, cache: { dir: cacheDir }, logger: quiet });
      await c.encode(texts);
      sD = await best(reps, () => c.encode(texts));
      await c.dispose();
      const c2 = await Encoder.load(dir, { dtype: 'fp32', device: 'cpu', threads, cache: { dir: cacheDir }, logger: quiet });
      sD2 = (await time(() => c2.encode(texts))).s;
      if (c2.stats.runs !== 0) throw new Error('cached pass ran inference');
      await c2.dispose();
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }
  await a.dispose();

  const tps = (s: number) => texts.length / s;
  const result = {
    date: new Date().toISOString(),
    quick,
    core,
    machine: { cpu, fmaPeak: peak, cpus: cpu.model, cores: threads, node: process.version, onnxruntimeNode: '1.30.0', loadavgAtEnd: loadavg()[0] },
    model: { dir, variant: 'minilm-l6', hidden: config.hidden_size, layers: config.num_hidden_layers },
    mixes: Object.fromEntries(MIXES.map((m) => {
      const pm = perMix[m];
      return [m, { texts: pm.texts, meanTokens: pm.meanTokens, paddedTokens: pm.padded, paddedFlops: pm.flops, paddingRatio: pm.padded.peer / pm.padded.ours, perTokenSpeedRatio: pm.c / pm.a / (pm.padded.peer / pm.padded.ours), textsPerSecond: { a_encode_fp32: pm.texts / pm.a, a_workers: aw ? pm.texts / pm.aw : null, c_transformersjs: pm.texts / pm.c }, a_over_c: pm.c / pm.a, a_workers_over_c: aw ? pm.c / pm.aw : null, a_over_c_cpu_time: pm.cpuC / pm.cpuA, bound: { gflops: boundGflops, a_over_c: boundOf(m) }, rounds: pm.rounds }];
    })),
    texts: texts.length,
    tokens,
    meanTokens: tokens / texts.length,
    textsPerSecond: { a_encode_fp32: tps(sA), b_encode_q8: tps(sB), c_transformersjs: tps(sC), d_cached_lru: tps(sD), d_cached_sqlite: tps(sD2), encode_fp16: tps(others.fp16.s), encode_q4: tps(others.q4.s) },
    q8Breakdown,
    ceiling: {
      gemmSweep: sweep,
      best: ceilingAt,
      fmaPeak: peak,
      encoderGflops: { L32: encoderAt[32], L128: encoderAt[128] },
      shareOfGemmCeiling: { L32: encoderAt[32]! / bestGflops, L128: encoderAt[128]! / bestGflops },
      shareOfFmaPeak: { L32: encoderAt[32]! / peak.gflops, L128: encoderAt[128]! / peak.gflops },
      gemmCeilingShareOfFmaPeak: bestGflops / peak.gflops,
      // GFLOP per CPU-second (one core busy for one second): the single-threaded GEMM has no spinning
      // threads, so its CPU time is all work; the encoder's two ORT threads spin between kernels, so its
      // CPU time over-counts and this view is a lower bound for it.
      perCoreSecond: {
        gemmCeiling: perCoreCeiling,
        fmaPeakPerCore: peak.gflops / cpu.cores,
        encoder: { L32: encoderPerCoreSecond[32], L128: encoderPerCoreSecond[128] },
      },
    },
    ratios: {
      a_over_c: sC / sA,
      a_over_c_by_mix: Object.fromEntries(MIXES.map((m) => [m, perMix[m].c / perMix[m].a])),
      b_over_a: sA / sB,
      d_over_a: sA / sD,
      d_sqlite_over_a: sA / sD2,
      fp16_over_a: others.fp16.ratio,
      q4_over_a: others.q4.ratio,
    },
    targets: { a_over_c_every_mix: 2, b_over_a: 1.8, d_over_a: 50 },
    note: 'Wall-clock on a shared machine with other jobs running: numbers are noisy; best of interleaved rounds. Compare ratios, not absolute times.',
  };
  const day = result.date.slice(0, 10);
  const outDir = process.env.MTL_RESULTS_DIR ?? join(packageRoot(), 'results');
  mkdirSync(outDir, { recursive: true });
  const suffix = core ? '-core' : ''; // a quick run writes encoder-<date>.json, as `mtl bench --suite speed --quick` reads it
  const file = join(outDir, `encoder-${day}${suffix}.json`);
  writeFileAtomicSync(file, JSON.stringify(result, null, 2) + '\n');

  const r = result.ratios;
  const ok = (v: number, t: number) => (Number.isNaN(v) ? '' : v >= t ? 'yes' : 'no');
  const cpuCol = `${cpu.model}; ${cpu.avx512_vnni ? 'avx512_vnni' : cpu.avx_vnni ? 'avx_vnni' : 'no vnni'}${cpu.amx_int8 ? ', amx' : ', no amx'}`;
  const rows: string[] = [];
  for (const m of MIXES) {
    const pm = perMix[m];
    const pad = pm.padded.peer / pm.padded.ours;
    const wk = aw ? `${(pm.texts / pm.aw).toFixed(1)} = ${(pm.c / pm.aw).toFixed(2)}x` : '-';
    rows.push(`| ${m}: ${pm.texts} texts, ${pm.meanTokens.toFixed(1)} tokens mean | ${(pm.texts / pm.a).toFixed(1)} | ${wk} | ${(pm.texts / pm.c).toFixed(1)} | ${(pm.c / pm.a).toFixed(2)}x | ${ok(Math.max(pm.c / pm.a, aw ? pm.c / pm.aw : 0), 2)} | ${pm.padded.ours} / ${pm.padded.peer} = ${pad.toFixed(2)}x | ${(pm.c / pm.a / pad).toFixed(2)} | ${boundOf(m).toFixed(2)}x | ${cpuCol} |`);
  }
  const md = [
    `CPU: ${cpu.summary}. int8 dot product (VNNI/AMX): ${cpu.int8Dot ? 'yes' : 'no'}. Load average at the end: ${loadavg()[0]!.toFixed(1)}.`,
    '',
    `| mix | (a) encode fp32, texts/s | (a') ${threads} workers × 1 thread, texts/s = ÷ (c) | (c) transformers.js, texts/s | (a)/(c) | ≥ 2x | padded tokens (a) / (c) = compute ratio | (a)/(c) ÷ compute ratio | bound: (a)/(c) with every FLOP at ${boundGflops.toFixed(0)} GFLOP/s | CPU |`,
    `|---|---|---|---|---|---|---|---|---|---|`,
    ...rows,
    '',
    `| measure | value | target | met | CPU |`,
    `|---|---|---|---|---|`,
    `| (b) encode q8, mixed | ${tps(sB).toFixed(1)} texts/s (${r.b_over_a.toFixed(2)}x (a)) | ≥ 1.8x | ${ok(r.b_over_a, 1.8)} | ${cpuCol} |`,
    ...(core ? [] : [
      `| (d) cached encode (LRU) | ${tps(sD).toFixed(0)} texts/s (${r.d_over_a.toFixed(0)}x (a)) | ≥ 50x | ${ok(r.d_over_a, 50)} | ${cpuCol} |`,
      `| (d') cached encode, fresh encoder (SQLite) | ${tps(sD2).toFixed(0)} texts/s | | | ${cpuCol} |`,
      `| encode fp16 | ${tps(others.fp16.s).toFixed(1)} texts/s (${others.fp16.ratio.toFixed(2)}x fp32) | | | ${cpuCol} |`,
      `| encode q4 | ${tps(others.q4.s).toFixed(1)} texts/s (${others.q4.ratio.toFixed(2)}x fp32) | | | ${cpuCol} |`,
    ]),
    ...sweep.map((p) => `| weight GEMMs fp32 (${H}/${I}), M = ${p.M}: ${Object.entries(p.settings).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')} GFLOP/s${p.M === ceilingAt.M ? ` (best: ${ceilingAt.setting}, the ceiling)` : ''} | | | | ${cpuCol} |`),
    `| theoretical FMA peak (${cpu.cores} × ${peak.mhz?.toFixed(0)} MHz ${peak.clock} × ${peak.flopsPerCycle} FLOP/cycle) | ${peak.gflops.toFixed(1)} GFLOP/s; GEMM ceiling = ${(100 * bestGflops / peak.gflops).toFixed(0)}% of it | | | ${cpuCol} |`,
    ...[32, 128].map((L) => `| encoder fp32 @ L=${L} | ${encoderAt[L]!.toFixed(1)} GFLOP/s = ${(100 * encoderAt[L]! / bestGflops).toFixed(0)}% of the GEMM ceiling, ${(100 * encoderAt[L]! / peak.gflops).toFixed(0)}% of the FMA peak | | | ${cpuCol} |`),
    `| per CPU-second: GEMM ceiling (1 thread) / encoder @ L=32 / @ L=128 | ${perCoreCeiling.toFixed(1)} / ${encoderPerCoreSecond[32]!.toFixed(1)} / ${encoderPerCoreSecond[128]!.toFixed(1)} GFLOP per core-second (per-core FMA peak ${(peak.gflops / cpu.cores).toFixed(1)}) | | | ${cpuCol} |`,
  ].join('\n');
  // per mix, what each way of running gives over the peer, beside what sorting alone gives and the bound
  const bars = Object.entries(result.mixes).flatMap(([m, x]) => [
    { group: m, system: '(a) encode fp32', value: x.a_over_c },
    ...(x.a_workers_over_c === null ? [] : [{ group: m, system: `(a') ${threads} workers × 1 thread`, value: x.a_workers_over_c }]),
    { group: m, system: 'padding ratio (what sorting alone gives)', value: x.paddingRatio },
    { group: m, system: `bound (all FLOPs at ${x.bound.gflops.toFixed(0)} GFLOP/s)`, value: x.bound.a_over_c },
  ]);
  let plot = '';
  try {
    const stem = join(outDir, `encoder-${day}${suffix}-bars`);
    await renderVegaLite(ratioBarsSpec(bars, { title: `Encoder over the transformers.js pipeline, same model and ${threads} threads (${cpu.model})`, yTitle: '× transformers.js, texts/s', target: { value: 2, label: 'target 2x' } }), stem);
    plot = `\n![speed over the peer per mix](encoder-${day}${suffix}-bars.png)\n`;
  } catch (err) {
    console.error(`[bench] no plot: ${(err as Error).message}`);
  }
  writeFileAtomicSync(join(outDir, `encoder-${day}${suffix}.md`), `# Encoder benchmark ${result.date}\n\n${threads} threads, minilm-l6 fixture.\n${result.note}\n${plot}\n${md}\n`);
  console.log(md);
  console.log(`\nwrote ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
