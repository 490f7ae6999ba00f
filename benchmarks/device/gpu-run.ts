/**
 * Runs on the lent GPU machine (bundled by gpu-prepare.ts into .device/gpu/run.mjs; see README.md
 * beside this file). For each model (reference-mini with its vocabulary trimmed to the benchmark
 * texts' tokens; minilm-l6 generated here from the fixture seed): vectors from `device: 'webgpu'`
 * (and 'cuda' if it starts) against the CPU provider (max abs diff), and texts/s at batch sizes
 * 32-512 against the CPU in the same run; then, on the CPU, one session on all threads against the
 * `workers` option (4 workers, and one worker per thread). Writes <out>/gpu.json and prints a
 * Markdown table.
 *   node run.mjs <folder of run.mjs> <out dir>
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { decodeModel, encodeModel } from '../../src/onnx/proto.js';
import { float16BitsToFloat32 } from '../../src/utils/float16.js';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Encoder } from '../../src/encoder/index.js';
import { generateFixture } from '../../src/generators/generate.js';
import { cpuFeatures } from '../../src/utils/cpu.js';

const here = process.argv[2] ?? '.';
const out = process.argv[3] ?? '.';
const texts = (JSON.parse(readFileSync(join(here, 'texts.json'), 'utf8')) as string[]).slice(0, Number(process.env.GPU_TEXTS ?? Infinity));
const quiet = () => undefined;
const log: string[] = [];
const say = (m: string) => {
  console.log(m);
  log.push(m);
};

async function rate(enc: Encoder, ts: string[], reps = 2): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await enc.encode(ts);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return ts.length / best;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Copies the carried reference-mini to /tmp with its fp16-in-transit weights widened back to fp32. */
function unpackReferenceMini(): string {
  const dst = join('/tmp', 'reference-mini');
  mkdirSync(join(dst, 'onnx'), { recursive: true });
  for (const f of readdirSync(join(here, 'reference-mini')))
    if (f.endsWith('.json')) copyFileSync(join(here, 'reference-mini', f), join(dst, f));
  const model = decodeModel(readFileSync(join(here, 'reference-mini', 'onnx', 'model.fp16-transit.onnx')));
  for (const t of model.graph!.initializer!) {
    if (t.docString !== 'mtl-gpu:fp16-in-transit') continue;
    const raw = t.rawData!;
    const bits = new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    t.rawData = new Uint8Array(float16BitsToFloat32(bits).buffer);
    t.docString = '';
  }
  writeFileSync(join(dst, 'onnx', 'model.onnx'), encodeModel(model));
  return dst;
}

async function main(): Promise<void> {
  const models: Record<string, string> = { 'reference-mini': unpackReferenceMini() };
  models['minilm-l6'] = (await generateFixture({ variant: 'minilm-l6', outDir: join('/tmp', 'minilm-l6') })).dir;
  const cpu = cpuFeatures();
  const threads = availableParallelism();
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    cpu,
    threads,
    texts: texts.length,
    node: process.version,
    models: {},
  };
  say(`CPU: ${cpu.summary}; ${texts.length} texts`);
  for (const [name, dir] of Object.entries(models)) {
    const cpuEnc = await Encoder.load(dir, { device: 'cpu', threads, logger: quiet });
    await cpuEnc.encode(texts.slice(0, 64));
    const ref = await cpuEnc.encode(texts);
    const cpuRate = await rate(cpuEnc, texts);
    await cpuEnc.dispose();
    const entry: Record<string, unknown> = { cpuTextsPerSecond: cpuRate };
    say(`${name}: cpu (${threads} threads) ${cpuRate.toFixed(0)} texts/s`);
    for (const device of ['webgpu', 'cuda'] as const) {
      const d: Record<string, unknown> = {};
      try {
        for (const B of [32, 64, 128, 256, 512]) {
          const enc = await Encoder.load(dir, { device, maxBatchSize: B, batchTokens: B * 128, logger: (m) => say(`  [${device}] ${m}`) });
          await enc.encode(texts.slice(0, B));
          if (B === 32) {
            const v = await enc.encode(texts);
            d.maxAbsDiffVsCpu = maxAbsDiff(v.data, ref.data);
            d.provider = enc.info.device;
          }
          const r = await rate(enc, texts);
          d.textsPerSecond ??= {} as Record<number, number>;
          (d.textsPerSecond as Record<number, number>)[B] = r;
          say(
            `${name}: ${device} batch ${B}: ${r.toFixed(0)} texts/s (${(r / cpuRate).toFixed(2)}x cpu)${B === 32 ? `, max |Δ| vs cpu ${(d.maxAbsDiffVsCpu as number).toExponential(2)}` : ''}`,
          );
          await enc.dispose();
        }
      } catch (err) {
        d.error = err instanceof Error ? err.message : String(err);
        say(`${name}: ${device} failed: ${String(d.error).split('\n').slice(0, 3).join(' | ')}`);
      }
      entry[device] = d;
    }
    (result.models as Record<string, unknown>)[name] = entry;
  }
  // The CPU's data-parallel workers on many cores (2 cores here, 16 there): one session on all
  // threads against `workers` sessions sharing them out, same texts, interleaved, vectors compared.
  const dir = models['minilm-l6']!;
  const splits = [...new Set([1, 4, threads].filter((w) => w <= threads))];
  const encs = await Promise.all(
    splits.map((w) => Encoder.load(dir, { device: 'cpu', threads, ...(w > 1 ? { workers: w } : {}), logger: quiet })),
  );
  const base = await encs[0]!.encode(texts);
  const rates = splits.map(() => 0);
  for (let r = 0; r < 3; r++) for (const [i, enc] of encs.entries()) rates[i] = Math.max(rates[i]!, await rate(enc, texts, 1));
  const workers: Record<string, unknown>[] = [];
  for (const [i, w] of splits.entries()) {
    const diff = i === 0 ? 0 : maxAbsDiff((await encs[i]!.encode(texts)).data, base.data);
    workers.push({
      workers: w,
      threadsEach: Math.max(1, Math.floor(threads / w)),
      textsPerSecond: rates[i],
      overOneSession: rates[i]! / rates[0]!,
      maxAbsDiff: diff,
    });
    say(
      `minilm-l6 cpu: ${w === 1 ? `one session on ${threads} threads` : `${w} workers × ${Math.max(1, Math.floor(threads / w))} threads`}: ${rates[i]!.toFixed(0)} texts/s (${(rates[i]! / rates[0]!).toFixed(2)}x), max |Δ| ${diff.toExponential(1)}`,
    );
  }
  for (const enc of encs) await enc.dispose();
  result.cpuWorkers = workers;
  result.log = log;
  writeFileSync(join(out, 'gpu.json'), JSON.stringify(result, null, 2) + '\n');
  if (existsSync('/usr/bin/nvidia-smi')) say('nvidia-smi present');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
