/**
 * Speed of one fine-tuning step of the encoder's top layers (src/finetune): forward in train mode
 * (dropout 0.1), backward to every weight and the input, AdamW, for the top 1 and 2 layers of
 * reference-mini at batch 32 × length 128 and 64, next to PyTorch doing the same step on the same
 * machine (benchmarks/finetune_step.py, run right after each of ours, so the two see the same load),
 * and the TensorFlow.js alternative's matMul rate (2048×256 by 256×1024 on the wasm and cpu backends,
 * beside ONNX Runtime's MatMul of the same shape).
 *
 *   npx tsx benchmarks/finetune-step.ts [--reps 3] [--out results]
 *
 * Writes results/finetune-step-<date>.{json,md}. The machine may be shared: compare the ratios.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
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
const reps = Number(arg('reps') ?? 3);
const outDir = resolve(arg('out') ?? process.env.MTL_RESULTS_DIR ?? 'results');
const MODEL = join(packageRoot(), '..', 'shared', 'models', 'reference-mini', 'onnx', 'model.onnx');
const threads = availableParallelism();
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
    form === 'a·b' ? tf.matMul(a, b) : form === 'a·bᵀ (dX = g·Wᵀ)' ? tf.matMul(a, b, false, true) : form === 'aᵀ·b (dW = xᵀ·g)' ? tf.matMul(a, b, true, false) : tf.tidy(() => tf.matMul(a, tf.transpose(b)));
  const s = await timeIt(async () => {
    const c = run();
    await c.data();
    c.dispose();
  }, backend === 'cpu' || form.includes('ᵀ') ? 1 : reps);
  a.dispose();
  b.dispose();
  const extra = backend === 'wasm' ? { simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')), multithread: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) } : {};
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
  const feeds = { a: new ort.Tensor('float32', Float32Array.from({ length: M * K }, () => rng.normal()), [M, K]), b: new ort.Tensor('float32', Float32Array.from({ length: K * N }, () => rng.normal()), [K, N]) };
  const s = await timeIt(async () => void (await session.run(feeds)), reps * 3);
  await session.release();
  return { backend: 'onnxruntime-node', form: 'a·b', seconds: s, gflops: flop / s / 1e9 };
}

// ---- the fine-tuning step
interface StepRow { layers: number; batch: number; seq: number; ours: Record<string, number>; torch: Record<string, number> | null; oursTokensPerS: number; torchTokensPerS: number | null; ratio: number | null }
async function oursStep(layers: number, B: number, T: number): Promise<Record<string, number>> {
  const top = await TrainableTop.fromOnnx(MODEL, { fromLayer: 6 - layers, dropout: 0.1, seed: 1 });
  const H = top.hidden;
  const rng = new Rng(2);
  const x = Float32Array.from({ length: B * T * H }, () => rng.normal());
  const g = Float32Array.from({ length: B * T * H }, () => rng.normal());
  const mask = new Array<number>(B * T).fill(1);
  const opt = new Float32AdamW({ lr: 1e-4 });
  const parts: Record<string, number[]> = { step: [], forward: [], backward: [], optimizer: [] };
  for (let r = 0; r <= reps; r++) {
    const t0 = performance.now();
    const { tape } = await top.forward(x, [B, T, H], mask, { train: true });
    const t1 = performance.now();
    await top.backward(tape, g);
    const t2 = performance.now();
    top.step(opt);
    const t3 = performance.now();
    if (r === 0) continue;
    parts.step!.push((t3 - t0) / 1000);
    parts.forward!.push((t1 - t0) / 1000);
    parts.backward!.push((t2 - t1) / 1000);
    parts.optimizer!.push((t3 - t2) / 1000);
  }
  await top.dispose();
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, median(v)]));
}
function torchStep(layers: number, B: number, T: number): { median_s: Record<string, number>; torch: string; threads: number } | null {
  const args = { layers, batch: B, seq: T, hidden: 256, heads: 4, intermediate: 1024, reps, threads, dropout: 0.1 };
  const r = spawnSync('/usr/bin/python3', [join(packageRoot(), 'benchmarks', 'finetune_step.py'), JSON.stringify(args)], { encoding: 'utf8' });
  if (r.status !== 0) {
    log(`PyTorch side skipped: ${r.stderr.trim().split('\n').pop() ?? r.error?.message}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

const cpu = cpuFeatures();
const started = new Date();
log(`machine: ${cpu.summary}; load ${loadavg()[0]?.toFixed(2)}`);
const rates: Rate[] = [await ortRate()];
for (const form of ['a·b', 'a·bᵀ (dX = g·Wᵀ)', 'aᵀ·b (dW = xᵀ·g)', 'transpose, then a·b'] as const) rates.push(await tfjsRate('wasm', form));
rates.push(await tfjsRate('cpu', 'a·b'));
for (const r of rates) log(`matMul ${M}×${K}·${K}×${N}, ${r.form}, on ${r.backend}: ${(r.seconds * 1000).toFixed(0)} ms, ${r.gflops.toFixed(1)} GFLOP/s`);
const rows: StepRow[] = [];
let torchVersion: string | null = null;
for (const layers of [1, 2]) {
  for (const T of [128, 64]) {
    const B = 32;
    const ours = await oursStep(layers, B, T);
    const t = torchStep(layers, B, T);
    torchVersion = t?.torch ?? torchVersion;
    const tok = B * T;
    const row: StepRow = { layers, batch: B, seq: T, ours, torch: t?.median_s ?? null, oursTokensPerS: tok / (ours.step as number), torchTokensPerS: t ? tok / (t.median_s.step as number) : null, ratio: t ? (t.median_s.step as number) / (ours.step as number) : null };
    rows.push(row);
    log(`top ${layers}, ${B}×${T}: ours ${row.oursTokensPerS.toFixed(0)} tok/s (fwd ${ours.forward!.toFixed(3)} s, bwd ${ours.backward!.toFixed(3)} s, AdamW ${ours.optimizer!.toFixed(3)} s)` + (t ? `; torch ${row.torchTokensPerS!.toFixed(0)} tok/s; ours/torch ${row.ratio!.toFixed(2)}x` : ''));
  }
}

const date = started.toISOString().slice(0, 10);
const result = { date: started.toISOString(), model: 'reference-mini (H 256, 4 heads, FFN 1024, 6 layers)', reps, threads, machine: { cpu, node: process.version, onnxruntimeNode: '1.30.0', torch: torchVersion, loadavgAtEnd: loadavg()[0] }, matmul: { shape: `${M}x${K} · ${K}x${N}`, rates }, steps: rows };
await writeFileAtomic(join(outDir, `finetune-step-${date}.json`), JSON.stringify(result, null, 2) + '\n');
const f = (x: number | null | undefined, d = 0) => (x === null || x === undefined ? '–' : x.toFixed(d));
const md = [
  `# Fine-tuning step of the top layers: ONNX Runtime graphs vs PyTorch (${date})`,
  '',
  `Machine: ${cpu.summary}; ${threads} threads for both (ORT intra-op default, torch.set_num_threads); Node ${process.version}, onnxruntime-node 1.30.0, torch ${torchVersion ?? 'absent'}. Load average at the end ${loadavg()[0]?.toFixed(2)} (shared machine: read the ratios, measured back to back).`,
  '',
  `One step = forward in train mode (dropout 0.1) + backward to every weight and the input + Float32AdamW; median of ${reps} after a warm-up. reference-mini's top layers; batch 32.`,
  '',
  '| top layers | length | ours tok/s | torch tok/s | ours / torch speed | ours fwd / bwd / Float32AdamW (s) | torch fwd / bwd / Float32AdamW (s) |',
  '|---:|---:|---:|---:|---:|---|---|',
  ...rows.map((r) => `| ${r.layers} | ${r.seq} | ${f(r.oursTokensPerS)} | ${f(r.torchTokensPerS)} | ${f(r.ratio, 2)}x | ${[r.ours.forward, r.ours.backward, r.ours.optimizer].map((x) => f(x, 3)).join(' / ')} | ${r.torch ? [r.torch.forward, r.torch.backward, r.torch.optimizer].map((x) => f(x, 3)).join(' / ') : '–'} |`),
  '',
  `## The TensorFlow.js alternative: matMul ${M}×${K} · ${K}×${N} (${(flop / 1e9).toFixed(2)} GFLOP)`,
  '',
  '| backend | form | ms | GFLOP/s |',
  '|---|---|---:|---:|',
  ...rates.map((r) => `| ${r.backend}${r.simd !== undefined ? ` (SIMD ${r.simd ? 'on' : 'off'}, threads ${r.multithread ? 'on' : 'off'})` : ''} | ${r.form} | ${f(r.seconds * 1000)} | ${f(r.gflops, 2)} |`),
  '',
].join('\n');
await writeFileAtomic(join(outDir, `finetune-step-${date}.md`), md);
log(`wrote ${join(outDir, `finetune-step-${date}.md`)}`);
