/**
 * The CPU a benchmark ran on, recorded beside every number: model, cores, clock, the SIMD and int8
 * features that decide ONNX Runtime's kernels (AVX2, AVX-512, AVX-512 VNNI, AVX-VNNI, AMX), and the
 * theoretical fp32 FMA peak derived from them. Linux reads /proc/cpuinfo; elsewhere only what
 * node:os knows (features unknown).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';

export interface CpuFeatures {
  model: string;
  vendor: string;
  /** CPU family (x86 cpuid), when known. */
  family: number | null;
  /** Logical CPUs this process may use. */
  cores: number;
  /** Clock in MHz as the OS reports it (a VM's nominal clock; boost can exceed it). */
  mhz: number | null;
  avx2: boolean;
  fma: boolean;
  avx512f: boolean;
  avx512_vnni: boolean;
  avx_vnni: boolean;
  amx_int8: boolean;
  amx_bf16: boolean;
  /** True when some int8 dot-product instruction (VNNI or AMX) is there. */
  int8Dot: boolean;
  /** A short line for tables: `AMD EPYC, 2 cores, 2596 MHz, avx2 avx512f avx512_vnni`. */
  summary: string;
}

export interface FmaPeak {
  /** fp32 FLOP per cycle per core assumed (2 per FMA lane). */
  flopsPerCycle: number;
  gflops: number;
  /** The clock the peak was computed at, MHz. */
  mhz: number | null;
  /** Where that clock came from: measured (see {@link measureClockMhz}) or as the OS reports it. */
  clock: 'measured' | 'reported';
  /** How flopsPerCycle was chosen. */
  assumption: string;
}

/**
 * The core clock under load, measured: a chain of dependent 32-bit integer multiplies, whose latency is
 * 3 cycles on every x86 core since Nehalem / Zen (and on Arm Neoverse and Apple cores), so chain
 * steps per second × 3 = cycles per second. The multiplier comes in as an argument, so the JIT cannot
 * turn the multiply into shifts and adds. Best of `rounds` runs of `steps` multiplies (~30 ms each);
 * a VM's reported clock is the nominal one, and boost clocks run well above it (the GEMMs of this
 * project's speed suite ran at 1.3x the 2596 MHz a VM reported).
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- written, never read: keeps the JIT from dropping the chain
let clockSink = 0;
export function measureClockMhz(rounds = 7, steps = 1e8, multiplier = 0x9e3779b1): number {
  const chain = (n: number, m: number): number => {
    let x = 1;
    for (let i = 0; i < n; i++) x = Math.imul(x, m);
    return x;
  };
  chain(1e5, multiplier); // compile
  let best = Infinity;
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    sink ^= chain(steps, multiplier);
    best = Math.min(best, performance.now() - t0);
  }
  clockSink = sink; // keeps the chain's result alive
  return (3 * steps) / (best / 1000) / 1e6;
}

/** Parses /proc/cpuinfo text (the first processor block); exported for tests. */
export function parseCpuinfo(text: string, cores: number): CpuFeatures {
  const block = text.split(/\n\s*\n/)[0] ?? '';
  const field = (name: string): string | undefined => {
    const m = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(block);
    return m?.[1]?.trim();
  };
  const flags = new Set((field('flags') ?? '').split(/\s+/).filter(Boolean));
  const mhz = Number(field('cpu MHz'));
  const family = Number(field('cpu family'));
  const f: Omit<CpuFeatures, 'summary' | 'int8Dot'> = {
    model: field('model name') ?? 'unknown',
    vendor: field('vendor_id') ?? 'unknown',
    family: Number.isFinite(family) ? family : null,
    cores,
    mhz: Number.isFinite(mhz) && mhz > 0 ? Math.round(mhz) : null,
    avx2: flags.has('avx2'),
    fma: flags.has('fma'),
    avx512f: flags.has('avx512f'),
    avx512_vnni: flags.has('avx512_vnni'),
    avx_vnni: flags.has('avx_vnni'),
    amx_int8: flags.has('amx_int8'),
    amx_bf16: flags.has('amx_bf16'),
  };
  const named = (['avx2', 'avx512f', 'avx512_vnni', 'avx_vnni', 'amx_int8'] as const).filter((k) => f[k]);
  const summary = `${f.model}, ${cores} cores${f.mhz ? `, ${f.mhz} MHz` : ''}, ${named.length ? named.join(' ') : 'no avx2'}`;
  return { ...f, int8Dot: f.avx512_vnni || f.avx_vnni || f.amx_int8, summary };
}

export function cpuFeatures(): CpuFeatures {
  const cores = availableParallelism();
  try {
    return parseCpuinfo(readFileSync('/proc/cpuinfo', 'utf8'), cores);
  } catch {
    const c = cpus()[0];
    const text = `model name : ${c?.model ?? 'unknown'}\ncpu MHz : ${c?.speed ?? 0}\nflags :\n`;
    return parseCpuinfo(text, cores);
  }
}

/**
 * Theoretical fp32 peak: cores × clock × FLOP/cycle, at the measured clock when given (else the
 * reported one, which on VMs is the nominal clock and understates the peak). FLOP/cycle from the flags and vendor: AMD Zen 1-4
 * (family 0x17, 0x19) has two 256-bit FMA pipes (AVX-512 on Zen 4 is double-pumped), 32 FLOP/cycle;
 * Zen 5 (0x1a) with AVX-512 has two 512-bit pipes, 64; Intel with AVX-512 is taken at two 512-bit FMA
 * units (64; parts with one unit reach half); AVX2 + FMA, 32; neither, 8 (SSE mul + add).
 */
export function fmaPeak(cpu: CpuFeatures, measuredMhz?: number): FmaPeak {
  let flopsPerCycle: number;
  let assumption: string;
  if (!cpu.fma) {
    flopsPerCycle = 8;
    assumption = 'no FMA: SSE multiply + add, 4 lanes';
  } else if (cpu.vendor === 'AuthenticAMD' && cpu.avx512f && (cpu.family ?? 0) >= 0x1a) {
    flopsPerCycle = 64;
    assumption = 'AMD Zen 5: two 512-bit FMA pipes';
  } else if (cpu.vendor === 'AuthenticAMD') {
    flopsPerCycle = 32;
    assumption = `AMD family ${cpu.family ?? '?'}: two 256-bit FMA pipes${cpu.avx512f ? ' (AVX-512 double-pumped)' : ''}`;
  } else if (cpu.avx512f) {
    flopsPerCycle = 64;
    assumption = 'AVX-512: two 512-bit FMA units assumed (one-unit parts reach half)';
  } else {
    flopsPerCycle = 32;
    assumption = 'AVX2 + FMA: two 256-bit FMA units';
  }
  const mhz = measuredMhz ?? cpu.mhz;
  const gflops = mhz ? (cpu.cores * mhz * 1e6 * flopsPerCycle) / 1e9 : NaN;
  return { flopsPerCycle, gflops, mhz, clock: measuredMhz !== undefined ? 'measured' : 'reported', assumption };
}
