/** fit()'s callbacks: the order of events, stopping from a callback, and a callback's state across a resume. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/training/backend.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { checkpointPath, readPointer } from '../../src/training/checkpoint.js';
import type { FitOptions, StepEnd, TrainerCallback, TrainingRun } from '../../src/training/trainer.js';
import { makeTasks, synthetic } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'mtl-callbacks-'));
beforeAll(async () => {
  await initBackend('wasm', { log: false });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const s = synthetic({ n: 64 });
const data = { cls: s.cls, reg: s.reg };
const newModel = () =>
  MultiTaskModel.create({
    encoder: { dim: 16 },
    tasks: makeTasks(),
    sharedLayers: { depth: 1, width: 16, dropout: 0 },
    seed: 3,
    features: s.features,
    log: false,
  });
const base: FitOptions = { steps: 12, batchSize: 16, evalEvery: 4, seed: 5, log: false, sampling: { type: 'round-robin' } };

/** Counts the steps it has seen, saved in checkpoints under its stateKey. */
class StepCounter implements TrainerCallback {
  readonly stateKey = 'stepCounter';
  seen = 0;
  events: string[] = [];
  getState(): unknown {
    return { seen: this.seen };
  }
  setState(_run: TrainingRun, state: unknown): void {
    this.seen = (state as { seen: number }).seen;
  }
  onTrainBegin(_run: TrainingRun, resumedFrom: string | null): void {
    this.events.push(resumedFrom ? 'begin(resumed)' : 'begin');
  }
  onStepEnd(run: TrainingRun, end: StepEnd): void {
    this.seen++;
    this.events.push(end.eval ? `step${run.step}+eval(improved=${String(end.eval.improved)})` : `step${run.step}`);
  }
  onCheckpoint(_run: TrainingRun, w: { step: number }): void {
    this.events.push(`ckpt${w.step}`);
  }
  onTrainEnd(run: TrainingRun): void {
    this.events.push(`end(${run.history.stopReason})`);
  }
}

describe('trainer callbacks', () => {
  it('are called in order: after the metrics log and progress (the evaluation is already marked), before checkpoints', async () => {
    const m = await newModel();
    const cb = new StepCounter();
    const progress: { phase: string; done: number; total: number }[] = [];
    const h = await m.fit(data, {
      ...base,
      steps: 8,
      callbacks: [cb],
      checkpoints: { dir: join(root, 'order'), every: 100 },
      onProgress: (e) => void progress.push({ phase: e.phase, done: e.done, total: e.total }),
    });
    expect(h.completedSteps).toBe(8);
    // fit's progress has the one shape of encode/predict: phase, done of total (steps)
    expect(progress.map((p) => `${p.phase}:${p.done}/${p.total}`)).toEqual(Array.from({ length: 8 }, (_, i) => `fit:${i + 1}/8`));
    expect(cb.events[0]).toBe('begin');
    expect(cb.events.slice(1, 4)).toEqual(['step1', 'step2', 'step3']);
    // step 4 evaluates: the first evaluation is always an improvement; the checkpoint follows it
    expect(cb.events[4]).toBe('step4+eval(improved=true)');
    expect(cb.events[5]).toBe('ckpt4');
    expect(cb.events.at(-3)).toMatch(/^step8\+eval\(improved=(true|false)\)$/);
    expect(cb.events.at(-2)).toBe('ckpt8');
    expect(cb.events.at(-1)).toBe('end(completed)');
    m.dispose();
  });

  it('can stop the run, and their state comes back on resume', async () => {
    const dir = join(root, 'resume');
    const stopper: TrainerCallback = { onStepEnd: (run) => (run.step === 6 ? run.stop('stopped') : undefined) };
    const a = await newModel();
    const first = new StepCounter();
    const h1 = await a.fit(data, { ...base, callbacks: [first, stopper], checkpoints: { dir } });
    expect(h1.stopReason).toBe('stopped');
    expect(h1.completedSteps).toBe(6);
    // the stop asked by a caller's callback is checkpointed (checkpoints run last)
    expect(readPointer(dir)?.step).toBe(6);
    const saved = JSON.parse(readFileSync(join(checkpointPath(dir) as string, 'trainer.json'), 'utf8')) as Record<string, unknown>;
    expect(saved.stepCounter).toEqual({ seen: 6 });
    expect(saved.early).toMatchObject({ bestStep: 4, bad: 0 });
    a.dispose();

    const b = await newModel();
    const second = new StepCounter();
    const h2 = await b.fit(data, { ...base, callbacks: [second], checkpoints: { dir }, resume: true });
    expect(second.events[0]).toBe('begin(resumed)');
    expect(h2.completedSteps).toBe(12);
    expect(second.seen).toBe(12); // 6 restored + 6 run now
    b.dispose();
  });
});
