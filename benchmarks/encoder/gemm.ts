/**
 * ONNX Runtime measurements of the encoder's weight GEMMs: a profiled batch split into GEMM kernels and
 * the rest, the fp32 / q8 ratio on the same GEMM shapes alone, and the fp32 sweep over M that gives the
 * ceiling.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { quantizeDynamicModel } from '../../src/generators/quantize.js';
import { onnx } from '../../src/onnx/proto.js';
import { Rng } from '../../src/utils/random.js';
import { measure, time } from './timing.js';

const WEIGHT_GEMM_OPS = new Set(['DynamicQuantizeMatMul', 'MatMulIntegerToFloat', 'MatMulInteger', 'DynamicQuantizeLinear']);

/**
 * Kernel time of one padded batch through an ONNX file, from ONNX Runtime's own profiler, split into
 * the weight GEMMs (fp32: MatMul/FusedMatMul nodes whose B is a weight, i.e. not the two attention
 * products; q8: the integer GEMM kernels and their activation quantization) and everything else.
 */
export async function profileBatch(
  file: string,
  ids: number[][],
  padId: number,
  runs: number,
  threads: number,
): Promise<{ wall: number; gemm: number; other: number }> {
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
    ids.forEach((r, i) =>
      r.forEach((t, j) => {
        inputIds[i * L + j] = BigInt(t);
        mask[i * L + j] = 1n;
      }),
    );
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', inputIds, [B, L]),
      attention_mask: new ort.Tensor('int64', mask, [B, L]),
    };
    if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(B * L), [B, L]);
    const walls: number[] = [];
    for (let i = 0; i < runs; i++) walls.push((await time(() => session.run(feeds))).s);
    session.endProfiling();
    await session.release();
    const profile = readdirSync(profDir).find((f) => f.endsWith('.json'));
    if (!profile) throw new Error('ONNX Runtime wrote no profile');
    const events = JSON.parse(readFileSync(join(profDir, profile), 'utf8')) as {
      cat: string;
      name: string;
      dur: number;
      args?: { op_name?: string };
    }[];
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
export function weightGemmModel(M: number, K: number, N: number, dtype: 'fp32' | 'q8'): Uint8Array {
  const rng = new Rng(`gemm-${K}x${N}`);
  const w = Float32Array.from({ length: K * N }, () => (rng.next() - 0.5) * 0.1);
  const info = (name: string, dims: number[]) => ({
    name,
    type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
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
export async function weightGemmCeiling(
  M: number,
  H: number,
  I: number,
  reps: number,
  threads: number,
): Promise<{ fp32: number; q8: number; ratio: number; perShape: { shape: string; fp32Gflops: number; q8Gops: number; ratio: number }[] }> {
  const shapes: { K: number; N: number; count: number }[] = [
    { K: H, N: H, count: 4 },
    { K: H, N: I, count: 1 },
    { K: I, N: H, count: 1 },
  ];
  const opts = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all' as const,
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential' as const,
  };
  let fp32 = 0;
  let q8 = 0;
  const perShape: { shape: string; fp32Gflops: number; q8Gops: number; ratio: number }[] = [];
  for (const { K, N, count } of shapes) {
    const a = await ort.InferenceSession.create(weightGemmModel(M, K, N, 'fp32'), opts);
    const b = await ort.InferenceSession.create(weightGemmModel(M, K, N, 'q8'), opts);
    const rng = new Rng(`x-${K}`);
    const x = new ort.Tensor(
      'float32',
      Float32Array.from({ length: M * K }, () => rng.normal()),
      [M, K],
    );
    await a.run({ x });
    await b.run({ x });
    let ta = Infinity;
    let tb = Infinity;
    for (let r = 0; r < reps * 3; r++) {
      ta = Math.min(
        ta,
        (
          await time(async () => {
            for (let i = 0; i < 4; i++) await a.run({ x });
          })
        ).s / 4,
      );
      tb = Math.min(
        tb,
        (
          await time(async () => {
            for (let i = 0; i < 4; i++) await b.run({ x });
          })
        ).s / 4,
      );
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

/** Per-setting GEMM rates of one M, and which setting was best. */
export interface GemmAtM {
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
export async function gemmSweep(Ms: readonly number[], H: number, I: number, reps: number, threads: number): Promise<GemmAtM[]> {
  const shapes = [
    { K: H, N: H, count: 4 },
    { K: H, N: I, count: 1 },
    { K: I, N: H, count: 1 },
  ];
  const sessionOpts = (intra: number) => ({
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all' as const,
    intraOpNumThreads: intra,
    interOpNumThreads: 1,
    executionMode: 'sequential' as const,
  });
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
      const x = new ort.Tensor(
        'float32',
        Float32Array.from({ length: M * K }, () => rng.normal()),
        [M, K],
      );
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
    out.push({
      M,
      settings: Object.fromEntries(Object.entries(time_).map(([k, t]) => [k, flop / t / 1e9])),
      perCoreSecond: flop / cpuSingle / 1e9,
    });
  }
  return out;
}
