import { describe, expect, it } from 'vitest';
import {
  createSampler,
  parseSamplingConfig,
  SAMPLERS,
  samplingProbabilities,
  SamplingConfigError,
  TaskBatcher,
  type SamplingConfig,
} from '../../src/sampling/index.js';
import { Rng } from '../../src/utils/random.js';

const sizes = { sst2: 6920, mlqe: 49000, bbc: 2004, tiny: 300 };
const ctx = (seed = 1, taskSizes: Record<string, number> = sizes, batchSize = 32) => ({ taskSizes, batchSize, rng: new Rng(seed) });

function frequencies(config: SamplingConfig, steps: number, seed = 7): Record<string, number> {
  const s = createSampler(config, ctx(seed));
  const counts: Record<string, number> = Object.fromEntries(Object.keys(sizes).map((k) => [k, 0]));
  for (let i = 0; i < steps; i++) for (const t of s.nextStep()) counts[t] = (counts[t] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).map(([k, c]) => [k, c / steps]));
}

describe('registry and validation', () => {
  it('registers every strategy by name', () => {
    expect(Object.keys(SAMPLERS).sort()).toEqual(['all', 'proportional', 'round-robin', 'temperature', 'uniform']);
    for (const [name, plugin] of Object.entries(SAMPLERS)) expect(plugin.type).toBe(name);
  });

  it('rejects unknown types naming the known ones', () => {
    expect(() => createSampler({ type: 'annealed' } as unknown as SamplingConfig, ctx())).toThrow(
      /Unknown sampling type "annealed"; known types: all, proportional, temperature, round-robin, uniform/,
    );
    expect(() => parseSamplingConfig({})).toThrow(/needs a "type"/);
    expect(() => parseSamplingConfig(null)).toThrow(SamplingConfigError);
    expect(() => parseSamplingConfig({ type: 'toString' })).toThrow(/Unknown sampling type/);
  });

  it('rejects bad temperatures', () => {
    for (const T of [0, -1, Number.NaN]) {
      expect(() => createSampler({ type: 'temperature', T }, ctx())).toThrow(/T must be a number > 0/);
    }
    expect(() => parseSamplingConfig({ type: 'temperature', T: '2' })).toThrow(/T must be a number > 0/);
    expect(() => parseSamplingConfig({ type: 'temperature' })).toThrow(/needs a temperature T/);
    expect(parseSamplingConfig({ type: 'temperature', T: 2 })).toEqual({ type: 'temperature', T: 2 });
  });

  it('rejects empty task sets, zero/negative/non-integer sizes and bad batch sizes', () => {
    for (const type of Object.keys(SAMPLERS)) {
      const config = { type, T: 2 } as SamplingConfig;
      expect(() => createSampler(config, ctx(1, {}))).toThrow(/No tasks/);
      expect(() => createSampler(config, ctx(1, { a: 10, b: 0 }))).toThrow(/Task "b" has size 0/);
      expect(() => createSampler(config, ctx(1, { a: -3 }))).toThrow(/Task "a" has size -3/);
      expect(() => createSampler(config, ctx(1, { a: 2.5 }))).toThrow(/Task "a"/);
      expect(() => createSampler(config, ctx(1, { a: 10 }, 0))).toThrow(/batchSize must be a positive integer/);
    }
  });
});

describe('task frequencies over 20,000 steps', () => {
  const N = 20_000;
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  const cases: [SamplingConfig, Record<string, number>][] = [
    [{ type: 'proportional' }, Object.fromEntries(Object.entries(sizes).map(([k, n]) => [k, n / total]))],
    [{ type: 'uniform' }, Object.fromEntries(Object.keys(sizes).map((k) => [k, 0.25]))],
    [{ type: 'round-robin' }, Object.fromEntries(Object.keys(sizes).map((k) => [k, 0.25]))],
    [{ type: 'all' }, Object.fromEntries(Object.keys(sizes).map((k) => [k, 1]))],
  ];
  for (const T of [0.5, 1, 2, 5]) {
    const w = Object.values(sizes).map((n) => n ** (1 / T));
    const z = w.reduce((a, b) => a + b, 0);
    cases.push([{ type: 'temperature', T }, Object.fromEntries(Object.keys(sizes).map((k, i) => [k, (w[i] as number) / z]))]);
  }

  for (const [config, expected] of cases) {
    it(`${JSON.stringify(config)} matches expected probabilities`, () => {
      const p = samplingProbabilities(config, sizes);
      for (const k of Object.keys(sizes)) expect(p[k]).toBeCloseTo(expected[k] as number, 10);
      const freq = frequencies(config, N);
      let chi2 = 0;
      for (const k of Object.keys(sizes)) {
        const pk = expected[k] as number;
        expect(Math.abs((freq[k] as number) - pk)).toBeLessThan(0.01);
        if (pk > 0 && pk < 1) chi2 += (((freq[k] as number) - pk) * N) ** 2 / (pk * N);
      }
      // 3 degrees of freedom: P(chi2 > 16.27) = 0.001
      expect(chi2).toBeLessThan(16.27);
    });
  }

  it('temperature T=1 equals proportional, T=Infinity equals uniform', () => {
    const prop = samplingProbabilities({ type: 'proportional' }, sizes);
    const t1 = samplingProbabilities({ type: 'temperature', T: 1 }, sizes);
    const tinf = samplingProbabilities({ type: 'temperature', T: Infinity }, sizes);
    for (const k of Object.keys(sizes)) {
      expect(t1[k]).toBeCloseTo(prop[k] as number, 12);
      expect(tinf[k]).toBeCloseTo(0.25, 12);
    }
    // huge T approaches uniform; tiny T does not overflow and picks the largest task
    const big = samplingProbabilities({ type: 'temperature', T: 1e6 }, sizes);
    for (const k of Object.keys(sizes)) expect(big[k]).toBeCloseTo(0.25, 4);
    const small = samplingProbabilities({ type: 'temperature', T: 0.01 }, sizes);
    expect(small.mlqe).toBeCloseTo(1, 10);
    const s = createSampler({ type: 'temperature', T: Infinity }, ctx());
    expect(s.nextStep()).toHaveLength(1);
  });
});

describe('sampler behaviour', () => {
  it('all gives every task each step, in task order', () => {
    const s = createSampler({ type: 'all' }, ctx());
    for (let i = 0; i < 5; i++) expect(s.nextStep()).toEqual(['sst2', 'mlqe', 'bbc', 'tiny']);
  });

  it('round-robin cycles in the exact fixed order', () => {
    const s = createSampler({ type: 'round-robin' }, ctx());
    const seq = Array.from({ length: 10 }, () => s.nextStep());
    expect(seq).toEqual([['sst2'], ['mlqe'], ['bbc'], ['tiny'], ['sst2'], ['mlqe'], ['bbc'], ['tiny'], ['sst2'], ['mlqe']]);
  });

  it('stepsPerEpoch follows the documented epoch definition', () => {
    const sum = 6920 + 49000 + 2004 + 300;
    expect(createSampler({ type: 'all' }, ctx()).stepsPerEpoch()).toBe(Math.ceil(49000 / 32));
    for (const config of [
      { type: 'proportional' },
      { type: 'uniform' },
      { type: 'round-robin' },
      { type: 'temperature', T: 3 },
    ] as SamplingConfig[]) {
      expect(createSampler(config, ctx()).stepsPerEpoch()).toBe(Math.ceil(sum / 32));
    }
    expect(createSampler({ type: 'all' }, ctx(1, { a: 10, b: 33 }, 32)).stepsPerEpoch()).toBe(2);
  });

  it('is deterministic by seed and differs across seeds', () => {
    for (const config of [{ type: 'proportional' }, { type: 'uniform' }, { type: 'temperature', T: 2 }] as SamplingConfig[]) {
      const run = (seed: number) => {
        const s = createSampler(config, ctx(seed));
        return Array.from({ length: 200 }, () => s.nextStep()[0]).join(',');
      };
      expect(run(42)).toBe(run(42));
      expect(run(42)).not.toBe(run(43));
    }
  });

  it('does not depend on later draws from the caller rng', () => {
    const rng1 = new Rng(5);
    const rng2 = new Rng(5);
    const a = createSampler({ type: 'proportional' }, { taskSizes: sizes, batchSize: 8, rng: rng1 });
    const b = createSampler({ type: 'proportional' }, { taskSizes: sizes, batchSize: 8, rng: rng2 });
    const seqA: string[] = [];
    const seqB: string[] = [];
    for (let i = 0; i < 100; i++) {
      seqA.push(...a.nextStep());
      rng2.next(); // the trainer uses its rng for something else
      seqB.push(...b.nextStep());
    }
    expect(seqA).toEqual(seqB);
  });

  it('state save/restore continues the exact same sequence (through JSON)', () => {
    const configs: SamplingConfig[] = [
      { type: 'all' },
      { type: 'proportional' },
      { type: 'uniform' },
      { type: 'round-robin' },
      { type: 'temperature', T: 2 },
    ];
    for (const config of configs) {
      const s = createSampler(config, ctx(9));
      for (let i = 0; i < 37; i++) s.nextStep();
      const saved = JSON.parse(JSON.stringify(s.getState())) as unknown;
      const expected = Array.from({ length: 100 }, () => s.nextStep());
      const restored = createSampler(config, ctx(12345));
      restored.setState(saved);
      expect(Array.from({ length: 100 }, () => restored.nextStep())).toEqual(expected);
    }
  });

  it('setState rejects state from another sampler or task set', () => {
    const s = createSampler({ type: 'proportional' }, ctx());
    expect(() => s.setState(createSampler({ type: 'uniform' }, ctx()).getState())).toThrow(/saved by sampler "uniform"/);
    expect(() => s.setState(createSampler({ type: 'proportional' }, ctx(1, { a: 5 })).getState())).toThrow(/state is for tasks/);
    expect(() => s.setState(null)).toThrow(/must be an object/);
  });
});

describe('TaskBatcher', () => {
  it('covers every index exactly once per pass, then reshuffles and restarts', () => {
    const b = new TaskBatcher(103, 10, new Rng(3));
    const passes: number[][] = [];
    for (let p = 0; p < 3; p++) {
      const seen: number[] = [];
      const batches = b.batchesPerPass();
      expect(batches).toBe(11);
      for (let i = 0; i < batches; i++) {
        const batch = b.next();
        expect(batch.length).toBe(i === batches - 1 ? 3 : 10);
        seen.push(...batch);
      }
      expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: 103 }, (_, i) => i));
      passes.push(seen);
    }
    expect(b.passes).toBe(2);
    b.next();
    expect(b.passes).toBe(3);
    expect(passes[0]).not.toEqual(passes[1]); // reshuffled
    expect(passes[0]).not.toEqual(Array.from({ length: 103 }, (_, i) => i)); // shuffled at all
  });

  it('handles batchSize larger than the task', () => {
    const b = new TaskBatcher(5, 32, new Rng(1));
    for (let i = 0; i < 4; i++) expect([...b.next()].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('is deterministic by seed and restores state exactly', () => {
    const a = new TaskBatcher(50, 7, new Rng(11));
    const b = new TaskBatcher(50, 7, new Rng(11));
    for (let i = 0; i < 20; i++) expect(a.next()).toEqual(b.next());
    const saved = JSON.parse(JSON.stringify(a.getState())) as unknown;
    const expected = Array.from({ length: 30 }, () => a.next());
    const c = new TaskBatcher(50, 7, new Rng(999));
    c.setState(saved);
    expect(Array.from({ length: 30 }, () => c.next())).toEqual(expected);
    expect(() => new TaskBatcher(51, 7, new Rng(1)).setState(saved)).toThrow(/state is for size 50/);
  });

  it('validates its arguments', () => {
    expect(() => new TaskBatcher(0, 4, new Rng(1))).toThrow(/size must be a positive integer/);
    expect(() => new TaskBatcher(10, 0, new Rng(1))).toThrow(/batchSize must be a positive integer/);
  });

  it('works with a sampler to restart unequal tasks', () => {
    const rng = new Rng(4);
    const taskSizes = { big: 100, small: 9 };
    const s = createSampler({ type: 'all' }, { taskSizes, batchSize: 4, rng });
    const batchers = { big: new TaskBatcher(100, 4, rng), small: new TaskBatcher(9, 4, rng) };
    const seen = { big: 0, small: 0 };
    for (let i = 0; i < s.stepsPerEpoch(); i++) for (const t of s.nextStep() as ('big' | 'small')[]) seen[t] += batchers[t].next().length;
    expect(seen.big).toBe(100);
    expect(batchers.small.passes).toBeGreaterThanOrEqual(8);
  });
});
