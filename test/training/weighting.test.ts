import { describe, expect, it, beforeAll } from 'vitest';
import { initBackend } from '../../src/training/backend.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { PairRegressionTask } from '../../src/tasks/pair-regression.js';
import { Rng } from '../../src/utils/random.js';
import { createWeighting, dwaLambdas, pcgradProject } from '../../src/weighting/index.js';
import type { BaseWeighting } from '../../src/weighting/common.js';
import { makeTasks, maxAbsDiff, paramsWithPrefix, synthetic } from './helpers.js';

beforeAll(async () => {
  await initBackend('wasm', { log: false });
});

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

describe('static / equal', () => {
  /** The classification + regression model on synthetic features, seed 2. */
  const twoTasks = (s: ReturnType<typeof synthetic>) =>
    MultiTaskModel.create({
      encoder: { dim: 16 },
      tasks: makeTasks(),
      sharedLayers: { depth: 1, width: 16, dropout: 0 },
      seed: 2,
      features: s.features,
      log: false,
    });

  it('λ = 0 leaves that task head unchanged while the other head trains', async () => {
    const s = synthetic({ n: 64 });
    const model = await twoTasks(s);
    model.prepareTasks({ cls: s.cls.train, reg: s.reg.train });
    const before = paramsWithPrefix(model.store, 'heads.');
    expect(before.size).toBe(6);
    const h = await model.fit(
      { cls: s.cls, reg: s.reg },
      { steps: 15, batchSize: 16, weighting: { type: 'static', lambdas: { cls: 1, reg: 0 } }, log: false, logFile: false },
    );
    const after = paramsWithPrefix(model.store, 'heads.');
    const only = (m: Map<string, Float32Array>, p: string) => new Map([...m].filter(([k]) => k.startsWith(p)));
    expect(maxAbsDiff(only(before, 'heads.reg.'), only(after, 'heads.reg.'))).toBe(0);
    expect(maxAbsDiff(only(before, 'heads.cls.'), only(after, 'heads.cls.'))).toBeGreaterThan(1e-3);
    expect(h.steps[0]!.lambdas).toEqual({ cls: 1, reg: 0 });
    expect(h.lambdas).toEqual({ cls: 1, reg: 0 });
    model.dispose();
  });

  it('static without lambdas weighs every task 1: the same steps and losses as equal', async () => {
    const s = synthetic({ n: 64 });
    const run = async (weighting: { type: 'static' } | { type: 'equal' }) => {
      const model = await twoTasks(s);
      const h = await model.fit({ cls: s.cls, reg: s.reg }, { steps: 6, batchSize: 16, weighting, log: false, logFile: false });
      const heads = paramsWithPrefix(model.store, 'heads.');
      model.dispose();
      return { h, heads };
    };
    const st = await run({ type: 'static' });
    const eq = await run({ type: 'equal' });
    expect(st.h.lambdas).toEqual({ cls: 1, reg: 1 });
    expect(st.h.steps.map((x) => x.losses)).toEqual(eq.h.steps.map((x) => x.losses));
    expect(maxAbsDiff(st.heads, eq.heads)).toBe(0);
  });

  it('refuses λ 0 for every task (nothing would train), naming the remedy', () => {
    const init = { tasks: ['a', 'b'], lossKinds: { a: 'classification' as const, b: 'regression' as const }, rng: new Rng(1) };
    expect(() => createWeighting({ type: 'static', lambdas: {} }, init)).toThrow(
      /every task \(a, b\) λ 0, so training would change nothing; give at least one task a positive λ/,
    );
    expect(() => createWeighting({ type: 'static', lambdas: { a: 0, b: 0 } }, init)).toThrow(/λ 0/);
    expect(createWeighting({ type: 'static', lambdas: { a: 0.5 } }, init).lambdas()).toEqual({ a: 0.5, b: 0 });
  });

  it('rejects λ for unknown tasks and negative λ', () => {
    const init = { tasks: ['a', 'b'], lossKinds: { a: 'classification' as const, b: 'regression' as const }, rng: new Rng(1) };
    expect(() => createWeighting({ type: 'static', lambdas: { c: 1 } }, init)).toThrow(/unknown task "c"/);
    expect(() => createWeighting({ type: 'static', lambdas: { a: -1 } }, init)).toThrow(/≥ 0/);
    expect(createWeighting({ type: 'equal' }, init).lambdas()).toEqual({ a: 1, b: 1 });
    expect(() => createWeighting({ type: 'nope' } as never, init)).toThrow(/unknown weighting "nope"/);
  });
});

describe('uncertainty (Kendall et al. 2018)', () => {
  it('gives the noisier task the larger σ', async () => {
    // same pairs, same target function; the second task's targets carry extra N(0, 1) noise
    const s = synthetic({ n: 480, seed: 5 });
    const rng = new Rng(8);
    const noisyTrain = s.reg.train.map((e) => ({ ...e, score: (e.score as number) + rng.normal() }));
    const fixed = { hidden: 16, targetMean: 0, targetStd: 1 };
    const tasks = [new PairRegressionTask({ name: 'clean', ...fixed }), new PairRegressionTask({ name: 'noisy', ...fixed })];
    const model = await MultiTaskModel.create({
      encoder: { dim: 16 },
      tasks,
      sharedLayers: { depth: 1, width: 16, dropout: 0 },
      seed: 1,
      features: s.features,
      log: false,
    });
    const h = await model.fit(
      { clean: { train: s.reg.train }, noisy: { train: noisyTrain } },
      {
        steps: 150,
        batchSize: 32,
        weighting: { type: 'uncertainty' },
        optimizer: { type: 'adamw', lr: 2e-2, weightDecay: 0 },
        log: false,
        logFile: false,
      },
    );
    const logVar = (h.steps[h.steps.length - 1]!.diagnostics as { logVariance: Record<string, number> }).logVariance;
    expect(logVar.noisy!).toBeGreaterThan(logVar.clean! + 0.3);
    // and it does so throughout training, not just at the end
    const later = h.steps.slice(30).map((x) => (x.diagnostics as { logVariance: Record<string, number> }).logVariance);
    expect(later.filter((v) => v.noisy! > v.clean!).length / later.length).toBeGreaterThan(0.95);
    expect(h.lambdas.noisy!).toBeLessThan(h.lambdas.clean!);
    // λ = exp(−s) is logged over time and kept in the weighting state saved with the model
    expect(h.steps[0]!.lambdas.clean).toBeCloseTo(1, 1);
    expect((model.lastWeighting!.state as { logVariance: Record<string, number> }).logVariance.noisy).toBeCloseTo(logVar.noisy!, 6);
    model.dispose();
  });
});

describe('DWA (Liu et al. 2019)', () => {
  it('raises λ of the slower-falling loss, Σλ = K, λ = 1 for the first two epochs', () => {
    const w = createWeighting(
      { type: 'dwa', T: 2 },
      { tasks: ['fast', 'slow'], lossKinds: { fast: 'regression', slow: 'regression' }, rng: new Rng(1) },
    );
    const info = { step: 0, epoch: 0, active: ['fast', 'slow'] };
    const epochs = [
      { fast: 1.0, slow: 1.0 },
      { fast: 0.5, slow: 0.9 },
      { fast: 0.25, slow: 0.85 },
    ];
    const seen: Record<string, number>[] = [];
    epochs.forEach((losses, e) => {
      seen.push(w.lambdas());
      for (let k = 0; k < 3; k++) w.afterStep(losses, { ...info, epoch: e });
      w.onEpochEnd(e);
    });
    expect(seen[0]).toEqual({ fast: 1, slow: 1 });
    expect(seen[1]).toEqual({ fast: 1, slow: 1 });
    const l = w.lambdas();
    expect(l.slow!).toBeGreaterThan(l.fast!);
    expect(l.slow! + l.fast!).toBeCloseTo(2, 10);
    expect(l).toEqual(dwaLambdas(['fast', 'slow'], { fast: 0.25, slow: 0.85 }, { fast: 0.5, slow: 0.9 }, 2));
    // exact formula: λᵢ = K·exp(wᵢ/T)/Σ exp(wⱼ/T)
    const wf = 0.25 / 0.5;
    const ws = 0.85 / 0.9;
    expect(l.fast).toBeCloseTo((2 * Math.exp(wf / 2)) / (Math.exp(wf / 2) + Math.exp(ws / 2)), 12);
    // state round trip
    const w2 = createWeighting(
      { type: 'dwa' },
      { tasks: ['fast', 'slow'], lossKinds: { fast: 'regression', slow: 'regression' }, rng: new Rng(1) },
    );
    w2.setState(JSON.parse(JSON.stringify(w.getState())));
    expect(w2.lambdas()).toEqual(l);
  });

  it('updates λ per epoch during training', async () => {
    const s = synthetic({ n: 64 });
    const model = await MultiTaskModel.create({
      encoder: { dim: 16 },
      tasks: makeTasks(),
      sharedLayers: { depth: 1, width: 16, dropout: 0 },
      seed: 2,
      features: s.features,
      log: false,
    });
    const h = await model.fit(
      { cls: s.cls, reg: s.reg },
      { epochs: 4, batchSize: 16, weighting: { type: 'dwa' }, optimizer: { type: 'adamw', lr: 1e-2 }, log: false, logFile: false },
    );
    const per = h.stepsPerEpoch;
    expect(h.steps[2 * per - 1]!.lambdas).toEqual({ cls: 1, reg: 1 });
    expect(h.steps[2 * per]!.lambdas).not.toEqual({ cls: 1, reg: 1 });
    expect(h.steps[2 * per]!.lambdas.cls! + h.steps[2 * per]!.lambdas.reg!).toBeCloseTo(2, 6);
    model.dispose();
  });
});

describe('RLW (Lin et al. 2021)', () => {
  it('draws λ = softmax(N(0, I)) each step, seeded', async () => {
    const tf = await import('../../src/utils/tf.js');
    const init = () => ({
      tasks: ['a', 'b', 'c'],
      lossKinds: { a: 'regression' as const, b: 'regression' as const, c: 'regression' as const },
      rng: new Rng(9),
    });
    const w1 = createWeighting({ type: 'rlw' }, init()) as BaseWeighting;
    const w2 = createWeighting({ type: 'rlw' }, init()) as BaseWeighting;
    const losses = () =>
      new Map([
        ['a', tf.scalar(1)],
        ['b', tf.scalar(2)],
        ['c', tf.scalar(3)],
      ]);
    const draws1: Record<string, number>[] = [];
    const draws2: Record<string, number>[] = [];
    for (let i = 0; i < 5; i++) {
      const info = { step: i, epoch: 0, active: ['a', 'b', 'c'] };
      const l1 = losses();
      const total = w1.combine(l1, info);
      const l = w1.lambdas();
      draws1.push(l);
      expect(total.dataSync()[0]).toBeCloseTo(l.a! * 1 + l.b! * 2 + l.c! * 3, 5);
      const l2 = losses();
      tf.dispose([w2.combine(l2, info), ...l1.values(), ...l2.values(), total]);
      draws2.push(w2.lambdas());
    }
    expect(draws1).toEqual(draws2);
    for (const d of draws1) expect(d.a! + d.b! + d.c!).toBeCloseTo(1, 10);
    expect(draws1[0]).not.toEqual(draws1[1]);
  });
});

describe('PCGrad (Yu et al. 2020)', () => {
  it('leaves no negative dot product between projected task gradients (2 tasks)', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 50; trial++) {
      const g1 = Array.from({ length: 20 }, () => rng.normal());
      const g2 = Array.from({ length: 20 }, () => rng.normal());
      const [p1, p2] = pcgradProject([g1, g2], rng) as [Float64Array, Float64Array];
      expect(dot(p1, p2)).toBeGreaterThanOrEqual(-1e-9);
      expect(dot(p1, g2)).toBeGreaterThanOrEqual(-1e-9);
      expect(dot(p2, g1)).toBeGreaterThanOrEqual(-1e-9);
      if (dot(g1, g2) >= 0) expect(Array.from(p1)).toEqual(g1);
    }
  });

  it('projects against every conflicting task (3 tasks): gᵢ′ never points against the last gradient it was projected on', () => {
    const rng = new Rng(4);
    const g = [
      [1, 0, 0],
      [-1, 1, 0],
      [-1, -1, 0.5],
    ];
    const p = pcgradProject(g, rng);
    // every projected gradient is non-conflicting with at least the original it was last projected on;
    // and the sum does not increase any task's loss to first order more than the plain sum does
    const sum = p.reduce((acc, v) => acc.map((x, i) => x + (v[i] as number)), [0, 0, 0]);
    const plain = g.reduce((acc, v) => acc.map((x, i) => x + (v[i] as number)), [0, 0, 0]);
    const worstPc = Math.min(...g.map((gi) => dot(sum, gi)));
    const worstPlain = Math.min(...g.map((gi) => dot(plain, gi)));
    expect(worstPc).toBeGreaterThan(worstPlain);
  });

  it('in training, logs non-negative projected dot products when task gradients conflict', async () => {
    const s = synthetic({ n: 64 });
    const model = await MultiTaskModel.create({
      encoder: { dim: 16 },
      tasks: makeTasks(),
      sharedLayers: { depth: 1, width: 16, dropout: 0 },
      seed: 2,
      features: s.features,
      log: false,
    });
    const h = await model.fit(
      { cls: s.cls, reg: s.reg },
      { steps: 30, batchSize: 16, weighting: { type: 'pcgrad' }, optimizer: { type: 'adamw', lr: 1e-2 }, log: false, logFile: false },
    );
    const diags = h.steps.map((x) => (x.diagnostics as { pcgrad: { minDot: number; minProjectedDot: number } }).pcgrad);
    expect(diags.some((d) => d.minDot < 0)).toBe(true);
    for (const d of diags) expect(d.minProjectedDot).toBeGreaterThanOrEqual(-1e-6 * Math.max(1, Math.abs(d.minDot)));
    model.dispose();
  });
});

describe('GradNorm (Chen et al. 2018)', () => {
  it('moves λ toward equal weighted gradient norms on the last shared layer; Σλ = T', async () => {
    const s = synthetic({ n: 96 });
    // scale the regression targets ×20 without standardisation → much larger gradients for "reg"
    const reg = new PairRegressionTask({ name: 'reg', hidden: 16, targetMean: 0, targetStd: 0.05 });
    const [cls] = makeTasks();
    const model = await MultiTaskModel.create({
      encoder: { dim: 16 },
      tasks: [cls, reg],
      sharedLayers: { depth: 1, width: 16, dropout: 0 },
      seed: 2,
      features: s.features,
      log: false,
    });
    const h = await model.fit(
      { cls: s.cls, reg: s.reg },
      {
        steps: 80,
        batchSize: 16,
        weighting: { type: 'gradnorm', alpha: 0 },
        optimizer: { type: 'adamw', lr: 2e-3 },
        log: false,
        logFile: false,
      },
    );
    const norms = (i: number) => (h.steps[i]!.diagnostics as { gradNorms: Record<string, number> }).gradNorms;
    const first = norms(0);
    const rawRatio = Math.abs(Math.log(first.reg! / first.cls!));
    expect(rawRatio).toBeGreaterThan(1); // reg's gradient is much larger at the start
    const last = h.steps[h.steps.length - 1]!;
    const n = norms(h.steps.length - 1);
    const weightedRatio = Math.abs(Math.log((last.lambdas.reg! * n.reg!) / (last.lambdas.cls! * n.cls!)));
    expect(weightedRatio).toBeLessThan(rawRatio / 2);
    expect(h.lambdas.reg!).toBeLessThan(h.lambdas.cls!);
    expect(h.lambdas.reg! + h.lambdas.cls!).toBeCloseTo(2, 6);
    model.dispose();
  });
});
