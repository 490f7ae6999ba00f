/**
 * The trainer's built-in callbacks: the monitored metric with early stopping, the JSONL metrics log,
 * progress events (and cancellation), and checkpoints. fit() composes them; each one does one job.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { deltaMOverBaselines } from '../metrics/delta-m.js';
import { MANIFEST_FILE, WEIGHTS_FILE } from './format.js';
import { encodeSafetensors, type NamedArray } from './safetensors.js';
import { FINETUNE_FILE, finetuneStateBytes, readFinetuneState } from './finetune-step.js';
import { checkpointName, checkpointPath, pruneCheckpoints, readPointer, setPointer, writeCheckpointFolder } from './checkpoint.js';
import type { EarlyStoppingConfig, EvalRecord, ProgressEvent, StepEnd, TrainableModel, TrainerCallback, TrainingRun } from './types.js';
import { UserError } from '../errors.js';

export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const TRAINER_FILE = 'trainer.json';

type Snapshot = Map<string, { shape: number[]; data: Float32Array }>;

function monitorDirection(metric: string, model: TrainableModel): 'higher' | 'lower' {
  if (metric === 'delta_m') return 'higher';
  const dot = metric.indexOf('.');
  if (dot < 0) throw new UserError(`earlyStopping.metric "${metric}" must be "task.metric" or "delta_m"`);
  const task = metric.slice(0, dot);
  const name = metric.slice(dot + 1);
  const dirs = model.metricDirections()[task];
  if (!dirs) throw new UserError(`earlyStopping.metric "${metric}": unknown task "${task}"`);
  const d = dirs[name];
  if (!d)
    throw new UserError(`earlyStopping.metric "${metric}": task "${task}" has no metric "${name}" (has: ${Object.keys(dirs).join(', ')})`);
  return d;
}

function readMonitor(metric: string, rec: EvalRecord): number | undefined {
  if (metric === 'delta_m') return rec.delta_m;
  const dot = metric.indexOf('.');
  return rec.metrics[metric.slice(0, dot)]?.[metric.slice(dot + 1)];
}

/**
 * The monitored dev metric ('task.metric' or 'delta_m'): marks each evaluation `improved` or not,
 * keeps the best value in the history, stops after `patience` evaluations without improvement
 * (when early stopping is configured) and then restores the best weights.
 * @example
 * // fit() builds it from its options; each evaluation is then marked improved or not:
 * await model.fit(data, { epochs: 10, earlyStopping: { metric: 'sentiment.accuracy', patience: 2 } });
 * // history.evals: [{ step: 10, monitor: 0.81, improved: true, … }, { step: 20, monitor: 0.80, improved: false, … }, …]
 * // history.stopReason: 'early-stopping', history.best: { step: 10, metric: 'sentiment.accuracy', value: 0.81 }
 */
export class EarlyStopping implements TrainerCallback {
  readonly stateKey = 'early';
  private best: number | null = null;
  private bestStep = -1;
  private bad = 0;
  private snapshot: Snapshot | null = null;
  /** The fine-tuned top's weights at the best evaluation (with fine-tuning). */
  private topSnapshot: Map<string, Float32Array> | null = null;
  private readonly direction: 'higher' | 'lower';

  constructor(
    /** The monitored metric, or null when there is nothing to monitor (no dev data). */
    readonly metric: string | null,
    model: TrainableModel,
    private readonly config: EarlyStoppingConfig | undefined,
    /** Where the best checkpoint is, to restore from when no snapshot was kept in memory. */
    private readonly checkpointDir: string | undefined,
  ) {
    this.direction = metric ? monitorDirection(metric, model) : 'higher';
  }

  getState(): { best: number | null; bestStep: number; bad: number } {
    return { best: this.best, bestStep: this.bestStep, bad: this.bad };
  }

  setState(run: TrainingRun, state: unknown): void {
    const s = state as { best: number | null; bestStep: number; bad: number };
    this.best = s.best;
    this.bestStep = s.bestStep;
    this.bad = s.bad;
    if (this.best !== null && this.metric) run.history.best = { step: this.bestStep, metric: this.metric, value: this.best };
  }

  onStepEnd(run: TrainingRun, end: StepEnd): void {
    const rec = end.eval;
    if (rec && this.config?.baselines) rec.delta_m = deltaMOverBaselines(rec.metrics, this.config.baselines, run.model.metricDirections());
    if (rec && this.metric) {
      const v = readMonitor(this.metric, rec);
      if (v !== undefined && Number.isFinite(v)) {
        rec.monitor = v;
        const minDelta = this.config?.minDelta ?? 0;
        const improved = this.best === null || (this.direction === 'higher' ? v > this.best + minDelta : v < this.best - minDelta);
        rec.improved = improved;
        if (improved) {
          this.best = v;
          this.bestStep = rec.step;
          this.bad = 0;
          run.history.best = { step: rec.step, metric: this.metric, value: v };
          if (this.config && this.config.restoreBest !== false) {
            this.snapshot = run.model.store.snapshot();
            this.topSnapshot = run.model.finetune?.top.weights() ?? null;
          }
        } else this.bad++;
      }
    }
    if (this.config && this.bad >= this.config.patience) run.stop('early-stopping');
  }

  onTrainEnd(run: TrainingRun): void {
    if (run.history.stopReason !== 'early-stopping' || this.config?.restoreBest === false) return;
    if (this.snapshot) {
      run.model.store.restore(this.snapshot);
      if (this.topSnapshot) run.model.finetune?.loadWeights(this.topSnapshot);
    } else if (this.checkpointDir) {
      const bestDir = checkpointPath(this.checkpointDir, 'best');
      if (bestDir) run.model.restoreWeights(bestDir);
      if (bestDir && run.model.finetune) run.model.finetune.loadWeights(readFinetuneState(bestDir).weights);
    }
  }
}

/**
 * One JSON object per line: a run header, each step, evaluation, checkpoint and warning, the end.
 * @example
 * // written by fit() with `checkpoints` (to its dir's metrics.jsonl) or `logFile`; mtl train --out DIR: DIR/checkpoints/metrics.jsonl
 * // {"type":"run","run":"9f3b2c1d4e5a","startedAt":"2026-12-01T10:00:00.000Z","resumed":false,"fromStep":0,"totalSteps":10}
 * // {"type":"step","step":1,"epoch":0,"tasks":["sentiment"],"losses":{"sentiment":0.7477},"lambdas":{"sentiment":1},"lr":0.001,…}
 * // {"type":"eval","step":10,"epoch":1,"metrics":{"sentiment":{"accuracy":0.85,…}},"monitor":0.85,"improved":true}
 * // {"type":"end","step":10,"reason":"completed","best":{…},"elapsedMs":2480}
 */
export class MetricsLog implements TrainerCallback {
  constructor(
    private readonly file: string,
    /** Extra fields for the run header line. */
    private readonly runInfo: Record<string, unknown> = {},
  ) {
    mkdirSync(dirname(file), { recursive: true });
  }
  private write(rec: Record<string, unknown>): void {
    appendFileSync(this.file, JSON.stringify(rec) + '\n');
  }
  onTrainBegin(run: TrainingRun, resumedFrom: string | null): void {
    // every fit() marks its start, so runs appended to one metrics.jsonl can be told apart
    this.write({
      type: 'run',
      run: randomBytes(6).toString('hex'),
      startedAt: new Date().toISOString(),
      resumed: resumedFrom !== null,
      fromStep: run.step,
      totalSteps: run.totalSteps,
      ...this.runInfo,
    });
    if (resumedFrom) this.write({ type: 'resume', step: run.step, checkpoint: resumedFrom });
  }
  onStepEnd(_run: TrainingRun, end: StepEnd): void {
    this.write({ type: 'step', ...end.step });
    if (end.eval) this.write({ type: 'eval', ...end.eval });
  }
  onCheckpoint(_run: TrainingRun, written: { step: number; name: string; best: boolean }): void {
    this.write({ type: 'checkpoint', ...written });
  }
  onWarning(_run: TrainingRun, warning: { step: number; message: string }): void {
    this.write({ type: 'warning', ...warning });
  }
  onTrainEnd(run: TrainingRun): void {
    const h = run.history;
    this.write({ type: 'end', step: run.step, reason: h.stopReason, best: h.best, elapsedMs: h.elapsedMs });
  }
}

/**
 * Progress events to a listener that may answer 'stop'; an aborted signal stops the run too.
 * @example
 * await model.fit(data, { onProgress: (e) => console.log(JSON.stringify(e)) });
 * // {"phase":"fit","done":1,"total":10,"step":1,"totalSteps":10,"epoch":0,"losses":{"sentiment":0.7477},
 * //  "lambdas":{"sentiment":1},"lr":0.001,"elapsedMs":712,"etaMs":6408}
 * // returning 'stop' from onProgress (or aborting `signal`) ends the run after that step
 */
export class Progress implements TrainerCallback {
  constructor(private readonly listener: ((e: ProgressEvent) => void | 'stop') | undefined) {}
  onStepEnd(run: TrainingRun, end: StepEnd): void {
    const rec = end.step;
    const ev: ProgressEvent = {
      phase: 'fit',
      done: run.step,
      total: run.totalSteps,
      step: run.step,
      totalSteps: run.totalSteps,
      epoch: rec.epoch,
      losses: rec.losses,
      lambdas: rec.lambdas,
      lr: rec.lr,
      elapsedMs: run.elapsedMs(),
      etaMs: (run.sessionMs() / run.stepsThisSession) * (run.totalSteps - run.step),
    };
    if (end.eval) ev.eval = end.eval;
    if (this.listener?.(ev) === 'stop') run.stop('stopped');
    if (run.aborted()) run.stop('stopped');
  }
}

export interface CheckpointOptions {
  dir: string;
  keep: 'best' | 'last' | 'both';
  /** Every N steps (0: only at evaluations, stops and the end). */
  every: number;
}

/**
 * Crash-safe checkpoints: the model files, the optimizer state and trainer.json written to a new
 * folder, then the `latest` (and `best`) pointers moved, then old folders pruned.
 * @example
 * await model.fit(data, { checkpoints: { dir: 'runs/x/checkpoints', every: 500, keep: 'both' } });
 * // runs/x/checkpoints/ckpt-00000500-3fa2c1/{manifest.json, model.safetensors, optimizer.safetensors, trainer.json}
 * // runs/x/checkpoints/latest, best: pointers to the newest and the best folder; fit(…, { resume: true }) continues
 */
export class Checkpoints implements TrainerCallback {
  constructor(
    private readonly options: CheckpointOptions,
    /** The optimizer state to save (tensors by parameter name). */
    private readonly optimizerState: () => { tensors: Map<string, unknown>; steps: Record<string, number> },
  ) {}

  async onStepEnd(run: TrainingRun, end: StepEnd): Promise<void> {
    const { every } = this.options;
    const due =
      (every > 0 && run.step % every === 0) || run.step === run.totalSteps || run.stopRequested || run.aborted() || end.eval !== undefined;
    if (due) await this.write(run, end.eval?.improved === true);
  }

  private async write(run: TrainingRun, improved: boolean): Promise<void> {
    const { dir, keep } = this.options;
    if (keep === 'best' && !improved) return;
    const opt = this.optimizerState();
    const state = run.trainerState(opt.steps);
    const { manifest, weights } = run.model.serialize();
    const name = checkpointName(run.step);
    await writeCheckpointFolder(dir, name, {
      [WEIGHTS_FILE]: weights,
      [OPTIMIZER_FILE]: encodeSafetensors(opt.tensors as Map<string, NamedArray>),
      [TRAINER_FILE]: JSON.stringify(state),
      [MANIFEST_FILE]: JSON.stringify(manifest, null, 2) + '\n',
      ...(run.model.finetune ? { [FINETUNE_FILE]: finetuneStateBytes(run.model.finetune) } : {}),
    });
    await setPointer(dir, 'latest', name, run.step);
    if (improved) await setPointer(dir, 'best', name, run.step);
    const keepSet = new Set<string>();
    const latest = readPointer(dir, 'latest');
    const best = readPointer(dir, 'best');
    if (latest) keepSet.add(latest.checkpoint);
    if (best && keep !== 'last') keepSet.add(best.checkpoint);
    await pruneCheckpoints(dir, keepSet);
    await run.notify('onCheckpoint', { step: run.step, name, best: improved });
  }
}
