/**
 * Speed of one fine-tuning step of the encoder's top layers (src/finetune): forward in train mode
 * (dropout 0.1), backward to every weight and the input, AdamW, for the top 1 and 2 layers of
 * reference-mini at batch 32 × length 128 and 64, next to PyTorch doing the same step on the same
 * machine (benchmarks/finetune_step.py, a child process stepping in turn with ours, so both see the same
 * load; the ratio is the median of the per-pair ratios),
 * and the TensorFlow.js alternative's matMul rate (2048×256 by 256×1024 on the wasm and cpu backends,
 * beside ONNX Runtime's MatMul of the same shape).
 *
 * Peak memory: each side's RSS high-water mark (ours: `process.resourceUsage().maxRSS` of this process
 * after the row, so it includes Node, ONNX Runtime and TensorFlow.js and never goes down; torch:
 * `resource.getrusage` maxrss of its child process, a fresh one per row). The PyTorch side runs on
 * /usr/bin/python3 (MTL_BENCH_PYTHON: another interpreter); where that has no torch, the PyTorch columns
 * say why they are empty (the run does not fail).
 *
 *   npx tsx benchmarks/finetune-step.ts [--reps 5] [--quick] [--out results]
 *
 * `--quick` (the speed suite's `mtl bench --quick`, under a minute): 3 pairs, length 64 only, the
 * matMul rates of ONNX Runtime and tfjs wasm a·b only. Writes results/finetune-step-<date>[-quick].{json,md}.
 * The machine may be shared: compare the ratios.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { finetuneStepTable, type FinetuneStepRow } from '../src/bench/finetune.js';
import { Float32AdamW, TrainableTop } from '../src/finetune/index.js';
import { DataType, GraphBuilder, encodeModel } from '../src/onnx/proto.js';
import { initBackend } from '../src/training/backend.js';
import { cpuFeatures } from '../src/utils/cpu.js';
import { writeFileAtomic } from '../src/utils/fs.js';
import { packageRoot } from '../src/utils/paths.js';
import { Rng } from '../src/utils/random.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const quick = process.argv.includes('--quick');
const reps = Number(arg('reps') ?? (quick ? 3 : 5));
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer, got '${arg('reps')}'`);
const outDir = resolve(arg('out') ?? process.env.MTL_RESULTS_DIR ?? 'results');
const MODEL = join(packageRoot(), '..', 'shared', 'models', 'reference-mini', 'onnx', 'model.onnx');
const threads = availableParallelism();
const PYTHON = process.env.MTL_BENCH_PYTHON || '/usr/bin/python3';
const log = (l: string) => console.error(l);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function timeIt(fn: () => Promise<void> | void, n: number): Promise<number> {
  await fn(); // warm-up
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    t.push((performance.now() - t0) / 1000);
  }
  return median(t);
}

// ---- matMul rates: 2048×256 · 256×1024
const [M, K, N] = [2048, 256, 1024];
const flop = 2 * M * K * N;
/**
 * tfjs matMul of the forward's form and of the two backward forms (dX = g·Wᵀ: transposeB; dW = xᵀ·g:
 * transposeA), and the backward forms with an explicit tf.transpose first.
 */
type Form = 'a·b' | 'a·bᵀ (dX = g·Wᵀ)' | 'aᵀ·b (dW = xᵀ·g)' | 'transpose, then a·b';
async function tfjsRate(backend: 'wasm' | 'cpu', form: Form): Promise<Rate> {
  if (backend === 'wasm') await initBackend('wasm', { log: false });
  else await tf.setBackend('cpu');
  await tf.ready();
  const a = form === 'aᵀ·b (dW = xᵀ·g)' ? tf.randomNormal([K, M]) : tf.randomNormal([M, K]);
  const b = form === 'a·bᵀ (dX = g·Wᵀ)' || form === 'transpose, then a·b' ? tf.randomNormal([N, K]) : tf.randomNormal([K, N]);
  const run = (): tf.Tensor =>
    form === 'a·b'
      ? tf.matMul(a, b)
      : form === 'a·bᵀ (dX = g·Wᵀ)'
        ? tf.matMul(a, b, false, true)
        : form === 'aᵀ·b (dW = xᵀ·g)'
          ? tf.matMul(a, b, true, false)
          : tf.tidy(() => tf.matMul(a, tf.transpose(b)));
  const s = await timeIt(
    async () => {
      const c = run();
      await c.data();
      c.dispose();
    },
    backend === 'cpu' || form.includes('ᵀ') ? 1 : reps,
  );
  a.dispose();
  b.dispose();
  const extra =
    backend === 'wasm'
      ? {
          simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
          multithread: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
        }
      : {};
  return { backend: `tfjs ${backend}`, form, seconds: s, gflops: flop / s / 1e9, ...extra };
}
interface Rate {
  backend: string;
  form: Form;
  seconds: number;
  gflops: number;
  simd?: boolean;
  multithread?: boolean;
}
async function ortRate(): Promise<Rate> {
  const g = new GraphBuilder();
  g.input('a', DataType.FLOAT, [M, K]);
  g.input('b', DataType.FLOAT, [K, N]);
  g.node('MatMul', ['a', 'b'], {}, { outputs: ['c'] });
  g.output('c', DataType.FLOAT, [M, N]);
  const session = await ort.InferenceSession.create(encodeModel(g.build()));
  const rng = new Rng(1);
  const feeds = {
    a: new ort.Tensor(
      'float32',
      Float32Array.from({ length: M * K }, () => rng.normal()),
      [M, K],
    ),
    b: new ort.Tensor(
      'float32',
      Float32Array.from({ length: K * N }, () => rng.normal()),
      [K, N],
    ),
  };
  const s = await timeIt(async () => void (await session.run(feeds)), reps * 3);
  await session.release();
  return { backend: 'onnxruntime-node', form: 'a·b', seconds: s, gflops: flop / s / 1e9 };
}

// ---- the fine-tuning step: ours and torch's alternate step by step, so both see the same load
type Parts = Record<'step' | 'forward' | 'backward' | 'optimizer', number>;
type StepRow = FinetuneStepRow & { memory: NonNullable<FinetuneStepRow['memory']> };

/** The PyTorch side as a child process that runs one step per request. */
async function torchSide(
  layers: number,
  B: number,
  T: number,
): Promise<{ step: () => Promise<Parts & { maxrss_kb?: number }>; version: string; close: () => void } | null> {
  if (torchSkipped) return null; // no torch for one row: none for the next either
  const args = { layers, batch: B, seq: T, hidden: 256, heads: 4, intermediate: 1024, threads, dropout: 0.1 };
  const child = spawn(PYTHON, [join(packageRoot(), 'benchmarks', 'finetune_step.py'), JSON.stringify(args)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // no interpreter at all: the spawn error ends the output, and the side is skipped below
  const ended = new Promise<void>((done) => {
    child.on('error', (e) => {
      stderr += `\n${PYTHON} could not start: ${e.message}`;
      done();
    });
    child.on('close', () => done()); // after its stderr is read to the end
  });
  const next = async (): Promise<Record<string, unknown> | null> => {
    const r = await lines.next();
    return r.done ? null : (JSON.parse(r.value) as Record<string, unknown>);
  };
  const ready = await next().catch(() => null);
  if (!ready) {
    child.kill();
    await ended;
    torchSkipped = `skipped: ${stderr.trim().split('\n').pop() || `no output from ${PYTHON}`}`;
    log(`PyTorch side ${torchSkipped}`);
    return null;
  }
  return {
    version: String(ready.torch),
    step: async () => {
      child.stdin.write('step\n');
      return (await next()) as unknown as Parts & { maxrss_kb?: number };
    },
    close: () => child.stdin.end(),
  };
}

async function measure(layers: number, B: number, T: number): Promise<StepRow & { torchVersion: string | null }> {
  const top = await TrainableTop.fromOnnx(MODEL, { fromLayer: 6 - layers, dropout: 0.1, seed: 1 });
  const H = top.hidden;
  const rng = new Rng(2);
  const x = Float32Array.from({ length: B * T * H }, () => rng.normal());
  const g = Float32Array.from({ length: B * T * H }, () => rng.normal());
  const mask = new Array<number>(B * T).fill(1);
  const opt = new Float32AdamW({ lr: 1e-4 });
  const ourStep = async (): Promise<Parts> => {
    const t0 = performance.now();
    const { tape } = await top.forward(x, [B, T, H], mask, { train: true });
    const t1 = performance.now();
    await top.backward(tape, g);
    const t2 = performance.now();
    top.step(opt);
    const t3 = performance.now();
    return { step: (t3 - t0) / 1000, forward: (t1 - t0) / 1000, backward: (t2 - t1) / 1000, optimizer: (t3 - t2) / 1000 };
  };
  await ourStep(); // warm-up
  const torch = await torchSide(layers, B, T);
  const ours: Parts[] = [];
  const theirs: (Parts & { maxrss_kb?: number })[] = [];
  for (let r = 0; r < reps; r++) {
    ours.push(await ourStep());
    if (torch) theirs.push(await torch.step());
  }
  const torchKb = theirs.at(-1)?.maxrss_kb;
  const memory: StepRow['memory'] = {
    oursMaxRssMiB: process.resourceUsage().maxRSS / 1024, // kilobytes
    torchMaxRssMiB: typeof torchKb === 'number' ? torchKb / 1024 : null,
  };
  torch?.close();
  await top.dispose();
  const med = (ps: Parts[]): Parts => ({
    step: median(ps.map((p) => p.step)),
    forward: median(ps.map((p) => p.forward)),
    backward: median(ps.map((p) => p.backward)),
    optimizer: median(ps.map((p) => p.optimizer)),
  });
  const o = med(ours);
  const t = torch ? med(theirs) : null;
  const tok = B * T;
  return {
    layers,
    batch: B,
    seq: T,
    ours: o,
    torch: t,
    oursTokensPerS: tok / o.step,
    torchTokensPerS: t ? tok / t.step : null,
    ratio: t ? median(theirs.map((p, i) => p.step / (ours[i] as Parts).step)) : null,
    pairRatios: theirs.map((p, i) => p.step / (ours[i] as Parts).step),
    fwdBwdRatio: t
      ? median(theirs.map((p, i) => (p.forward + p.backward) / ((ours[i] as Parts).forward + (ours[i] as Parts).backward)))
      : null,
    memory,
    torchVersion: torch?.version ?? null,
  };
}

/** Why the PyTorch columns are empty (null: torch ran). */
let torchSkipped: string | null = null;
const cpu = cpuFeatures();
const started = new Date();
log(`machine: ${cpu.summary}; load ${loadavg()[0]?.toFixed(2)}`);
const rates: Rate[] = [await ortRate()];
const forms = quick ? (['a·b'] as const) : (['a·b', 'a·bᵀ (dX = g·Wᵀ)', 'aᵀ·b (dW = xᵀ·g)', 'transpose, then a·b'] as const);
for (const form of forms) rates.push(await tfjsRate('wasm', form));
if (!quick) rates.push(await tfjsRate('cpu', 'a·b'));
for (const r of rates)
  log(`matMul ${M}×${K}·${K}×${N}, ${r.form}, on ${r.backend}: ${(r.seconds * 1000).toFixed(0)} ms, ${r.gflops.toFixed(1)} GFLOP/s`);
const rows: StepRow[] = [];
let torchVersion: string | null = null;
for (const layers of [1, 2]) {
  for (const T of quick ? [64] : [128, 64]) {
    const { torchVersion: v, ...row } = await measure(layers, 32, T);
    torchVersion = v ?? torchVersion;
    rows.push(row);
    log(
      `top ${layers}, 32×${T}: ours ${row.oursTokensPerS.toFixed(0)} tok/s (fwd ${row.ours.forward.toFixed(3)} s, bwd ${row.ours.backward.toFixed(3)} s, AdamW ${row.ours.optimizer.toFixed(3)} s)` +
        (row.torch
          ? `; torch ${row.torchTokensPerS!.toFixed(0)} tok/s; ours/torch ${row.ratio!.toFixed(2)}x (per-pair ${row.pairRatios.map((x) => x.toFixed(2)).join(', ')})`
          : '') +
        `; peak RSS ours ${row.memory.oursMaxRssMiB.toFixed(0)} MiB, torch ${row.memory.torchMaxRssMiB?.toFixed(0) ?? '–'} MiB`,
    );
  }
}

const date = started.toISOString().slice(0, 10);
const result = {
  date: started.toISOString(),
  model: 'reference-mini (H 256, 4 heads, FFN 1024, 6 layers)',
  reps,
  quick,
  threads,
  machine: { cpu, node: process.version, onnxruntimeNode: '1.30.0', torch: torchVersion, loadavgAtEnd: loadavg()[0] },
  torchSkipped,
  matmul: { shape: `${M}x${K} · ${K}x${N}`, rates },
  steps: rows,
};
const stem = join(outDir, `finetune-step-${date}${quick ? '-quick' : ''}`);
await writeFileAtomic(`${stem}.json`, JSON.stringify(result, null, 2) + '\n');
const f = (x: number | null | undefined, d = 0) => (x === null || x === undefined ? '–' : x.toFixed(d));
const md = [
  `# Fine-tuning step of the top layers: ONNX Runtime graphs vs PyTorch (${date})`,
  '',
  `Machine: ${cpu.summary}; ${threads} threads for both (ORT intra-op default, torch.set_num_threads); Node ${process.version}, onnxruntime-node 1.30.0, torch ${torchVersion ?? `absent (${torchSkipped ?? 'not run'})`}. Load average at the end ${loadavg()[0]?.toFixed(2)} (shared machine: read the ratios, measured back to back).`,
  '',
  `One step = forward in train mode (dropout 0.1) + backward to every weight and the input + AdamW (ours: Float32AdamW in TypeScript; torch: torch.optim.AdamW). Ours and torch's alternate step by step (${reps} pairs after a warm-up each); times are medians; a speed ratio is the median of the per-pair ratios (torch time / ours), for the whole step and for forward + backward alone. reference-mini's top layers; batch 32. Peak RSS: the high-water mark of this Node process after the row (Node, ONNX Runtime and TensorFlow.js included) and of torch's child process (a fresh one per row).`,
  '',
  finetuneStepTable(rows, torchSkipped),
  '',
  `## The TensorFlow.js alternative: matMul ${M}×${K} · ${K}×${N} (${(flop / 1e9).toFixed(2)} GFLOP)`,
  '',
  '| backend | form | ms | GFLOP/s |',
  '|---|---|---:|---:|',
  ...rates.map(
    (r) =>
      `| ${r.backend}${r.simd !== undefined ? ` (SIMD ${r.simd ? 'on' : 'off'}, threads ${r.multithread ? 'on' : 'off'})` : ''} | ${r.form} | ${f(r.seconds * 1000)} | ${f(r.gflops, 2)} |`,
  ),
  '',
].join('\n');
await writeFileAtomic(`${stem}.md`, md);
log(`wrote ${stem}.{json,md}`);
