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
 *
 * The steps: measuring in encoder/runs.ts (on the GEMM measurements of encoder/gemm.ts and the cost
 * model of encoder/cost.ts), the JSON, tables and plot in encoder/report.ts.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ensureFixture } from '../src/generators/index.js';
import { cpuFeatures, fmaPeak, measureClockMhz } from '../src/utils/cpu.js';
import { writeFileAtomicSync } from '../src/utils/fs.js';
import { packageRoot } from '../src/utils/paths.js';
import { encoderMarkdown, encoderResult, plotEncoderRatios } from './encoder/report.js';
import { measureCache, measureCeiling, measureMixes, measureOtherDtypes, measureQ8Breakdown, type BenchSetup } from './encoder/runs.js';
import { MIXES, mixTexts, type Mix } from './texts.js';

const quick = process.argv.includes('--quick');
const core = process.argv.includes('--core');

async function main(): Promise<void> {
  // setup: the fixture, the texts of each mix, the CPU and its peak at the clock the cores actually run
  // (a VM reports its nominal clock; boost is higher)
  const threads = availableParallelism();
  const n = Number(process.env.BENCH_TEXTS ?? (quick ? 300 : 1200));
  const reps = Number(process.env.BENCH_ROUNDS ?? (quick ? 2 : 3));
  const cpu = cpuFeatures();
  const peak = fmaPeak(cpu, measureClockMhz());
  const dir = await ensureFixture('minilm-l6');
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, number>;
  const mixes = Object.fromEntries(MIXES.map((m) => [m, mixTexts(m, n)])) as Record<Mix, string[]>;
  const setup: BenchSetup = { dir, config, threads, quick, reps, mixes, texts: mixes.mixed, warm: mixes.mixed.slice(0, 32) };
  console.error(`[bench] ${MIXES.map((m) => `${m} ${mixes[m].length}`).join(', ')} texts, ${threads} threads, model ${dir}`);
  console.error(
    `[bench] CPU: ${cpu.summary}; measured clock ${peak.mhz?.toFixed(0)} MHz; FMA peak ${peak.gflops.toFixed(0)} GFLOP/s (${peak.assumption})`,
  );

  // measure: the mixes, then (unless --core) fp16 / q4 and the q8 breakdown, the ceiling, then the cache
  const runs = await measureMixes(setup);
  const others = core ? { fp16: { s: NaN, ratio: NaN }, q4: { s: NaN, ratio: NaN } } : await measureOtherDtypes(setup, runs.a);
  const q8Breakdown = core ? null : await measureQ8Breakdown(setup, runs.a);
  const ceiling = await measureCeiling(setup);
  const { sD, sD2 } = core ? { sD: NaN, sD2: NaN } : await measureCache(setup);
  await runs.a.dispose();

  // report: the JSON, the Markdown tables and the plot
  const measured = { setup, core, cpu, peak, runs, others, q8Breakdown, ceiling, sD, sD2 };
  const result = encoderResult(measured);
  const day = result.date.slice(0, 10);
  const outDir = process.env.MTL_RESULTS_DIR ?? join(packageRoot(), 'results');
  mkdirSync(outDir, { recursive: true });
  const suffix = core ? '-core' : ''; // a quick run writes encoder-<date>.json, as `mtl bench --suite speed --quick` reads it
  const file = join(outDir, `encoder-${day}${suffix}.json`);
  writeFileAtomicSync(file, JSON.stringify(result, null, 2) + '\n');
  const md = encoderMarkdown(measured, result);
  const plot = await plotEncoderRatios(result, threads, join(outDir, `encoder-${day}${suffix}-bars`));
  writeFileAtomicSync(
    join(outDir, `encoder-${day}${suffix}.md`),
    `# Encoder benchmark ${result.date}\n\n${threads} threads, minilm-l6 fixture.\n${result.note}\n${plot}\n${md}\n`,
  );
  console.log(md);
  console.log(`\nwrote ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
