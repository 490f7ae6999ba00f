/**
 * The multitask training loop: sampler → per-task batches → loss weighting → AdamW with warm-up and
 * decay, global-norm clipping → periodic evaluation, early stopping on a task metric or Δm,
 * crash-safe checkpoints, exact resume, JSONL metrics log and progress events.
 *
 * Determinism: every random choice comes from seeded Rng streams (sampler, one batcher per task,
 * dropout seeds, weighting); their states are checkpointed, so a resumed run continues bit-for-bit.
 */
import { randomBytes } from 'node:crypto';
import * as tf from '../utils/tf.js';
import { appendFileSync, mkdirSync } from 'node:fs';
import { UserError } from '../errors.js';
import { dirname, join } from 'node:path';
import { createSampler, TaskBatcher, type SamplingConfig, type TaskSampler } from '../sampling/index.js';
import { Rng } from '../utils/random.js';
import { createWeighting, type Grads, type Weighting, type WeightingConfig } from '../weighting/index.js';
import { initBackend, type BackendName, type BackendPreference } from './backend.js';
import { checkpointName, checkpointPath, pruneCheckpoints, readPointer, setPointer, writeCheckpointFolder } from './checkpoint.js';
import { deltaMOverBaselines, type Baselines } from '../metrics/delta-m.js';
import type { MultiTaskModel } from './model.js';
import { MANIFEST_FILE, WEIGHTS_FILE } from './model.js';
import { seededContext, type ParamEntry } from '../nn/layers.js';
import { AdamW, clipByGlobalNorm, learningRate, type OptimizerConfig, type ScheduleConfig } from '../nn/optimizer.js';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from './safetensors.js';

export interface EarlyStoppingConfig {
  /** 'task.metric' (e.g. 'sentiment.accuracy', 'qe.loss') or 'delta_m'. */
  metric: string;
  /** Evaluations without improvement before stopping. */
  patience: number;
  /** Single-task metrics per task, for Δm. */
  baselines?: Baselines;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Restore the best weights when training ends (default true). */
  restoreBest?: boolean;
}

export interface CheckpointConfig {
  dir: string;
  /** Which checkpoints to keep: the most recent ('last'), the best by the monitored metric, or both. */
  keep?: 'best' | 'last' | 'both';
  /** Write a checkpoint every N steps (default: at every evaluation, and at the end). */
  every?: number;
}

export interface ProgressEvent {
  step: number;
  totalSteps: number;
  epoch: number;
  losses: Record<string, number>;
  lambdas: Record<string, number>;
  lr: number;
  elapsedMs: number;
  etaMs: number;
  eval?: EvalRecord;
}

export interface FitOptions {
  weighting?: WeightingConfig;
  sampling?: SamplingConfig;
  epochs?: number;
  /** Total optimisation steps (overrides epochs). */
  steps?: number;
  batchSize?: number;
  optimizer?: OptimizerConfig;
  schedule?: ScheduleConfig;
  clipNorm?: number;
  /** Evaluate on dev data every N steps (default: once per epoch when dev data exists). */
  evalEvery?: number;
  evalBatchSize?: number;
  earlyStopping?: EarlyStoppingConfig;
  checkpoints?: CheckpointConfig;
  /** Continue from the latest checkpoint in checkpoints.dir (true) or in the given folder. */
  resume?: boolean | string;
  seed?: number;
  /** Return 'stop' to end training after this step (a checkpoint is written first). */
  onProgress?: (e: ProgressEvent) => void | 'stop';
  signal?: AbortSignal;
  /** JSONL metrics log; default `<checkpoints.dir>/metrics.jsonl`, false = none. */
  logFile?: string | false;
  /**
   * Extra fields for the run header line each fit() writes first to the metrics log
   * (`{"type":"run","run":<id>,"startedAt":…,"resumed":…,"fromStep":…}`), e.g. the command line.
   */
  runInfo?: Record<string, unknown>;
  backend?: BackendPreference;
  log?: boolean;
}

export interface StepRecord {
  step: number;
  epoch: number;
  tasks: string[];
  losses: Record<string, number>;
  lambdas: Record<string, number>;
  lr: number;
  gradNorm: number;
  elapsedMs: number;
  diagnostics?: Record<string, unknown>;
}

export interface EvalRecord {
  step: number;
  epoch: number;
  metrics: Record<string, Record<string, number>>;
  delta_m?: number;
  /** Value of the monitored metric, when there is one. */
  monitor?: number;
  improved?: boolean;
}

export interface TrainingHistory {
  backend: BackendName;
  seed: number;
  totalSteps: number;
  stepsPerEpoch: number;
  completedSteps: number;
  steps: StepRecord[];
  evals: EvalRecord[];
  best: { step: number; metric: string; value: number } | null;
  stopReason: 'completed' | 'early-stopping' | 'stopped';
  resumedFrom: number | null;
  elapsedMs: number;
  /** Final λ per task. */
  lambdas: Record<string, number>;
}

interface TrainerState {
  step: number;
  totalSteps: number;
  fingerprint: Record<string, unknown>;
  dropoutRng: number[];
  sampler: unknown;
  batchers: Record<string, unknown>;
  weighting: unknown;
  optimizerSteps: Record<string, number>;
  early: { best: number | null; bestStep: number; bad: number };
  history: { steps: StepRecord[]; evals: EvalRecord[]; elapsedMs: number };
}

const OPTIMIZER_FILE = 'optimizer.safetensors';
const TRAINER_FILE = 'trainer.json';

function mixSeed(seed: number, k: number): number {
  let h = (seed ^ Math.imul(k + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

function monitorDirection(metric: string, model: MultiTaskModel): 'higher' | 'lower' {
  if (metric === 'delta_m') return 'higher';
  const dot = metric.indexOf('.');
  if (dot < 0) throw new Error(`earlyStopping.metric "${metric}" must be "task.metric" or "delta_m"`);
  const task = metric.slice(0, dot);
  const name = metric.slice(dot + 1);
  const dirs = model.metricDirections()[task];
  if (!dirs) throw new Error(`earlyStopping.metric "${metric}": unknown task "${task}"`);
  const d = dirs[name];
  if (!d) throw new Error(`earlyStopping.metric "${metric}": task "${task}" has no metric "${name}" (has: ${Object.keys(dirs).join(', ')})`);
  return d;
}

function readMonitor(metric: string, rec: EvalRecord): number | undefined {
  if (metric === 'delta_m') return rec.delta_m;
  const dot = metric.indexOf('.');
  return rec.metrics[metric.slice(0, dot)]?.[metric.slice(dot + 1)];
}

export async function train(
  model: MultiTaskModel,
  data: Record<string, { train: readonly unknown[]; dev?: readonly unknown[] }>,
  options: FitOptions = {},
): Promise<TrainingHistory> {
  const backend = await initBackend(options.backend ?? model.backend ?? 'auto', { log: options.log ?? true });
  model.backend = backend;
  const tasks = model.taskNames.filter((t) => (data[t]?.train.length ?? 0) > 0);
  for (const name of Object.keys(data)) model.task(name); // unknown names throw
  if (tasks.length === 0) throw new Error('fit: no task has training data');
  const trainSets: Record<string, readonly unknown[]> = Object.fromEntries(tasks.map((t) => [t, (data[t] as { train: readonly unknown[] }).train]));
  const devSets: Record<string, readonly unknown[]> = {};
  for (const t of model.taskNames) if (data[t]?.dev?.length) devSets[t] = data[t]?.dev as readonly unknown[];

  model.prepareTasks(trainSets);
  await model.ensureFeatures(trainSets);
  await model.ensureFeatures(devSets);

  const seed = options.seed ?? model.seed;
  const batchSize = options.batchSize ?? 32;
  const sampling: SamplingConfig = options.sampling ?? { type: 'all' };
  const weightingConfig: WeightingConfig = options.weighting ?? { type: 'equal' };
  const optimizerConfig: OptimizerConfig = options.optimizer ?? { type: 'adamw', lr: 1e-3, weightDecay: 0.01 };
  const taskSizes = Object.fromEntries(tasks.map((t) => [t, (trainSets[t] as unknown[]).length]));
  const sampler: TaskSampler = createSampler(sampling, { taskSizes, batchSize, rng: new Rng(`${seed}:sampler`) });
  const batchers = new Map(tasks.map((t) => [t, new TaskBatcher(taskSizes[t] as number, batchSize, new Rng(`${seed}:batch:${t}`))]));
  const dropoutRng = new Rng(`${seed}:dropout`);
  const stepsPerEpoch = sampler.stepsPerEpoch();
  const totalSteps = options.steps ?? Math.max(1, Math.round((options.epochs ?? 1) * stepsPerEpoch));
  if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new Error(`fit: steps must be a positive integer, got ${totalSteps}`);

  const lossKinds = Object.fromEntries(model.taskNames.map((t) => [t, model.task(t).lossKind]));
  const weighting: Weighting = createWeighting(weightingConfig, { tasks, lossKinds, rng: new Rng(`${seed}:weighting`) });
  if (weighting.mode === 'grad' && sampling.type !== 'all' && tasks.length > 1 && options.log !== false) {
    console.warn(`[mtl-nlp] ${weighting.type} compares task gradients within a step; with sampling "${sampling.type}" each step has one task, so it reduces to plain training (use sampling { type: 'all' })`);
  }
  const optimizer = new AdamW(optimizerConfig);
  const params: ParamEntry[] = [...model.store.list(), ...weighting.params()];
  const varList = params.map((p) => p.variable);
  const paramByVar = new Map(params.map((p) => [p.variable.name, p.name]));
  const sharedNames = new Set(model.store.list().filter((p) => p.group === 'shared').map((p) => p.name));
  const lastShared = model.architecture.lastSharedParams();

  const hasDev = Object.keys(devSets).length > 0;
  const early = options.earlyStopping;
  const monitorMetric = early?.metric ?? (hasDev ? (early?.baselines ? 'delta_m' : `${Object.keys(devSets)[0]}.${model.task(Object.keys(devSets)[0] as string).primaryMetric}`) : null);
  if (early && !hasDev) throw new Error('earlyStopping needs dev data for at least one task');
  if (early?.metric === 'delta_m' && !early.baselines) throw new Error('earlyStopping on delta_m needs baselines (single-task metrics per task)');
  const direction = monitorMetric ? monitorDirection(monitorMetric, model) : 'higher';
  const evalEvery = options.evalEvery ?? (hasDev ? stepsPerEpoch : 0);
  const ckpt = options.checkpoints;
  // without a monitored metric there is no "best": keep the last one instead
  const keep = ckpt?.keep === 'best' && !monitorMetric ? 'last' : (ckpt?.keep ?? 'both');
  const ckptEvery = ckpt?.every ?? (evalEvery > 0 ? evalEvery : 0);
  const logFile = options.logFile === false ? null : (options.logFile ?? (ckpt ? join(ckpt.dir, 'metrics.jsonl') : null));
  if (logFile) mkdirSync(dirname(logFile), { recursive: true });
  const log = (rec: Record<string, unknown>) => {
    if (logFile) appendFileSync(logFile, JSON.stringify(rec) + '\n');
  };

  const fingerprint = { seed, batchSize, sampling, weighting: weightingConfig, optimizer: optimizer.config(), totalSteps, tasks, taskSizes };
  const history: TrainingHistory = {
    backend,
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
  let best: number | null = null;
  let bestStep = -1;
  let bad = 0;
  let step = 0;
  let priorElapsed = 0;
  let bestSnapshot: Map<string, { shape: number[]; data: Float32Array }> | null = null;

  // ------------------------------------------------------------------ resume
  const resumeRoot = options.resume === true ? ckpt?.dir : typeof options.resume === 'string' ? options.resume : undefined;
  if (options.resume === true && !ckpt) throw new Error('resume: true needs checkpoints.dir');
  let resumedCheckpoint: string | null = null;
  if (resumeRoot) {
    const folder = checkpointPath(resumeRoot, 'latest');
    if (folder) {
      const state = JSON.parse((await import('node:fs')).readFileSync(join(folder, TRAINER_FILE), 'utf8')) as TrainerState;
      for (const key of ['seed', 'batchSize', 'totalSteps'] as const) {
        if (JSON.stringify(state.fingerprint[key]) !== JSON.stringify(fingerprint[key])) {
          throw new UserError(`resume: checkpoint ${folder} was written with ${key} = ${JSON.stringify(state.fingerprint[key])}, this run has ${JSON.stringify(fingerprint[key])}`);
        }
      }
      for (const key of ['sampling', 'weighting', 'tasks'] as const) {
        if (JSON.stringify(state.fingerprint[key]) !== JSON.stringify(fingerprint[key])) {
          throw new UserError(`resume: checkpoint ${folder} used a different ${key} (${JSON.stringify(state.fingerprint[key])})`);
        }
      }
      model.restoreWeights(folder);
      const { readFileSync } = await import('node:fs');
      const opt = decodeSafetensors(new Uint8Array(readFileSync(join(folder, OPTIMIZER_FILE))), join(folder, OPTIMIZER_FILE));
      optimizer.setState(params, { tensors: opt.tensors as Map<string, { shape: number[]; data: Float32Array }>, steps: state.optimizerSteps });
      dropoutRng.setState(state.dropoutRng);
      sampler.setState(state.sampler);
      for (const [t, b] of batchers) b.setState(state.batchers[t]);
      weighting.setState(state.weighting);
      best = state.early.best;
      bestStep = state.early.bestStep;
      bad = state.early.bad;
      step = state.step;
      history.steps = state.history.steps;
      history.evals = state.history.evals;
      priorElapsed = state.history.elapsedMs;
      history.resumedFrom = step;
      if (best !== null && monitorMetric) history.best = { step: bestStep, metric: monitorMetric, value: best };
      resumedCheckpoint = folder;
    }
  }
  // every fit() marks its start in the log, so runs appended to one metrics.jsonl can be told apart
  log({
    type: 'run',
    run: randomBytes(6).toString('hex'),
    startedAt: new Date().toISOString(),
    resumed: resumedCheckpoint !== null,
    fromStep: step,
    totalSteps,
    ...(options.runInfo ?? {}),
  });
  if (resumedCheckpoint) log({ type: 'resume', step, checkpoint: resumedCheckpoint });

  model.lastTraining = {
    seed,
    batchSize,
    sampling,
    weighting: weightingConfig,
    optimizer: optimizer.config(),
    schedule: options.schedule ?? {},
    clipNorm: options.clipNorm ?? null,
    totalSteps,
    evalEvery,
    earlyStopping: early ?? null,
    backend,
  };
  const syncWeighting = () => {
    model.lastWeighting = { config: weighting.config(), state: weighting.getState(), lambdas: weighting.lambdas() };
  };

  const startTime = Date.now();
  const startStep = step;
  const elapsed = () => priorElapsed + (Date.now() - startTime);

  const writeCheckpoint = async (improved: boolean): Promise<void> => {
    if (!ckpt) return;
    if (keep === 'best' && !improved) return;
    syncWeighting();
    const { manifest, weights } = model.serialize();
    const opt = optimizer.getState();
    const state: TrainerState = {
      step,
      totalSteps,
      fingerprint,
      dropoutRng: dropoutRng.getState(),
      sampler: sampler.getState(),
      batchers: Object.fromEntries([...batchers].map(([t, b]) => [t, b.getState()])),
      weighting: weighting.getState(),
      optimizerSteps: opt.steps,
      early: { best, bestStep, bad },
      history: { steps: history.steps, evals: history.evals, elapsedMs: elapsed() },
    };
    const name = checkpointName(step);
    await writeCheckpointFolder(ckpt.dir, name, {
      [WEIGHTS_FILE]: weights,
      [OPTIMIZER_FILE]: encodeSafetensors(opt.tensors as Map<string, NamedArray>),
      [TRAINER_FILE]: JSON.stringify(state),
      [MANIFEST_FILE]: JSON.stringify(manifest, null, 2) + '\n',
    });
    await setPointer(ckpt.dir, 'latest', name, step);
    if (improved) await setPointer(ckpt.dir, 'best', name, step);
    const keepSet = new Set<string>();
    const latest = readPointer(ckpt.dir, 'latest');
    const bestP = readPointer(ckpt.dir, 'best');
    if (latest) keepSet.add(latest.checkpoint);
    if (bestP && keep !== 'last') keepSet.add(bestP.checkpoint);
    await pruneCheckpoints(ckpt.dir, keepSet);
    log({ type: 'checkpoint', step, name, best: improved });
  };

  const runEval = (): EvalRecord => {
    const metrics = model.evaluateCached(devSets, options.evalBatchSize ?? 256);
    const rec: EvalRecord = { step, epoch: Math.floor(step / stepsPerEpoch), metrics };
    if (early?.baselines) rec.delta_m = deltaMOverBaselines(metrics, early.baselines, model.metricDirections());
    if (monitorMetric) {
      const v = readMonitor(monitorMetric, rec);
      if (v !== undefined && Number.isFinite(v)) {
        rec.monitor = v;
        const minDelta = early?.minDelta ?? 0;
        const improved = best === null || (direction === 'higher' ? v > best + minDelta : v < best - minDelta);
        rec.improved = improved;
        if (improved) {
          best = v;
          bestStep = step;
          bad = 0;
          history.best = { step, metric: monitorMetric, value: v };
          if (early && early.restoreBest !== false) bestSnapshot = model.store.snapshot();
        } else bad++;
      }
    }
    history.evals.push(rec);
    log({ type: 'eval', ...rec });
    return rec;
  };

  const aborted = () => options.signal?.aborted === true;
  let stopRequested = false;

  try {
    while (step < totalSteps && !stopRequested && !aborted()) {
      const epoch = Math.floor(step / stepsPerEpoch);
      const active = sampler.nextStep().filter((t) => batchers.has(t));
      const batches = new Map(
        active.map((t) => {
          const idx = (batchers.get(t) as TaskBatcher).next();
          const src = trainSets[t] as readonly unknown[];
          return [t, model.makeBatch(t, idx.map((i) => src[i]))];
        }),
      );
      const seedBase = dropoutRng.nextUint32();
      const ctxFor = (t: string) => seededContext(mixSeed(seedBase, model.taskNames.indexOf(t)));
      const info = { step, epoch, active };
      const lossValues: Record<string, number> = {};
      let grads: Grads = new Map();

      const toNamed = (g: tf.NamedTensorMap): Grads => {
        const out: Grads = new Map();
        for (const [v, t] of Object.entries(g)) out.set(paramByVar.get(v) ?? v, t);
        return out;
      };

      if (weighting.mode === 'loss') {
        const lambdasNow = weighting.lambdas();
        const allZero = weighting.type === 'static' && active.every((t) => (lambdasNow[t] ?? 0) === 0);
        const kept: tf.Scalar[] = [];
        const f = () => {
          const losses = new Map<string, tf.Scalar>();
          for (const t of active) {
            const l = model.loss(t, batches.get(t) as never, ctxFor(t));
            losses.set(t, l);
            kept.push(tf.keep(l));
          }
          return weighting.combine(losses, info);
        };
        let value: tf.Tensor | null = null;
        if (allZero) {
          tf.tidy(() => {
            f();
          });
        } else {
          const res = tf.variableGrads(f, varList);
          value = res.value;
          grads = toNamed(res.grads);
        }
        const stacked = tf.stack(kept);
        const vals = stacked.dataSync();
        active.forEach((t, i) => (lossValues[t] = vals[i] as number));
        tf.dispose([stacked, ...kept]);
        if (value) value.dispose();
      } else {
        const perTask = new Map<string, Grads>();
        for (const t of active) {
          const res = tf.variableGrads(() => model.loss(t, batches.get(t) as never, ctxFor(t)), varList);
          lossValues[t] = res.value.dataSync()[0] as number;
          res.value.dispose();
          perTask.set(t, toNamed(res.grads));
        }
        try {
          grads = (weighting.combineGrads as NonNullable<Weighting['combineGrads']>).call(weighting, perTask, lossValues, { ...info, shared: sharedNames, lastShared });
        } finally {
          for (const g of perTask.values()) tf.dispose([...g.values()]);
        }
      }

      const lambdas = weighting.lambdas();
      const clipped = clipByGlobalNorm(grads, options.clipNorm);
      const lr = learningRate(optimizer.lr, step, totalSteps, options.schedule);
      if (Number.isFinite(clipped.norm)) optimizer.apply(params, clipped.grads, lr);
      else log({ type: 'warning', step, message: 'non-finite gradient norm; update skipped' });
      tf.dispose([...clipped.grads.values()]);
      model.architecture.afterStep();
      weighting.afterStep(lossValues, info);
      step++;
      if (step % stepsPerEpoch === 0) weighting.onEpochEnd(epoch);

      const diag = weighting.diagnostics();
      const rec: StepRecord = { step, epoch, tasks: active, losses: lossValues, lambdas, lr, gradNorm: clipped.norm, elapsedMs: elapsed() };
      if (Object.keys(diag).length) rec.diagnostics = diag;
      history.steps.push(rec);
      log({ type: 'step', ...rec });

      let evalRec: EvalRecord | undefined;
      if (hasDev && evalEvery > 0 && (step % evalEvery === 0 || step === totalSteps)) evalRec = runEval();
      if (early && bad >= early.patience) {
        history.stopReason = 'early-stopping';
        stopRequested = true;
      }
      const ran = step - startStep;
      const ev: ProgressEvent = {
        step,
        totalSteps,
        epoch,
        losses: lossValues,
        lambdas,
        lr,
        elapsedMs: elapsed(),
        etaMs: ((Date.now() - startTime) / ran) * (totalSteps - step),
      };
      if (evalRec) ev.eval = evalRec;
      if (options.onProgress?.(ev) === 'stop') {
        stopRequested = true;
        if (history.stopReason === 'completed') history.stopReason = 'stopped';
      }
      if (aborted() && history.stopReason === 'completed') history.stopReason = 'stopped';
      const due = (ckptEvery > 0 && step % ckptEvery === 0) || step === totalSteps || stopRequested || aborted() || evalRec !== undefined;
      if (due) await writeCheckpoint(evalRec?.improved === true);
    }
  } finally {
    syncWeighting();
    history.completedSteps = step;
    history.elapsedMs = elapsed();
    history.lambdas = weighting.lambdas();
    optimizer.dispose();
    weighting.dispose();
  }
  if (history.stopReason === 'early-stopping' && early?.restoreBest !== false) {
    if (bestSnapshot) model.store.restore(bestSnapshot);
    else if (ckpt) {
      const bestDir = checkpointPath(ckpt.dir, 'best');
      if (bestDir) model.restoreWeights(bestDir);
    }
  }
  log({ type: 'end', step, reason: history.stopReason, best: history.best, elapsedMs: history.elapsedMs });
  return history;
}
