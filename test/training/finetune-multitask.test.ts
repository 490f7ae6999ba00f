/**
 * The default multitask config (tasks/multitask.yaml: sentiment with attention pooling and a lexicon
 * feature, cross-encoded translation-quality pairs with side features, summarization with document
 * features) fine-tuned as `mtl train --config multitask --sample --finetune 2 --encoder
 * ../shared/models/reference-mini --steps 6` runs it (trainFromConfig): it trains, saves the
 * fine-tuned encoder with the heads, and the reloaded model predicts every task as the in-memory one.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configFile } from '../../src/config/load.js';
import { trainFromConfig, type TrainRun } from '../../src/experiment/train.js';
import { MultiTaskModel } from '../../src/training/model.js';
import type { SentimentPrediction } from '../../src/tasks/sentiment/index.js';
import type { SummarizationPrediction } from '../../src/tasks/summarization/index.js';
import { packageRoot } from '../../src/utils/paths.js';
import { hasReference, REFERENCE_MINI } from '../finetune/helpers.js';

const out = mkdtempSync(join(tmpdir(), 'mtl-finetune-multitask-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function maxDiff(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(0, ...a.map((x, i) => Math.abs(x - (b[i] as number))));
}

/** Runs `check` on the saved model reloaded from `dir` (no training code), then frees it and the run. */
async function withReloaded(run: TrainRun, dir: string, check: (loaded: MultiTaskModel) => Promise<void>): Promise<void> {
  try {
    const loaded = await MultiTaskModel.load(dir);
    try {
      await check(loaded);
    } finally {
      loaded.dispose();
      await loaded.encoder?.dispose();
    }
  } finally {
    run.model.dispose();
    await run.encoder.dispose();
  }
}

describe.skipIf(!hasReference)('fine-tuning the default multitask config (reference-mini, fp32)', () => {
  it('trains 6 steps with the top 2 layers, saves, and the reloaded model predicts every task within 1e-4', async () => {
    const encoderDir = dirname(dirname(REFERENCE_MINI));
    const run = await trainFromConfig({
      config: join(packageRoot(), 'tasks', 'multitask.yaml'),
      sample: true,
      encoder: encoderDir,
      finetune: 2,
      epochs: 1,
      steps: 6,
      baselines: false,
      out,
    });
    await withReloaded(run, out, async (loaded) => {
      expect(run.model.taskNames).toEqual(['sentiment', 'translation-quality', 'summarization']);
      expect(run.history.completedSteps).toBe(6);
      for (const s of run.history.steps) for (const l of Object.values(s.losses)) expect(Number.isFinite(l)).toBe(true);
      // every task's batches went through the trainable top at least once (temperature sampling, seed 42)
      expect(new Set(run.history.steps.flatMap((s) => s.tasks))).toEqual(new Set(run.model.taskNames));
      // the top moved: the saved encoder is not the source's weights
      const manifest = MultiTaskModel.readManifest(out);
      expect(manifest.encoder.path).toBe('encoder');
      expect(manifest.encoder.sha256).not.toBe(createHash('sha256').update(readFileSync(REFERENCE_MINI)).digest('hex'));
      const sentimentTask = run.model.task('sentiment') as { pooling?: string };
      expect(sentimentTask.pooling).toBe('attention');

      const dev = run.dev as { sentiment: { text: string }[]; 'translation-quality': object[]; summarization: object[] };
      const texts = dev.sentiment.slice(0, 24).map((e) => e.text);
      const probs = (ps: SentimentPrediction[]) => ps.flatMap((p) => Object.values(p.probabilities));
      const s0 = await run.model.predict('sentiment', texts);
      const s1 = await loaded.predict('sentiment', texts);
      expect(maxDiff(probs(s0), probs(s1))).toBeLessThan(1e-4);
      expect(s1.map((p) => p.label)).toEqual(s0.map((p) => p.label));

      const pairs = dev['translation-quality'].slice(0, 24);
      const t0 = await run.model.predict<number>('translation-quality', pairs);
      const t1 = await loaded.predict<number>('translation-quality', pairs);
      expect(maxDiff(t0, t1)).toBeLessThan(1e-4);

      const docs = dev.summarization.slice(0, 4);
      const u0 = await run.model.predict<SummarizationPrediction>('summarization', docs);
      const u1 = await loaded.predict<SummarizationPrediction>('summarization', docs);
      expect(
        maxDiff(
          u0.flatMap((p) => p.scores),
          u1.flatMap((p) => p.scores),
        ),
      ).toBeLessThan(1e-4);
      expect(u1.map((p) => p.summary)).toEqual(u0.map((p) => p.summary));
    });
  }, 180_000);
});

describe('the shipped fine-tuning config (tasks/multitask-finetune.yaml) on its default encoder', () => {
  it("trains the top 2 of mtl:mini's 4 layers on the samples, saves, and the reloaded model predicts within 3e-2 (q8 source)", async () => {
    const dir = join(out, 'multitask-finetune');
    const run = await trainFromConfig({ config: configFile('multitask-finetune'), sample: true, steps: 4, baselines: false, out: dir });
    await withReloaded(run, dir, async (loaded) => {
      expect(run.report.encoderId).toBe('mtl:mini');
      expect(run.report.sampling).toEqual({ type: 'proportional' });
      const ft = run.model.finetune;
      expect(ft?.config.layers).toBe(2);
      expect(ft?.totalLayers).toBe(4);
      expect(run.history.completedSteps).toBe(4);
      // the report says what was fine-tuned and cached, and each task's mean step time
      const f = run.report.finetune;
      expect(f).toMatchObject({ layers: 2, of: 4 });
      expect(f!.bottom.computed).toBeGreaterThan(0);
      expect(f!.cache.entries).toBeGreaterThan(0);
      expect(f!.cache.mb).toBeGreaterThan(0);
      const timed = Object.keys(run.report.stepMs);
      expect(timed.length).toBeGreaterThan(0);
      for (const t of timed) {
        expect(run.model.taskNames).toContain(t);
        expect(run.report.stepMs[t]).toBeGreaterThan(0);
      }
      for (const s of run.history.steps) for (const l of Object.values(s.losses)) expect(Number.isFinite(l)).toBe(true);
      expect(MultiTaskModel.readManifest(dir).encoder.path).toBe('encoder');

      const texts = (run.dev as { sentiment: { text: string }[] }).sentiment.slice(0, 16).map((e) => e.text);
      const probs = (ps: SentimentPrediction[]) => ps.flatMap((p) => Object.values(p.probabilities));
      const p0 = probs(await run.model.predict('sentiment', texts));
      const p1 = probs(await loaded.predict('sentiment', texts));
      expect(maxDiff(p0, p1)).toBeLessThan(3e-2);
    });
  }, 180_000);
});
