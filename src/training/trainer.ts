/**
 * The multitask training loop. Each step: the sampler picks the tasks, each task's batcher its
 * examples; the weighting turns their losses into one gradient (`weighting.backward`); the
 * gradient is clipped and AdamW updates the parameters (with warm-up and decay). Around the loop,
 * callbacks (callbacks.ts) evaluate-and-monitor with early stopping, write the JSONL metrics log,
 * report progress and write crash-safe checkpoints; a resumed run continues exactly.
 *
 * Determinism: every random choice comes from seeded Rng streams (sampler, one batcher per task,
 * dropout seeds, weighting); their states are checkpointed, so a resumed run continues bit-for-bit.
 */
import { notice } from '../utils/env.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '../utils/tf.js';
import { UserError } from '../errors.js';
import { seededContext } from '../nn/layers.js';
import { type ParamEntry } from '../nn/params.js';
import { AdamW, clipByGlobalNorm, learningRate, type OptimizerConfig } from '../nn/optimizer.js';
import { createSampler, TaskBatcher, type SamplingConfig, type TaskSampler } from '../sampling/index.js';
import { Rng } from '../utils/random.js';
import { createWeighting, type LossFn, type TrainableParams, type Weighting, type WeightingConfig } from '../weighting/index.js';
import { initBackend } from './backend.js';
import { Checkpoints, EarlyStopping, MetricsLog, OPTIMIZER_FILE, Progress, TRAINER_FILE } from './callbacks.js';
import { checkpointPath } from './checkpoint.js';
import { decodeSafetensors } from './safetensors.js';
import { FinetuneStep, readFinetuneState } from './finetune-step.js';
import { checkFinetuneTasks } from './model-options.js';
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

type Data = Record<string, { train: readonly unknown[]; dev?: readonly unknown[] }>;

/** Train `model` on `data` (task → train/dev examples); see {@link FitOptions}. */
export async function train(model: TrainableModel, data: Data, options: FitOptions = {}): Promise<TrainingHistory> {
  const run = await Run.start(model, data, options);
  const callbacks = builtInCallbacks(run, options);
  const resumedFrom = run.resume(options, callbacks);
  run.recordSettings(options);
  for (const cb of callbacks) await cb.onTrainBegin?.(run, resumedFrom);
  try {
    while (run.step < run.totalSteps && !run.stopRequested && !run.aborted()) {
      const step = await run.trainStep(options);
      const evaluation = run.evalDue() ? await run.evaluate(options) : undefined;
      for (const cb of callbacks) await cb.onStepEnd?.(run, evaluation ? { step, eval: evaluation } : { step });
    }
  } finally {
    run.finish();
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(run);
  return run.history;
}

/** Early stopping (the monitored metric), metrics log, progress, the caller's own, checkpoints. */
function builtInCallbacks(run: Run, options: FitOptions): TrainerCallback[] {
  const ckpt = options.checkpoints;
  const early = options.earlyStopping;
  const hasDev = Object.keys(run.devSets).length > 0;
  if (early && !hasDev) throw new UserError('earlyStopping needs dev data for at least one task');
  if (early?.metric === 'delta_m' && !early.baselines)
    throw new UserError('earlyStopping on delta_m needs baselines (single-task metrics per task)');
  const firstDev = Object.keys(run.devSets)[0];
  const metric =
    early?.metric ??
    (firstDev === undefined ? null : early?.baselines ? 'delta_m' : `${firstDev}.${run.model.task(firstDev).primaryMetric}`);
  const out: TrainerCallback[] = [new EarlyStopping(metric, run.model, early, ckpt?.dir)];
  const logFile = options.logFile === false ? null : (options.logFile ?? (ckpt ? join(ckpt.dir, 'metrics.jsonl') : null));
  if (logFile) out.push(new MetricsLog(logFile, options.runInfo));
  out.push(new Progress(options.onProgress), ...(options.callbacks ?? []));
  // checkpoints last: they capture what every other callback decided (a stop, the best so far)
  if (ckpt) {
    // without a monitored metric there is no "best": keep the last one instead
    const keep = ckpt.keep === 'best' && !metric ? 'last' : (ckpt.keep ?? 'both');
    out.push(new Checkpoints({ dir: ckpt.dir, keep, every: ckpt.every ?? run.evalEvery }, () => run.optimizer.getState()));
  }
  return out;
}

function mixSeed(seed: number, k: number): number {
  let h = (seed ^ Math.imul(k + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

/** One fit() call: the data, the seeded streams, the weighting and optimizer, and the loop's state. */
class Run implements TrainingRun {
  step = 0;
  stopRequested = false;
  history: TrainingHistory;
  private priorElapsed = 0;
  private startStep = 0;
  private readonly startTime = Date.now();
  private callbacks: TrainerCallback[] = [];

  private constructor(
    readonly model: TrainableModel,
    readonly trainSets: Record<string, readonly unknown[]>,
    readonly devSets: Record<string, readonly unknown[]>,
    readonly seed: number,
    readonly sampler: TaskSampler,
    readonly batchers: Map<string, TaskBatcher>,
    readonly dropoutRng: Rng,
    readonly weighting: Weighting,
    readonly optimizer: AdamW,
    readonly params: ParamEntry[],
    readonly trainable: TrainableParams,
    readonly totalSteps: number,
    readonly stepsPerEpoch: number,
    readonly fingerprint: Record<string, unknown>,
    private readonly signal: AbortSignal | undefined,
    private readonly clipNorm: number | undefined,
    /** Evaluate on the dev data every N steps (0: never). */
    readonly evalEvery: number,
  ) {
    this.history = {
      backend: model.backend,
      seed,
      totalSteps,
      stepsPerEpoch,
      completedSteps: 0,
      steps: [],
      evals: [],
      best: null,
      stopReason: 'completed',
      resumedFrom: null,
      elapsedMs: 0,
      lambdas: weighting.lambdas(),
    };
  }

  static async start(model: TrainableModel, data: Data, options: FitOptions): Promise<Run> {
    model.backend = await initBackend(options.backend ?? model.backend ?? 'auto', { log: options.log ?? true });
    const tasks = model.taskNames.filter((t) => (data[t]?.train.length ?? 0) > 0);
    for (const name of Object.keys(data)) model.task(name); // unknown names throw
    if (tasks.length === 0)
      throw new UserError('fit: no task has training data; give at least one task training examples (train: { task: [...] })');
    const trainSets = Object.fromEntries(tasks.map((t) => [t, (data[t] as { train: readonly unknown[] }).train]));
    const devSets: Record<string, readonly unknown[]> = {};
    for (const t of model.taskNames) if (data[t]?.dev?.length) devSets[t] = data[t]?.dev as readonly unknown[];
    model.prepareTasks(trainSets);
    // a fine-tuned encoder's training vectors change every step: they are computed per batch
    if (model.finetune) checkFinetuneTasks(model, trainSets);
    else await model.ensureFeatures(trainSets);
    await model.ensureFeatures(devSets);

    const seed = options.seed ?? model.seed;
    const batchSize = options.batchSize ?? 32;
    const sampling: SamplingConfig = options.sampling ?? { type: 'all' };
    const weightingConfig: WeightingConfig = options.weighting ?? { type: 'equal' };
    const taskSizes = Object.fromEntries(tasks.map((t) => [t, (trainSets[t] as unknown[]).length]));
    const sampler = createSampler(sampling, { taskSizes, batchSize, rng: new Rng(`${seed}:sampler`) });
    const batchers = new Map(tasks.map((t) => [t, new TaskBatcher(taskSizes[t] as number, batchSize, new Rng(`${seed}:batch:${t}`))]));
    const stepsPerEpoch = sampler.stepsPerEpoch();
    const totalSteps = options.steps ?? Math.max(1, Math.round((options.epochs ?? 1) * stepsPerEpoch));
    if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new UserError(`fit: steps must be a positive integer, got ${totalSteps}`);
    const lossKinds = Object.fromEntries(model.taskNames.map((t) => [t, model.task(t).lossKind]));
    const weighting = createWeighting(weightingConfig, { tasks, lossKinds, rng: new Rng(`${seed}:weighting`) });
    if (weighting.mode === 'grad' && sampling.type !== 'all' && tasks.length > 1 && options.log !== false) {
      notice(
        `[mtl-nlp] ${weighting.type} compares task gradients within a step; with sampling "${sampling.type}" each step has one task, so it reduces to plain training (use sampling { type: 'all' })`,
        'warn',
      );
    }
    const optimizerConfig: OptimizerConfig = options.optimizer ?? { type: 'adamw', lr: 1e-3, weightDecay: 0.01 };
    const optimizer = new AdamW(optimizerConfig);
    const params = [...model.store.list(), ...weighting.params()];
    const nameOf = new Map(params.map((p) => [p.variable.name, p.name]));
    const trainable: TrainableParams = {
      variables: params.map((p) => p.variable),
      nameOf: (v) => nameOf.get(v.name) ?? v.name,
      shared: new Set(
        model.store
          .list()
          .filter((p) => p.group === 'shared')
          .map((p) => p.name),
      ),
      lastShared: model.architecture.lastSharedParams(),
    };
    const finetune = model.finetune ? { ...model.finetune.config, cacheMB: undefined } : null; // the cache's size changes no result
    const fingerprint = {
      seed,
      batchSize,
      sampling,
      weighting: weightingConfig,
      optimizer: optimizer.config(),
      totalSteps,
      tasks,
      taskSizes,
      finetune,
    };
    const run = new Run(
      model,
      trainSets,
      devSets,
      seed,
      sampler,
      batchers,
      new Rng(`${seed}:dropout`),
      weighting,
      optimizer,
      params,
      trainable,
      totalSteps,
      stepsPerEpoch,
      fingerprint,
      options.signal,
      options.clipNorm,
      options.evalEvery ?? (Object.keys(devSets).length > 0 ? stepsPerEpoch : 0),
    );
    return run;
  }

  /** Continue from the latest checkpoint when asked; returns its folder (null: a fresh start). */
  resume(options: FitOptions, callbacks: TrainerCallback[]): string | null {
    this.callbacks = callbacks;
    const ckpt = options.checkpoints;
    if (options.resume === true && !ckpt)
      throw new UserError('resume: true needs checkpoints.dir (the folder the checkpoints were written to)');
    const root = options.resume === true ? ckpt?.dir : typeof options.resume === 'string' ? options.resume : undefined;
    const folder = root ? checkpointPath(root, 'latest') : null;
    if (!folder) return null;
    const state = JSON.parse(readFileSync(join(folder, TRAINER_FILE), 'utf8')) as TrainerState;
    for (const key of ['seed', 'batchSize', 'totalSteps'] as const) {
      if (JSON.stringify(state.fingerprint[key]) !== JSON.stringify(this.fingerprint[key])) {
        throw new UserError(
          `resume: checkpoint ${folder} was written with ${key} = ${JSON.stringify(state.fingerprint[key])}, this run has ${JSON.stringify(this.fingerprint[key])}`,
        );
      }
    }
    for (const key of ['sampling', 'weighting', 'tasks', 'finetune'] as const) {
      if (JSON.stringify(state.fingerprint[key] ?? null) !== JSON.stringify(this.fingerprint[key] ?? null)) {
        throw new UserError(`resume: checkpoint ${folder} used a different ${key} (${JSON.stringify(state.fingerprint[key])})`);
      }
    }
    this.model.restoreWeights(folder);
    if (this.model.finetune) this.model.finetune.load(readFinetuneState(folder));
    const opt = decodeSafetensors(new Uint8Array(readFileSync(join(folder, OPTIMIZER_FILE))), join(folder, OPTIMIZER_FILE));
    this.optimizer.setState(this.params, {
      tensors: opt.tensors as Map<string, { shape: number[]; data: Float32Array }>,
      steps: state.optimizerSteps,
    });
    this.dropoutRng.setState(state.dropoutRng);
    this.sampler.setState(state.sampler);
    for (const [t, b] of this.batchers) b.setState(state.batchers[t]);
    this.weighting.setState(state.weighting);
    this.step = this.startStep = state.step;
    this.history.steps = state.history.steps;
    this.history.evals = state.history.evals;
    this.priorElapsed = state.history.elapsedMs;
    this.history.resumedFrom = state.step;
    for (const cb of callbacks) if (cb.stateKey && state[cb.stateKey] !== undefined) cb.setState?.(this, state[cb.stateKey]);
    return folder;
  }

  /** What the saved model records about how it was trained. */
  recordSettings(options: FitOptions): void {
    this.model.lastTraining = {
      seed: this.seed,
      batchSize: this.fingerprint.batchSize,
      sampling: this.fingerprint.sampling,
      weighting: this.fingerprint.weighting,
      optimizer: this.optimizer.config(),
      schedule: options.schedule ?? {},
      clipNorm: options.clipNorm ?? null,
      totalSteps: this.totalSteps,
      evalEvery: this.evalEvery,
      earlyStopping: options.earlyStopping ?? null,
      backend: this.model.backend,
    };
  }

  /** One optimisation step: batches (through the fine-tuned top, if any) → weighting.backward → clip → AdamW. */
  async trainStep(options: FitOptions): Promise<StepRecord> {
    const { model, step } = this;
    const epoch = Math.floor(step / this.stepsPerEpoch);
    const active = this.sampler.nextStep().filter((t) => this.batchers.has(t));
    const seedBase = this.dropoutRng.nextUint32();
    const examples = new Map(
      active.map((t) => [t, (this.batchers.get(t) as TaskBatcher).next().map((i) => (this.trainSets[t] as readonly unknown[])[i])]),
    );
    const ft = await FinetuneStep.prepare(model.finetune ?? null, (t) => model.task(t), examples, this.trainable);
    const losses = new Map<string, LossFn>(
      active.map((t) => {
        const batch = ft.batch(t) ?? model.makeBatch(t, examples.get(t) as unknown[]);
        const ctx = seededContext(mixSeed(seedBase, model.taskNames.indexOf(t)));
        return [t, () => model.loss(t, batch, ctx, ft.rows(t))];
      }),
    );
    const info = { step, epoch, active };
    const { grads, losses: lossValues } = this.weighting.backward(losses, ft.trainable, info);
    const topGrad = await ft.backward(grads);
    const lambdas = this.weighting.lambdas();
    const clipped = clipByGlobalNorm(grads, this.clipNorm);
    const lr = learningRate(this.optimizer.lr, step, this.totalSteps, options.schedule);
    if (Number.isFinite(clipped.norm)) this.optimizer.apply(this.params, clipped.grads, lr);
    else for (const cb of this.callbacks) void cb.onWarning?.(this, { step, message: 'non-finite gradient norm; update skipped' });
    if (topGrad) ft.finish(Number.isFinite(clipped.norm), step, this.totalSteps);
    tf.dispose([...clipped.grads.values()]);
    model.architecture.afterStep();
    this.weighting.afterStep(lossValues, info);
    this.step++;
    if (this.step % this.stepsPerEpoch === 0) this.weighting.onEpochEnd(epoch);
    const rec: StepRecord = {
      step: this.step,
      epoch,
      tasks: active,
      losses: lossValues,
      lambdas,
      lr,
      gradNorm: clipped.norm,
      elapsedMs: this.elapsedMs(),
    };
    const diag = this.weighting.diagnostics();
    if (Object.keys(diag).length) rec.diagnostics = diag;
    this.history.steps.push(rec);
    return rec;
  }

  evalDue(): boolean {
    return (
      Object.keys(this.devSets).length > 0 && this.evalEvery > 0 && (this.step % this.evalEvery === 0 || this.step === this.totalSteps)
    );
  }

  /** Dev metrics per task (the early-stopping callback adds Δm and the monitored value). */
  async evaluate(options: FitOptions): Promise<EvalRecord> {
    if (this.model.finetune) await this.model.ensureFeatures(this.devSets); // the top moved: fresh vectors
    const rec: EvalRecord = {
      step: this.step,
      epoch: Math.floor(this.step / this.stepsPerEpoch),
      metrics: this.model.evaluateCached(this.devSets, options.evalBatchSize ?? 256),
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
    return this.signal?.aborted === true;
  }
  stop(reason: 'early-stopping' | 'stopped'): void {
    this.stopRequested = true;
    if (reason === 'early-stopping' || this.history.stopReason === 'completed') this.history.stopReason = reason;
  }

  private syncWeighting(): void {
    this.model.lastWeighting = { config: this.weighting.config(), state: this.weighting.getState(), lambdas: this.weighting.lambdas() };
  }

  trainerState(optimizerSteps?: Record<string, number>): TrainerState {
    this.syncWeighting();
    const state: TrainerState = {
      step: this.step,
      totalSteps: this.totalSteps,
      fingerprint: this.fingerprint,
      dropoutRng: this.dropoutRng.getState(),
      sampler: this.sampler.getState(),
      batchers: Object.fromEntries([...this.batchers].map(([t, b]) => [t, b.getState()])),
      weighting: this.weighting.getState(),
      optimizerSteps: optimizerSteps ?? this.optimizer.getState().steps,
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
    this.history.lambdas = this.weighting.lambdas();
    this.optimizer.dispose();
    this.weighting.dispose();
  }
}
