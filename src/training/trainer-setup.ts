/**
 * What a fit() call sets up before its first step (the loop itself: ./trainer.ts): the backend, the
 * train and dev sets with their features, the seeded streams (sampler, one batcher per task,
 * dropout, weighting), the weighting and the optimizer, the parameters they train, the run's
 * fingerprint (what a resumed run must share), and the built-in callbacks around the loop.
 */
import { join } from 'node:path';
import { notice } from '../utils/env.js';
import { UserError } from '../errors.js';
import { type ParamEntry } from '../nn/params.js';
import { AdamW, type OptimizerConfig } from '../nn/optimizer.js';
import { createSampler, TaskBatcher, type SamplingConfig, type TaskSampler } from '../sampling/index.js';
import { Rng } from '../utils/random.js';
import { createWeighting, type TrainableParams, type Weighting, type WeightingConfig } from '../weighting/index.js';
import { initBackend } from './backend.js';
import { Checkpoints, EarlyStopping, MetricsLog, Progress } from './callbacks.js';
import { checkFinetuneTasks } from './model-options.js';
import type { FitOptions, TrainableModel, TrainerCallback } from './types.js';

/** What fit() trains on: task → its train examples and, optionally, dev examples. */
export type TrainingData = Record<string, { train: readonly unknown[]; dev?: readonly unknown[] }>;

/** Everything a run needs from its first step on. */
export interface RunSetup {
  readonly model: TrainableModel;
  readonly trainSets: Record<string, readonly unknown[]>;
  readonly devSets: Record<string, readonly unknown[]>;
  readonly seed: number;
  readonly sampler: TaskSampler;
  readonly batchers: Map<string, TaskBatcher>;
  readonly dropoutRng: Rng;
  readonly weighting: Weighting;
  readonly optimizer: AdamW;
  /** The model's parameters, then the weighting's own. */
  readonly params: ParamEntry[];
  readonly trainable: TrainableParams;
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  /** The settings a resumed run must share with its checkpoint (trainer.json's `fingerprint`). */
  readonly fingerprint: Record<string, unknown>;
  /** Evaluate on the dev data every N steps (0: never). */
  readonly evalEvery: number;
}

/** Prepare `model` and the run's state for training on `data` (see {@link FitOptions}). */
export async function setUpRun(model: TrainableModel, data: TrainingData, options: FitOptions): Promise<RunSetup> {
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
  const taskBatchSizes = checkTaskBatchSizes(options.taskBatchSizes, model.taskNames, batchSize);
  const batchOf = (t: string): number => taskBatchSizes[t] ?? batchSize;
  // the sampler counts batches: a task in batches of b weighs as n · batchSize / b examples
  const samplerSizes = Object.fromEntries(
    tasks.map((t) => [
      t,
      batchOf(t) === batchSize ? (taskSizes[t] as number) : Math.max(1, Math.round(((taskSizes[t] as number) * batchSize) / batchOf(t))),
    ]),
  );
  const sampler = createSampler(sampling, { taskSizes: samplerSizes, batchSize, rng: new Rng(`${seed}:sampler`) });
  const batchers = new Map(tasks.map((t) => [t, new TaskBatcher(taskSizes[t] as number, batchOf(t), new Rng(`${seed}:batch:${t}`))]));
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
  return {
    model,
    trainSets,
    devSets,
    seed,
    sampler,
    batchers,
    dropoutRng: new Rng(`${seed}:dropout`),
    weighting,
    optimizer,
    params,
    trainable,
    totalSteps,
    stepsPerEpoch,
    fingerprint: {
      seed,
      batchSize,
      ...(Object.keys(taskBatchSizes).length > 0 ? { taskBatchSizes } : {}),
      sampling,
      weighting: weightingConfig,
      optimizer: optimizer.config(),
      totalSteps,
      tasks,
      taskSizes,
      finetune,
    },
    evalEvery: options.evalEvery ?? (Object.keys(devSets).length > 0 ? stepsPerEpoch : 0),
  };
}

/** Early stopping (the monitored metric), metrics log, progress, the caller's own, checkpoints. */
export function builtInCallbacks(run: RunSetup, options: FitOptions): TrainerCallback[] {
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

/** `taskBatchSizes` checked (known tasks, positive integers), without the entries equal to `batchSize`. */
function checkTaskBatchSizes(
  given: Record<string, number> | undefined,
  names: readonly string[],
  batchSize: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [task, b] of Object.entries(given ?? {})) {
    if (!names.includes(task)) throw new UserError(`fit: taskBatchSizes.${task}: no task named '${task}' (tasks: ${names.join(', ')})`);
    if (!Number.isInteger(b) || b <= 0) throw new UserError(`fit: taskBatchSizes.${task} must be a positive integer, got ${String(b)}`);
    if (b !== batchSize) out[task] = b;
  }
  return out;
}
