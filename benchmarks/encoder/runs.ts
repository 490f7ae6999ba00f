/**
 * The measuring steps of the encoder benchmark, in the order benchmarks/encoder.ts runs them: the
 * mixes ((a), (a'), (b), (c) interleaved), fp16 / q4, the q8 breakdown, the GEMM ceiling and the
 * cache ((d), (d')).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from '@huggingface/transformers';
import { Encoder } from '../../src/encoder/index.js';
import { MIXES, bbcLong, type Mix } from '../texts.js';
import { encoderFlops, padded } from './cost.js';
import { gemmSweep, profileBatch, weightGemmCeiling, type GemmAtM } from './gemm.js';
import { best, measure, time } from './timing.js';

const quiet = () => undefined;

/** What every step is given. */
export interface BenchSetup {
  /** The fixture folder (minilm-l6). */
  dir: string;
  config: Record<string, number>;
  threads: number;
  quick: boolean;
  reps: number;
  mixes: Record<Mix, string[]>;
  /** The mixed mix: the texts of (b), fp16 / q4, the q8 breakdown and the cache. */
  texts: string[];
  /** Warm-up texts. */
  warm: string[];
}

export type MixResult = {
  texts: number;
  meanTokens: number;
  padded: { ours: number; peer: number; real: number };
  flops: { ours: number; peer: number };
  a: number;
  aw: number;
  c: number;
  cpuA: number;
  cpuC: number;
  rounds: { a: number; aw: number | null; c: number }[];
};

export interface MixRuns {
  /** (a), kept open: the later steps compare against it and tokenize with it (dispose at the end). */
  a: Encoder;
  perMix: Record<Mix, MixResult>;
  /** Whether (a') ran (more than one thread). */
  workers: boolean;
  /** Best wall seconds of (b) on the mixed texts. */
  sB: number;
  /** Tokens of the mixed texts. */
  tokens: number;
}

/**
 * (a) fp32 and (c) transformers.js pipeline (batch 32, texts in the given order) on each mix, (a') with
 * one worker per thread, (b) q8 on the mixed one, interleaved round by round so all see the same machine
 * load; best wall time of each, plus CPU seconds.
 */
export async function measureMixes(s: BenchSetup): Promise<MixRuns> {
  const { dir, threads, mixes, texts, warm, reps } = s;
  const a = await Encoder.load(dir, { dtype: 'fp32', device: 'cpu', threads, logger: quiet });
  await a.encode(warm);
  const tokensOf = (ts: string[]) => ts.reduce((n, t) => n + a.tokenize(t).length, 0);
  const extractor = await pipeline('feature-extraction', dir, {
    dtype: 'fp32',
    device: 'cpu',
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' },
  });
  const runPipeline = async (ts: string[]) => {
    for (let i = 0; i < ts.length; i += 32) await extractor(ts.slice(i, i + 32), { pooling: 'mean', normalize: false });
  };
  await extractor(warm, { pooling: 'mean' });
  const b = await Encoder.load(dir, { dtype: 'q8', device: 'cpu', threads, logger: quiet });
  await b.encode(warm);
  // (a') data-parallel: one worker per thread, each a session on one thread
  const aw = threads > 1 ? await Encoder.load(dir, { dtype: 'fp32', device: 'cpu', threads, workers: threads, logger: quiet }) : null;
  await aw?.encode(warm);
  // padded tokens: what ORT computes for each side (the CPU defaults: ≤ 1,024 tokens, ≤ 32 rows per batch)
  const perMix = Object.fromEntries(
    MIXES.map((m) => {
      const lengths = mixes[m].map((t) => a.tokenize(t).length);
      return [
        m,
        {
          texts: mixes[m].length,
          meanTokens: tokensOf(mixes[m]) / mixes[m].length,
          padded: { ...padded(lengths, 1024, 32, (L) => L), real: lengths.reduce((x, y) => x + y, 0) },
          flops: padded(lengths, 1024, 32, (L) => encoderFlops(s.config, L)),
          a: Infinity,
          aw: Infinity,
          c: Infinity,
          cpuA: Infinity,
          cpuC: Infinity,
          rounds: [],
        },
      ];
    }),
  ) as unknown as Record<Mix, MixResult>;
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
      line.push(
        `${m}: (a) ${(ts.length / ma.wall).toFixed(1)} (a') ${maw ? (ts.length / maw.wall).toFixed(1) : '-'} (c) ${(ts.length / mc.wall).toFixed(1)} = ${(mc.wall / ma.wall).toFixed(2)}x`,
      );
    }
    const mb = await measure(() => b.encode(texts));
    sB = Math.min(sB, mb.wall);
    line.push(`(b) mixed ${(texts.length / mb.wall).toFixed(1)}`);
    console.error(`[bench] round ${r + 1} (texts/s): ${line.join('; ')}; load ${loadavg()[0]!.toFixed(1)}`);
  }
  await extractor.dispose();
  await b.dispose();
  await aw?.dispose();
  return { a, perMix, workers: aw !== null, sB, tokens: tokensOf(texts) };
}

export type OtherDtypes = Record<'fp16' | 'q4', { s: number; ratio: number }>;

/**
 * fp16 and q4 files (informational: on this CPU ORT runs fp16 through casts, and MatMulNBits without
 * accuracy_level dequantizes to fp32), interleaved with (a) again so the ratio is like for like.
 */
export async function measureOtherDtypes(s: BenchSetup, a: Encoder): Promise<OtherDtypes> {
  const { dir, threads, texts, warm, reps } = s;
  const others: OtherDtypes = { fp16: { s: NaN, ratio: NaN }, q4: { s: NaN, ratio: NaN } };
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
  return others;
}

/**
 * Where (b)/(a) comes from: ORT's profiler on one typical batch (32 texts of the median length) splits
 * a run into weight-GEMM kernels and the rest for both files, next to the best int8/fp32 ratio this
 * CPU gives on the same GEMM shapes alone (standalone sessions, interleaved).
 */
export async function measureQ8Breakdown(s: BenchSetup, a: Encoder): Promise<Record<string, unknown>> {
  const { dir, config, texts, reps, threads } = s;
  const sorted = texts.map((t) => a.tokenize(t)).sort((x, y) => x.length - y.length);
  const mid = Math.floor(sorted.length / 2);
  const typical = sorted.slice(mid - 16, mid + 16);
  const padId = (config.pad_token_id as number | undefined) ?? 0;
  const prof32 = await profileBatch(join(dir, 'onnx', 'model.onnx'), typical, padId, reps * 4, threads);
  const prof8 = await profileBatch(join(dir, 'onnx', 'model_quantized.onnx'), typical, padId, reps * 4, threads);
  const target = 1.8;
  const required = prof32.gemm / (prof32.wall / target - prof8.other);
  const gemm = await weightGemmCeiling(
    typical.length * typical[typical.length - 1]!.length,
    config.hidden_size ?? 384,
    config.intermediate_size ?? 1536,
    reps,
    threads,
  );
  const q8Breakdown = {
    batch: { rows: typical.length, paddedLength: typical[typical.length - 1]!.length },
    fp32Seconds: prof32,
    q8Seconds: prof8,
    inGraphGemmRatio: prof32.gemm / prof8.gemm,
    gemmRatioNeededFor: { target, ratio: required > 0 ? required : null },
    standaloneGemm: { ratio: gemm.ratio, perShape: gemm.perShape },
  };
  console.error(`[bench] q8 breakdown: ${JSON.stringify(q8Breakdown)}`);
  return q8Breakdown;
}

export interface Ceiling {
  H: number;
  I: number;
  sweep: GemmAtM[];
  /** The best point of the sweep. */
  ceilingAt: { M: number; setting: string; gflops: number };
  bestGflops: number;
  /** GFLOP per CPU-second of the single-threaded GEMMs, best over M. */
  perCoreCeiling: number;
  /** The best GEMM rate of any way to run the encoder here: one GEMM on all threads, or one thread per worker. */
  boundGflops: number;
  /** The encoder's GFLOP/s at L = 32 and 128, wall and per CPU-second. */
  encoderAt: Record<string, number>;
  encoderPerCoreSecond: Record<string, number>;
}

/**
 * The ceiling: the encoder's weight GEMMs swept over M under each thread setting, against the encoder's
 * GFLOP/s on fixed-length texts (long BBC articles truncated to L tokens) at L = 32 and 128,
 * interleaved round by round with the sweep so both see the same load.
 */
export async function measureCeiling(s: BenchSetup): Promise<Ceiling> {
  const { dir, config, threads, quick, reps } = s;
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
    const c = await gemmSweep(Ms, H, I, 2, threads);
    sweep =
      sweep.length === 0
        ? c
        : sweep.map((p, i) => ({
            M: p.M,
            settings: Object.fromEntries(Object.entries(p.settings).map(([k, v]) => [k, Math.max(v, c[i]!.settings[k]!)])),
            perCoreSecond: Math.max(p.perCoreSecond, c[i]!.perCoreSecond),
          }));
    console.error(
      `[bench] ceiling round ${r + 1}: ${c
        .map(
          (p) =>
            `M=${p.M} ${Object.values(p.settings)
              .map((v) => v.toFixed(0))
              .join('/')}`,
        )
        .join(', ')} GFLOP/s`,
    );
  }
  for (const e of Object.values(fixedEncoders)) await e.dispose();
  let ceilingAt = { M: 0, setting: '', gflops: 0 };
  for (const p of sweep)
    for (const [k, v] of Object.entries(p.settings)) if (v > ceilingAt.gflops) ceilingAt = { M: p.M, setting: k, gflops: v };
  const bestGflops = ceilingAt.gflops;
  const perCoreCeiling = Math.max(...sweep.map((p) => p.perCoreSecond));
  const boundGflops = Math.max(bestGflops, perCoreCeiling * threads);
  console.error(
    `[bench] ceiling ${bestGflops.toFixed(1)} GFLOP/s (M = ${ceilingAt.M}, ${ceilingAt.setting}); encoder @32 ${encoderAt[32]!.toFixed(1)}, @128 ${encoderAt[128]!.toFixed(1)} GFLOP/s`,
  );
  return { H, I, sweep, ceilingAt, bestGflops, perCoreCeiling, boundGflops, encoderAt, encoderPerCoreSecond };
}

/** (d) cached: second encode of the same texts (LRU), and (d') a fresh encoder reading SQLite only. Best / one wall seconds. */
export async function measureCache(s: BenchSetup): Promise<{ sD: number; sD2: number }> {
  const { dir, threads, texts, reps } = s;
  const cacheDir = mkdtempSync(join(tmpdir(), 'enc-bench-cache-'));
  try {
    const c = await Encoder.load(dir, { dtype: 'fp32', device: 'cpu', threads, cache: { dir: cacheDir }, logger: quiet });
    await c.encode(texts);
    const sD = await best(reps, () => c.encode(texts));
    await c.dispose();
    const c2 = await Encoder.load(dir, { dtype: 'fp32', device: 'cpu', threads, cache: { dir: cacheDir }, logger: quiet });
    const sD2 = (await time(() => c2.encode(texts))).s;
    if (c2.stats.runs !== 0) throw new Error('cached pass ran inference');
    await c2.dispose();
    return { sD, sD2 };
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
