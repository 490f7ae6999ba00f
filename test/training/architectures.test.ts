import { describe, expect, it, beforeAll } from 'vitest';
import { initBackend } from '../../src/training/backend.js';
import { MultiTaskModel } from '../../src/training/model.js';
import type { TaskRelations } from '../../src/architectures/index.js';
import { makeTasks, synthetic } from './helpers.js';

beforeAll(async () => {
  await initBackend('wasm', { log: false });
});

const s = synthetic({ n: 160 });
const data = { cls: s.cls, reg: s.reg };

async function trained(
  architecture: { type: 'hard' } | { type: 'cross-stitch' } | { type: 'mmoe'; experts: number },
  sampling: 'all' | 'round-robin',
) {
  const model = await MultiTaskModel.create({
    encoder: { dim: 16 },
    tasks: makeTasks(),
    architecture,
    sharedLayers: { depth: 2, width: 16, dropout: 0.1 },
    seed: 4,
    features: s.features,
    log: false,
  });
  const before = model.taskRelations();
  const h = await model.fit(data, {
    steps: 80,
    batchSize: 16,
    sampling: { type: sampling },
    evalEvery: 80,
    optimizer: { type: 'adamw', lr: 5e-3 },
    log: false,
    logFile: false,
  });
  return { model, before, h };
}

function firstLoss(h: { steps: { losses: Record<string, number> }[] }, task: string, fromEnd = false): number {
  const list = h.steps.map((x) => x.losses[task]).filter((x): x is number => x !== undefined);
  const part = fromEnd ? list.slice(-8) : list.slice(0, 8);
  return part.reduce((a, b) => a + b, 0) / part.length;
}

describe('architectures', () => {
  it('hard sharing trains both tasks', async () => {
    const { model, h } = await trained({ type: 'hard' }, 'all');
    expect(firstLoss(h, 'cls', true)).toBeLessThan(firstLoss(h, 'cls'));
    expect(firstLoss(h, 'reg', true)).toBeLessThan(firstLoss(h, 'reg'));
    expect(model.taskRelations()).toEqual({ type: 'hard', tasks: ['cls', 'reg'] });
    model.dispose();
  });

  it('cross-stitch trains with one task per step and exposes learned α matrices (init 0.9 diagonal)', async () => {
    const { model, before, h } = await trained({ type: 'cross-stitch' }, 'round-robin');
    expect(h.steps[0]!.tasks.length).toBe(1);
    expect(firstLoss(h, 'cls', true)).toBeLessThan(firstLoss(h, 'cls'));
    expect(firstLoss(h, 'reg', true)).toBeLessThan(firstLoss(h, 'reg'));
    const b = before as Extract<TaskRelations, { type: 'cross-stitch' }>;
    expect(b.alphas.length).toBe(2);
    expect(b.alphas[0]![0]![0]).toBeCloseTo(0.9, 6);
    expect(b.alphas[0]![0]![1]).toBeCloseTo(0.1, 6);
    const after = model.taskRelations() as Extract<TaskRelations, { type: 'cross-stitch' }>;
    expect(after.type).toBe('cross-stitch');
    expect(after.alphas.length).toBe(2);
    expect(after.alphas[1]!.length).toBe(2);
    expect(Math.abs(after.alphas[1]![0]![1]! - 0.1) + Math.abs(after.alphas[1]![1]![0]! - 0.1)).toBeGreaterThan(1e-4);
    model.dispose();
  });

  it('MMoE trains with one task per step and exposes mean gate weights per task', async () => {
    const { model, before, h } = await trained({ type: 'mmoe', experts: 3 }, 'round-robin');
    expect(firstLoss(h, 'cls', true)).toBeLessThan(firstLoss(h, 'cls'));
    expect(firstLoss(h, 'reg', true)).toBeLessThan(firstLoss(h, 'reg'));
    const b = before as Extract<TaskRelations, { type: 'mmoe' }>;
    expect(b.batches).toEqual({ cls: 0, reg: 0 });
    const r = model.taskRelations() as Extract<TaskRelations, { type: 'mmoe' }>;
    expect(r.experts).toBe(3);
    for (const t of ['cls', 'reg']) {
      expect(r.gates[t]!.length).toBe(3);
      expect(r.gates[t]!.reduce((a, x) => a + x, 0)).toBeCloseTo(1, 5);
      expect(r.batches[t]).toBe(40);
    }
    expect(r.gates.cls).not.toEqual(r.gates.reg);
    model.dispose();
  });

  it('cross-stitch and MMoE need at least one shared layer', async () => {
    await expect(
      MultiTaskModel.create({
        encoder: { dim: 8 },
        tasks: makeTasks(),
        architecture: { type: 'cross-stitch' },
        sharedLayers: { depth: 0 },
        log: false,
      }),
    ).rejects.toThrow(/cross-stitch needs sharedLayers.depth ≥ 1/);
    await expect(
      MultiTaskModel.create({
        encoder: { dim: 8 },
        tasks: makeTasks(),
        architecture: { type: 'mmoe', experts: 2 },
        sharedLayers: { depth: 0 },
        log: false,
      }),
    ).rejects.toThrow(/mmoe needs sharedLayers.depth ≥ 1/);
    await expect(
      MultiTaskModel.create({ encoder: { dim: 8 }, tasks: makeTasks(), architecture: { type: 'nope' } as never, log: false }),
    ).rejects.toThrow(/unknown architecture "nope"/);
  });
});
