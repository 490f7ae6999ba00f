/**
 * The encoder benchmark's outputs: the results JSON, the Markdown tables and the bar plot of each mix's
 * ratios over the peer (beside the padding ratio, the bound and the 2x target).
 */
import { loadavg } from 'node:os';
import { basename } from 'node:path';
import { ratioBarsSpec, renderVegaLite } from '../../src/report/plots.js';
import type { cpuFeatures, fmaPeak } from '../../src/utils/cpu.js';
import { MIXES } from '../texts.js';
import type { BenchSetup, Ceiling, MixRuns, OtherDtypes } from './runs.js';

/** Everything measured, as benchmarks/encoder.ts gathers it. */
export interface Measured {
  setup: BenchSetup;
  core: boolean;
  cpu: ReturnType<typeof cpuFeatures>;
  peak: ReturnType<typeof fmaPeak>;
  runs: MixRuns;
  others: OtherDtypes;
  q8Breakdown: Record<string, unknown> | null;
  ceiling: Ceiling;
  /** (d) and (d') wall seconds (NaN when not run). */
  sD: number;
  sD2: number;
}

export type EncoderResult = ReturnType<typeof encoderResult>;

/** The results JSON (results/encoder-<date>[-core].json). */
export function encoderResult(m: Measured) {
  const { setup, core, cpu, peak, runs, others, q8Breakdown, ceiling, sD, sD2 } = m;
  const { threads, quick, texts, dir, config } = setup;
  const { perMix, sB, tokens } = runs;
  const aw = runs.workers;
  const sA = perMix.mixed.a;
  const sC = perMix.mixed.c;
  const { sweep, ceilingAt, bestGflops, perCoreCeiling, boundGflops, encoderAt, encoderPerCoreSecond } = ceiling;
  /** (a)/(c) if all of our FLOPs ran at boundGflops and nothing else took time: no implementation on these GEMMs beats it. */
  const boundOf = (mix: (typeof MIXES)[number]) => perMix[mix].c / (perMix[mix].flops.ours / (boundGflops * 1e9));
  const tps = (s: number) => texts.length / s;
  return {
    date: new Date().toISOString(),
    quick,
    core,
    machine: {
      cpu,
      fmaPeak: peak,
      cpus: cpu.model,
      cores: threads,
      node: process.version,
      onnxruntimeNode: '1.30.0',
      loadavgAtEnd: loadavg()[0],
    },
    model: { dir, variant: 'minilm-l6', hidden: config.hidden_size, layers: config.num_hidden_layers },
    mixes: Object.fromEntries(
      MIXES.map((mix) => {
        const pm = perMix[mix];
        return [
          mix,
          {
            texts: pm.texts,
            meanTokens: pm.meanTokens,
            paddedTokens: pm.padded,
            paddedFlops: pm.flops,
            paddingRatio: pm.padded.peer / pm.padded.ours,
            perTokenSpeedRatio: pm.c / pm.a / (pm.padded.peer / pm.padded.ours),
            textsPerSecond: { a_encode_fp32: pm.texts / pm.a, a_workers: aw ? pm.texts / pm.aw : null, c_transformersjs: pm.texts / pm.c },
            a_over_c: pm.c / pm.a,
            a_workers_over_c: aw ? pm.c / pm.aw : null,
            a_over_c_cpu_time: pm.cpuC / pm.cpuA,
            bound: { gflops: boundGflops, a_over_c: boundOf(mix) },
            rounds: pm.rounds,
          },
        ];
      }),
    ),
    texts: texts.length,
    tokens,
    meanTokens: tokens / texts.length,
    textsPerSecond: {
      a_encode_fp32: tps(sA),
      b_encode_q8: tps(sB),
      c_transformersjs: tps(sC),
      d_cached_lru: tps(sD),
      d_cached_sqlite: tps(sD2),
      encode_fp16: tps(others.fp16.s),
      encode_q4: tps(others.q4.s),
    },
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
      a_over_c_by_mix: Object.fromEntries(MIXES.map((mix) => [mix, perMix[mix].c / perMix[mix].a])),
      b_over_a: sA / sB,
      d_over_a: sA / sD,
      d_sqlite_over_a: sA / sD2,
      fp16_over_a: others.fp16.ratio,
      q4_over_a: others.q4.ratio,
    },
    targets: { a_over_c_every_mix: 2, b_over_a: 1.8, d_over_a: 50 },
    note: 'Wall-clock on a shared machine with other jobs running: numbers are noisy; best of interleaved rounds. Compare ratios, not absolute times.',
  };
}

/** The Markdown tables: per mix, then the other measures, the sweep, the peak and the encoder's share. */
export function encoderMarkdown(m: Measured, result: EncoderResult): string {
  const { setup, core, cpu, peak, runs, others, ceiling, sD, sD2 } = m;
  const { threads, texts } = setup;
  const { perMix, sB } = runs;
  const aw = runs.workers;
  const { H, I, sweep, ceilingAt, bestGflops, perCoreCeiling, boundGflops, encoderAt, encoderPerCoreSecond } = ceiling;
  const tps = (s: number) => texts.length / s;
  const r = result.ratios;
  const ok = (v: number, t: number) => (Number.isNaN(v) ? '' : v >= t ? 'yes' : 'no');
  const cpuCol = `${cpu.model}; ${cpu.avx512_vnni ? 'avx512_vnni' : cpu.avx_vnni ? 'avx_vnni' : 'no vnni'}${cpu.amx_int8 ? ', amx' : ', no amx'}`;
  const rows: string[] = [];
  for (const mix of MIXES) {
    const pm = perMix[mix];
    const pad = pm.padded.peer / pm.padded.ours;
    const wk = aw ? `${(pm.texts / pm.aw).toFixed(1)} = ${(pm.c / pm.aw).toFixed(2)}x` : '-';
    rows.push(
      `| ${mix}: ${pm.texts} texts, ${pm.meanTokens.toFixed(1)} tokens mean | ${(pm.texts / pm.a).toFixed(1)} | ${wk} | ${(pm.texts / pm.c).toFixed(1)} | ${(pm.c / pm.a).toFixed(2)}x | ${ok(Math.max(pm.c / pm.a, aw ? pm.c / pm.aw : 0), 2)} | ${pm.padded.ours} / ${pm.padded.peer} = ${pad.toFixed(2)}x | ${(pm.c / pm.a / pad).toFixed(2)} | ${result.mixes[mix]!.bound.a_over_c.toFixed(2)}x | ${cpuCol} |`,
    );
  }
  return [
    `CPU: ${cpu.summary}. int8 dot product (VNNI/AMX): ${cpu.int8Dot ? 'yes' : 'no'}. Load average at the end: ${loadavg()[0]!.toFixed(1)}.`,
    '',
    `| mix | (a) encode fp32, texts/s | (a') ${threads} workers × 1 thread, texts/s = ÷ (c) | (c) transformers.js, texts/s | (a)/(c) | ≥ 2x | padded tokens (a) / (c) = compute ratio | (a)/(c) ÷ compute ratio | bound: (a)/(c) with every FLOP at ${boundGflops.toFixed(0)} GFLOP/s | CPU |`,
    `|---|---|---|---|---|---|---|---|---|---|`,
    ...rows,
    '',
    `| measure | value | target | met | CPU |`,
    `|---|---|---|---|---|`,
    `| (b) encode q8, mixed | ${tps(sB).toFixed(1)} texts/s (${r.b_over_a.toFixed(2)}x (a)) | ≥ 1.8x | ${ok(r.b_over_a, 1.8)} | ${cpuCol} |`,
    ...(core
      ? []
      : [
          `| (d) cached encode (LRU) | ${tps(sD).toFixed(0)} texts/s (${r.d_over_a.toFixed(0)}x (a)) | ≥ 50x | ${ok(r.d_over_a, 50)} | ${cpuCol} |`,
          `| (d') cached encode, fresh encoder (SQLite) | ${tps(sD2).toFixed(0)} texts/s | | | ${cpuCol} |`,
          `| encode fp16 | ${tps(others.fp16.s).toFixed(1)} texts/s (${others.fp16.ratio.toFixed(2)}x fp32) | | | ${cpuCol} |`,
          `| encode q4 | ${tps(others.q4.s).toFixed(1)} texts/s (${others.q4.ratio.toFixed(2)}x fp32) | | | ${cpuCol} |`,
        ]),
    ...sweep.map(
      (p) =>
        `| weight GEMMs fp32 (${H}/${I}), M = ${p.M}: ${Object.entries(p.settings)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ')} GFLOP/s${p.M === ceilingAt.M ? ` (best: ${ceilingAt.setting}, the ceiling)` : ''} | | | | ${cpuCol} |`,
    ),
    `| theoretical FMA peak (${cpu.cores} × ${peak.mhz?.toFixed(0)} MHz ${peak.clock} × ${peak.flopsPerCycle} FLOP/cycle) | ${peak.gflops.toFixed(1)} GFLOP/s; GEMM ceiling = ${((100 * bestGflops) / peak.gflops).toFixed(0)}% of it | | | ${cpuCol} |`,
    ...[32, 128].map(
      (L) =>
        `| encoder fp32 @ L=${L} | ${encoderAt[L]!.toFixed(1)} GFLOP/s = ${((100 * encoderAt[L]!) / bestGflops).toFixed(0)}% of the GEMM ceiling, ${((100 * encoderAt[L]!) / peak.gflops).toFixed(0)}% of the FMA peak | | | ${cpuCol} |`,
    ),
    `| per CPU-second: GEMM ceiling (1 thread) / encoder @ L=32 / @ L=128 | ${perCoreCeiling.toFixed(1)} / ${encoderPerCoreSecond[32]!.toFixed(1)} / ${encoderPerCoreSecond[128]!.toFixed(1)} GFLOP per core-second (per-core FMA peak ${(peak.gflops / cpu.cores).toFixed(1)}) | | | ${cpuCol} |`,
  ].join('\n');
}

/**
 * The bar plot next to `stem` (.svg, .png): per mix, what each way of running gives over the peer,
 * beside what sorting alone gives and the bound. Returns the Markdown image line, empty when the
 * renderers are not installed.
 */
export async function plotEncoderRatios(result: EncoderResult, threads: number, stem: string): Promise<string> {
  const bars = Object.entries(result.mixes).flatMap(([mix, x]) => [
    { group: mix, system: '(a) encode fp32', value: x.a_over_c },
    ...(x.a_workers_over_c === null ? [] : [{ group: mix, system: `(a') ${threads} workers × 1 thread`, value: x.a_workers_over_c }]),
    { group: mix, system: 'padding ratio (what sorting alone gives)', value: x.paddingRatio },
    { group: mix, system: `bound (all FLOPs at ${x.bound.gflops.toFixed(0)} GFLOP/s)`, value: x.bound.a_over_c },
  ]);
  try {
    await renderVegaLite(
      ratioBarsSpec(bars, {
        title: `Encoder over the transformers.js pipeline, same model and ${threads} threads (${result.machine.cpus})`,
        yTitle: '× transformers.js, texts/s',
        target: { value: 2, label: 'target 2x' },
      }),
      stem,
    );
    return `\n![speed over the peer per mix](${basename(stem)}.png)\n`;
  } catch (err) {
    console.error(`[bench] no plot: ${(err as Error).message}`);
    return '';
  }
}
