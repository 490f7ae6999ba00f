/**
 * The multitask training loop. Each step: the sampler picks the tasks, each task's batcher its
 * examples; the weighting turns their losses into one gradient (`weighting.backward`); the
 * gradient is clipped and AdamW updates the parameters (with warm-up and decay). Around the loop,
 * callbacks (callbacks.ts) evaluate-and-monitor with early stopping, write the JSONL metrics log,
 * report progress and write crash-safe checkpoints; a resumed run continues exactly. What a run sets
 * up before its first step is in ./trainer-setup.ts, reading a checkpoint back in ./checkpoint-resume.ts.
 *
 * Determinism: every random choice comes from seeded Rng streams (sampler, one batcher per task,
 * dropout seeds, weighting); their states are checkpointed, so a resumed run continues bit-for-bit.
 */
import * as tf from '../utils/tf.js';
import { seededContext } from '../nn/layers.js';
import { clipByGlobalNorm, learningRate } from '../nn/optimizer.js';
import { type TaskBatcher } from '../sampling/index.js';
import { type LossFn } from '../weighting/index.js';
import { readOptimizerTensors, readTrainerState, resumeFolder } from './checkpoint-resume.js';
import { FinetuneStep, readFinetuneState } from './finetune-step.js';
import { builtInCallbacks, setUpRun, type RunSetup, type TrainingData } from './trainer-setup.js';
import type {
  EvalRecord,
  FitOptions,
  StepRecord,
  TrainableModel,
  TrainerCallback,
  TrainerState,
  TrainingHistory,
  TrainingRun,
} from './types.js';

export type {
  CheckpointConfig,
  EarlyStoppingConfig,
  EvalRecord,
  FitOptions,
  ProgressEvent,
  StepEnd,
  StepRecord,
  TrainableModel,
  TrainerCallback,
  TrainerState,
  TrainingHistory,
  TrainingRun,
} from './types.js';

/** Train `model` on `data` (task → train/dev examples); see {@link FitOptions}. */
export async function train(model: TrainableModel, data: TrainingData, options: FitOptions = {}): Promise<TrainingHistory> {
  const setup = await setUpRun(model, data, options);
  const run = new Run(setup, options);
  const callbacks = builtInCallbacks(setup, options);
  const resumedFrom = run.resume(callbacks);
  run.recordSettings();
  for (const cb of callbacks) await cb.onTrainBegin?.(run, resumedFrom);
  try {
    while (run.step < run.totalSteps && !run.stopRequested && !run.aborted()) {
      const step = await run.trainStep();
      const evaluation = run.evalDue() ? await run.evaluate() : undefined;
      for (const cb of callbacks) await cb.onStepEnd?.(run, evaluation ? { step, eval: evaluation } : { step });
    }
  } finally {
    run.finish();
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(run);
  return run.history;
}

function mixSeed(seed: number, k: number): number {
  let h = (seed ^ Math.imul(k + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

/** One fit() call: its setup (./trainer-setup.ts) and the loop's state. */
class Run implements TrainingRun {
  step = 0;
  stopRequested = false;
  history: TrainingHistory;
  readonly model: TrainableModel;
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  private priorElapsed = 0;
  private startStep = 0;
  private readonly startTime = Date.now();
  private callbacks: TrainerCallback[] = [];

  constructor(
    private readonly setup: RunSetup,
    private readonly options: FitOptions,
  ) {
    ({ model: this.model, totalSteps: this.totalSteps, stepsPerEpoch: this.stepsPerEpoch } = setup);
    this.history = {
      backend: setup.model.backend,
      seed: setup.seed,
      totalSteps: setup.totalSteps,
      stepsPerEpoch: setup.stepsPerEpoch,
      completedSteps: 0,
      steps: [],
      evals: [],
      best: null,
      stopReason: 'completed',
      resumedFrom: null,
      elapsedMs: 0,
      lambdas: setup.weighting.lambdas(),
    };
  }

  /** Continue from the latest checkpoint when asked (./checkpoint-resume.ts); returns its folder (null: a fresh start). */
  resume(callbacks: TrainerCallback[]): string | null {
    this.callbacks = callbacks;
    const folder = resumeFolder(this.options);
    if (!folder) return null;
    const { model, optimizer, params, dropoutRng, sampler, batchers, weighting } = this.setup;
    const state = readTrainerState(folder, this.setup.fingerprint);
    model.restoreWeights(folder);
    if (model.finetune) model.finetune.load(readFinetuneState(folder));
    optimizer.setState(params, { tensors: readOptimizerTensors(folder), steps: state.optimizerSteps });
    dropoutRng.setState(state.dropoutRng);
    sampler.setState(state.sampler);
    for (const [t, b] of batchers) b.setState(state.batchers[t]);
    weighting.setState(state.weighting);
    this.step = this.startStep = state.step;
    this.history.steps = state.history.steps;
    this.history.evals = state.history.evals;
    this.priorElapsed = state.history.elapsedMs;
    this.history.resumedFrom = state.step;
    for (const cb of callbacks) if (cb.stateKey && state[cb.stateKey] !== undefined) cb.setState?.(this, state[cb.stateKey]);
    return folder;
  }

  /** What the saved model records about how it was trained. */
  recordSettings(): void {
    const { options } = this;
    const { seed, fingerprint, optimizer, evalEvery } = this.setup;
    this.model.lastTraining = {
      seed,
      batchSize: fingerprint.batchSize,
      ...(fingerprint.taskBatchSizes ? { taskBatchSizes: fingerprint.taskBatchSizes } : {}),
      sampling: fingerprint.sampling,
      weighting: fingerprint.weighting,
      optimizer: optimizer.config(),
      schedule: options.schedule ?? {},
      clipNorm: options.clipNorm ?? null,
      totalSteps: this.totalSteps,
      evalEvery,
      earlyStopping: options.earlyStopping ?? null,
      backend: this.model.backend,
    };
  }

  /** One optimisation step: batches (through the fine-tuned top, if any) → weighting.backward → clip → AdamW. */
  async trainStep(): Promise<StepRecord> {
    const started = performance.now();
    const { model, step } = this;
    const { sampler, batchers, dropoutRng, trainSets, trainable, weighting, optimizer, params } = this.setup;
    const epoch = Math.floor(step / this.stepsPerEpoch);
    const active = sampler.nextStep().filter((t) => batchers.has(t));
    const seedBase = dropoutRng.nextUint32();
    const examples = new Map(
      active.map((t) => [t, (batchers.get(t) as TaskBatcher).next().map((i) => (trainSets[t] as readonly unknown[])[i])]),
    );
    const ft = await FinetuneStep.prepare(model.finetune ?? null, (t) => model.task(t), examples, trainable);
    const losses = new Map<string, LossFn>(
      active.map((t) => {
        const batch = ft.batch(t) ?? model.makeBatch(t, examples.get(t) as unknown[]);
        const ctx = seededContext(mixSeed(seedBase, model.taskNames.indexOf(t)));
        return [t, () => model.loss(t, batch, ctx, ft.rows(t))];
      }),
    );
    const info = { step, epoch, active };
    const { grads, losses: lossValues } = weighting.backward(losses, ft.trainable, info);
    const topGrad = await ft.backward(grads);
    const lambdas = weighting.lambdas();
    const clipped = clipByGlobalNorm(grads, this.options.clipNorm);
    const lr = learningRate(optimizer.lr, step, this.totalSteps, this.options.schedule);
    if (Number.isFinite(clipped.norm)) optimizer.apply(params, clipped.grads, lr);
    else for (const cb of this.callbacks) void cb.onWarning?.(this, { step, message: 'non-finite gradient norm; update skipped' });
    if (topGrad) ft.finish(Number.isFinite(clipped.norm), step, this.totalSteps);
    tf.dispose([...clipped.grads.values()]);
    model.architecture.afterStep();
    weighting.afterStep(lossValues, info);
    this.step++;
    if (this.step % this.stepsPerEpoch === 0) weighting.onEpochEnd(epoch);
    const rec: StepRecord = {
      step: this.step,
      epoch,
      tasks: active,
      losses: lossValues,
      lambdas,
      lr,
      gradNorm: clipped.norm,
      elapsedMs: this.elapsedMs(),
      stepMs: Math.round((performance.now() - started) * 10) / 10,
    };
    const diag = weighting.diagnostics();
    if (Object.keys(diag).length) rec.diagnostics = diag;
    this.history.steps.push(rec);
    return rec;
  }

  evalDue(): boolean {
    return (
      Object.keys(this.setup.devSets).length > 0 &&
      this.setup.evalEvery > 0 &&
      (this.step % this.setup.evalEvery === 0 || this.step === this.totalSteps)
    );
  }

  /** Dev metrics per task (the early-stopping callback adds Δm and the monitored value). */
  async evaluate(): Promise<EvalRecord> {
    if (this.model.finetune) await this.model.ensureFeatures(this.setup.devSets); // the top moved: fresh vectors
    const rec: EvalRecord = {
      step: this.step,
      epoch: Math.floor(this.step / this.stepsPerEpoch),
      metrics: this.model.evaluateCached(this.setup.devSets, this.options.evalBatchSize ?? 256),
    };
    this.history.evals.push(rec);
    return rec;
  }

  get stepsThisSession(): number {
    return this.step - this.startStep;
  }
  sessionMs(): number {
    return Date.now() - this.startTime;
  }
  elapsedMs(): number {
    return this.priorElapsed + this.sessionMs();
  }
  aborted(): boolean {
    return this.options.signal?.aborted === true;
  }
  stop(reason: 'early-stopping' | 'stopped'): void {
    this.stopRequested = true;
    if (reason === 'early-stopping' || this.history.stopReason === 'completed') this.history.stopReason = reason;
  }

  private syncWeighting(): void {
    const { weighting } = this.setup;
    this.model.lastWeighting = { config: weighting.config(), state: weighting.getState(), lambdas: weighting.lambdas() };
  }

  trainerState(optimizerSteps?: Record<string, number>): TrainerState {
    this.syncWeighting();
    const state: TrainerState = {
      step: this.step,
      totalSteps: this.totalSteps,
      fingerprint: this.setup.fingerprint,
      dropoutRng: this.setup.dropoutRng.getState(),
      sampler: this.setup.sampler.getState(),
      batchers: Object.fromEntries([...this.setup.batchers].map(([t, b]) => [t, b.getState()])),
      weighting: this.setup.weighting.getState(),
      optimizerSteps: optimizerSteps ?? this.setup.optimizer.getState().steps,
      history: { steps: this.history.steps, evals: this.history.evals, elapsedMs: this.elapsedMs() },
    };
    for (const cb of this.callbacks) if (cb.stateKey) state[cb.stateKey] = cb.getState?.();
    return state;
  }

  async notify(event: 'onCheckpoint', written: { step: number; name: string; best: boolean }): Promise<void> {
    for (const cb of this.callbacks) await cb[event]?.(this, written);
  }

  /** Record the outcome and free the optimizer and weighting (also when the loop threw). */
  finish(): void {
    this.syncWeighting();
    this.history.completedSteps = this.step;
    this.history.elapsedMs = this.elapsedMs();
    this.history.lambdas = this.setup.weighting.lambdas();
    this.setup.optimizer.dispose();
    this.setup.weighting.dispose();
  }
}
