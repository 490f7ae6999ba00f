/**
 * Per-task batch sizes (`FitOptions.taskBatchSizes`, the YAML's `tasks[].batchSize`): each task's
 * batches have its own size, the samplers weigh a task by its batches, the run's fingerprint
 * records the sizes (a resume with others is refused) and bad values are named.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTrainingConfig } from '../../src/config/load.js';
import { initBackend } from '../../src/training/backend.js';
import { MultiTaskModel } from '../../src/training/model.js';
import type { FitOptions } from '../../src/training/trainer.js';
import { packageRoot } from '../../src/utils/paths.js';
import { makeTasks, synthetic } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'mtl-task-batch-'));
beforeAll(async () => {
  await initBackend('wasm', { log: false });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const s = synthetic({ n: 80 }); // 60 training examples per task
const train = { cls: { train: s.cls.train }, reg: { train: s.reg.train } };

/** A model whose tasks record the number of examples of each training batch. */
async function recordingModel(): Promise<{ model: MultiTaskModel; sizes: Record<string, number[]> }> {
  const tasks = makeTasks();
  const sizes: Record<string, number[]> = { cls: [], reg: [] };
  for (const task of tasks) {
    const make = task.makeBatch.bind(task) as (...args: unknown[]) => unknown;
    (task as unknown as { makeBatch: (...args: unknown[]) => unknown }).makeBatch = (...args: unknown[]) => {
      sizes[task.name]!.push((args[0] as unknown[]).length);
      return make(...args);
    };
  }
  const model = await MultiTaskModel.create({ encoder: { dim: 16 }, tasks, seed: 3, features: s.features, log: false });
  return { model, sizes };
}

const base: FitOptions = { batchSize: 16, sampling: { type: 'proportional' }, seed: 5, log: false, logFile: false };

describe('per-task batch sizes', () => {
  it("each task's batches have its own size; proportional sampling counts batches, so an epoch is one pass of each", async () => {
    const { model, sizes } = await recordingModel();
    const h = await model.fit(train, { ...base, taskBatchSizes: { cls: 4 }, epochs: 1 });
    // cls: 60 / 4 = 15 batches, reg: 60 / 16 → 4 batches; one epoch = 19 steps
    expect(h.completedSteps).toBe(19);
    expect(sizes.cls!.length).toBeGreaterThan(0);
    expect(new Set(sizes.cls)).toEqual(new Set([4]));
    expect(sizes.reg!.every((n) => n === 16 || n === 12)).toBe(true);
    // the saved settings say so
    expect(model.lastTraining).toMatchObject({ batchSize: 16, taskBatchSizes: { cls: 4 } });
    model.dispose();

    // over many steps cls gets 15 of every 19 batches (p = 0.79), against 1/2 with equal sizes
    const many = await recordingModel();
    const h2 = await many.model.fit(train, { ...base, taskBatchSizes: { cls: 4 }, steps: 300 });
    const share = h2.steps.filter((st) => st.tasks.includes('cls')).length / 300;
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.88);
    many.model.dispose();
    const equal = await recordingModel();
    const h3 = await equal.model.fit(train, { ...base, steps: 300 });
    const shareEqual = h3.steps.filter((st) => st.tasks.includes('cls')).length / 300;
    expect(shareEqual).toBeGreaterThan(0.4);
    expect(shareEqual).toBeLessThan(0.6);
    expect(equal.model.lastTraining?.taskBatchSizes).toBeUndefined();
    equal.model.dispose();
  });

  it('a size equal to batchSize changes nothing: the same steps and losses as without it', async () => {
    const a = await recordingModel();
    const ha = await a.model.fit(train, { ...base, steps: 12 });
    const b = await recordingModel();
    const hb = await b.model.fit(train, { ...base, steps: 12, taskBatchSizes: { reg: 16 } });
    expect(hb.steps.map((x) => x.losses)).toEqual(ha.steps.map((x) => x.losses));
    a.model.dispose();
    b.model.dispose();
  });

  it('resuming with other per-task sizes is refused, naming the setting', async () => {
    const dir = join(root, 'resume');
    const a = await recordingModel();
    await a.model.fit(train, {
      ...base,
      steps: 10,
      taskBatchSizes: { cls: 4 },
      checkpoints: { dir, every: 3 },
      onProgress: (e) => (e.step === 5 ? 'stop' : undefined),
    });
    a.model.dispose();
    const b = await recordingModel();
    await expect(
      b.model.fit(train, { ...base, steps: 10, taskBatchSizes: { cls: 8 }, checkpoints: { dir }, resume: true }),
    ).rejects.toThrow(/different taskBatchSizes/);
    // the same sizes resume
    const h = await b.model.fit(train, { ...base, steps: 10, taskBatchSizes: { cls: 4 }, checkpoints: { dir }, resume: true });
    expect(h.resumedFrom).toBe(5);
    expect(h.completedSteps).toBe(10);
    b.model.dispose();
  });

  it('an unknown task or a size that is not a positive integer is named', async () => {
    const { model } = await recordingModel();
    await expect(model.fit(train, { ...base, steps: 2, taskBatchSizes: { nope: 4 } })).rejects.toThrow(
      /taskBatchSizes\.nope: no task named 'nope' \(tasks: cls, reg\)/,
    );
    await expect(model.fit(train, { ...base, steps: 2, taskBatchSizes: { cls: 0 } })).rejects.toThrow(
      /taskBatchSizes\.cls must be a positive integer, got 0/,
    );
    model.dispose();
  });

  it("the training YAML's tasks[].batchSize is read, and a bad one is named with its line", () => {
    const dir = mkdtempSync(join(root, 'yaml-'));
    const tasks = join(packageRoot(), 'tasks');
    const file = join(dir, 'multi.yaml');
    const yaml = (b: string) =>
      `encoder: { model: x }\ntasks:\n  - { config: ${join(tasks, 'sentiment.yaml')} }\n  - { config: ${join(tasks, 'summarization.yaml')}, batchSize: ${b} }\n`;
    writeFileSync(file, yaml('8'));
    const cfg = loadTrainingConfig(file);
    expect(cfg.taskConfigs.map((t) => t.batchSize)).toEqual([undefined, 8]);
    writeFileSync(file, yaml('0'));
    expect(() => loadTrainingConfig(file)).toThrowError(/multi\.yaml:4: tasks\.1\.batchSize/);
  });
});
