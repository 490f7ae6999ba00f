import { describe, expect, it } from 'vitest';
import { cpuFeatures, fmaPeak, measureClockMhz, parseCpuinfo } from '../../src/utils/cpu.js';

const ZEN4 = `processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC
cpu MHz\t\t: 2596.136
flags\t\t: fpu sse2 avx fma avx2 avx512f avx512_bf16 avx512_vnni

processor\t: 1
vendor_id\t: AuthenticAMD
`;
const SPR = `vendor_id\t: GenuineIntel
cpu family\t: 6
model name\t: Intel(R) Xeon(R) Platinum 8480+
cpu MHz\t\t: 2000.000
flags\t\t: avx fma avx2 avx512f avx512_vnni avx_vnni amx_bf16 amx_tile amx_int8
`;
const OLD = `vendor_id\t: GenuineIntel
model name\t: Old CPU
cpu MHz\t\t: 3000
flags\t\t: sse sse2 avx
`;

describe('CPU features beside benchmark numbers', () => {
  it('reads model, clock and the int8 features from /proc/cpuinfo', () => {
    const z = parseCpuinfo(ZEN4, 2);
    expect(z).toMatchObject({
      model: 'AMD EPYC',
      vendor: 'AuthenticAMD',
      family: 25,
      cores: 2,
      mhz: 2596,
      avx2: true,
      avx512f: true,
      avx512_vnni: true,
      avx_vnni: false,
      amx_int8: false,
      int8Dot: true,
    });
    expect(z.summary).toBe('AMD EPYC, 2 cores, 2596 MHz, avx2 avx512f avx512_vnni');
    const s = parseCpuinfo(SPR, 56);
    expect(s).toMatchObject({ avx_vnni: true, amx_int8: true, amx_bf16: true, int8Dot: true });
    const o = parseCpuinfo(OLD, 4);
    expect(o).toMatchObject({ avx2: false, fma: false, int8Dot: false });
    expect(o.summary).toContain('no avx2');
  });

  it('FMA peak = cores × clock × FLOP/cycle chosen from vendor and flags', () => {
    expect(fmaPeak(parseCpuinfo(ZEN4, 2))).toMatchObject({ flopsPerCycle: 32 });
    expect(fmaPeak(parseCpuinfo(ZEN4, 2)).gflops).toBeCloseTo((2 * 2596 * 32) / 1000, 6);
    expect(fmaPeak(parseCpuinfo(SPR, 56)).flopsPerCycle).toBe(64);
    expect(fmaPeak(parseCpuinfo(ZEN4.replace('cpu family\t: 25', 'cpu family\t: 26'), 2)).flopsPerCycle).toBe(64);
    expect(fmaPeak(parseCpuinfo(OLD, 4)).flopsPerCycle).toBe(8);
    expect(Number.isNaN(fmaPeak(parseCpuinfo('flags : fma avx2', 1)).gflops)).toBe(true);
  });

  it('FMA peak at a measured clock, and says which clock it used', () => {
    const p = fmaPeak(parseCpuinfo(ZEN4, 2), 3650);
    expect(p.gflops).toBeCloseTo((2 * 3650 * 32) / 1000, 6);
    expect(p).toMatchObject({ mhz: 3650, clock: 'measured' });
    expect(fmaPeak(parseCpuinfo(ZEN4, 2))).toMatchObject({ mhz: 2596, clock: 'reported' });
  });

  it('the measured clock: linear in the chain length (the loop is not optimised away) and near the reported clock', () => {
    const a = measureClockMhz(5, 2e7);
    const b = measureClockMhz(5, 4e7);
    expect(Math.abs(a / b - 1)).toBeLessThan(0.25);
    const reported = cpuFeatures().mhz;
    if (reported) {
      // VMs report the nominal clock; boost runs above it, a busy host a little below
      expect(b).toBeGreaterThan(0.5 * reported);
      expect(b).toBeLessThan(3 * reported);
    } else {
      expect(b).toBeGreaterThan(300);
      expect(b).toBeLessThan(8000);
    }
  });

  it('this machine: a summary line and a finite core count', () => {
    const c = cpuFeatures();
    expect(c.cores).toBeGreaterThan(0);
    expect(c.summary.length).toBeGreaterThan(0);
  });
});
