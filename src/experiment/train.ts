/**
 * The main job, driven by a declarative config: load the encoder and the tasks' data, train the
 * tasks jointly, evaluate on dev next to the baselines, save the model, and report.
 * The CLI (`mtl train`, `mtl demo`), the benchmarks and the examples all go through here.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadTrainingConfig, type ResolvedTrainingConfig } from '../config/load.js';
import type { TaskConfig } from '../config/schema.js';
import type { SentenceEncoder } from '../encoder/types.js';
import { UserError } from '../errors.js';
import { createTask, loadTaskDataResult } from '../config/tasks.js';
import type { AnyTask } from '../tasks/types.js';
import { layerKey, storeEncoder } from '../training/features.js';
import type { FinetuneSummary } from '../training/finetune.js';
import { MultiTaskModel } from '../training/model.js';
import { meanStepMs } from '../training/step-times.js';
import type { FitOptions, ProgressEvent, TrainingHistory } from '../training/trainer.js';
import type { ArchitectureConfig } from '../architectures/types.js';
import type { WeightingConfig } from '../weighting/types.js';
import type { SamplingConfig } from '../sampling/index.js';
import { datasetsDir } from '../utils/paths.js';
import { spread } from '../utils/sample.js';
import { evaluateBaseline } from './baselines.js';
import { loadEncoder } from './encoder.js';

export interface TrainRunOptions {
  /** Training config (YAML), e.g. tasks/multitask.yaml. */
  config: string;
  /** Root of the real datasets; default ../shared/datasets when present, else the samples. */
  dataDir?: string;
  /** Train on the self-written samples in fixtures/ even when real data exists. */
  sample?: boolean;
  /** Where to save the trained model (none when omitted). */
  out?: string;
  /** Replace the encoder of the config (hub id, folder or fixture:<variant>). */
  encoder?: string;
  /** Replace the encoder's dtype of the config (`auto`: what the model has). */
  dtype?: ResolvedTrainingConfig['encoder']['dtype'];
  /** An already loaded encoder (benchmarks reuse one across runs). */
  encoderInstance?: SentenceEncoder;
  /** Train only these tasks (single-task baselines). */
  tasks?: string[];
  epochs?: number;
  steps?: number;
  batchSize?: number;
  architecture?: ArchitectureConfig;
  weighting?: WeightingConfig;
  sampling?: SamplingConfig;
  /** Use at most this many examples per split (quick runs, CI): one number for every task, or per task name. */
  limit?: { train?: number | Record<string, number>; dev?: number | Record<string, number> };
  /** Baselines to score next to the model (default: those the task configs list). */
  baselines?: boolean;
  checkpointsDir?: string;
  /** Continue from the latest checkpoint in checkpointsDir (see FitOptions.resume). */
  resume?: boolean;
  /** Extra fields for the run header line of `<checkpointsDir>/metrics.jsonl` (e.g. the command line). */
  runInfo?: Record<string, unknown>;
  seed?: number;
  /** Train this many top encoder layers with the heads (overrides encoder.finetune.layers; 0 = frozen). */
  finetune?: number;
  /** Read the encoder at this layer (overrides encoder.layer; 0 = embeddings, -1 = the last). */
  layer?: number;
  onProgress?: (e: ProgressEvent) => void;
  /** Called once before training with the number of steps (for progress bars). */
  onStart?: (info: { totalSteps: number; tasks: string[] }) => void;
  onEncodeProgress?: (done: number, total: number) => void;
  /**
   * Fills the model's feature store before training (`mtl train --queue`: the workers encode, see
   * fillFeaturesFromQueue); texts it leaves without features are encoded here as usual, and the
   * textrank baseline then reads its sentence vectors from the store too.
   */
  fillFeatures?: (model: MultiTaskModel, examples: Record<string, unknown[]>, encoder: { id: string; layer?: number }) => Promise<void>;
  /** Warnings for the user (e.g. a corrupt embedding cache that was rebuilt). */
  warn?: (message: string) => void;
}

export interface TaskReport {
  train: number;
  dev: number;
  skipped: number;
  primaryMetric: string;
  metrics: Record<string, number>;
  baselines: Record<string, Record<string, number>>;
}

export interface TrainReport {
  config: string;
  /** The encoder as the config or the caller named it (hub id, folder or fixture:<variant>). */
  encoderId: string;
  data: { source: 'real' | 'sample'; dir: string };
  encoder: SentenceEncoder['info'];
  architecture: ArchitectureConfig;
  weighting: WeightingConfig;
  sampling: SamplingConfig;
  backend: string;
  steps: number;
  trainMs: number;
  /** Mean step time (ms) per task of a step (see meanStepMs). */
  stepMs: Record<string, number>;
  /** With fine-tuning: the layers trained and the frozen bottom's cache. */
  finetune?: FinetuneSummary;
  tasks: Record<string, TaskReport>;
  lambdas: Record<string, number>;
  relations: ReturnType<MultiTaskModel['taskRelations']>;
  saved?: string;
}

export interface TrainRun {
  model: MultiTaskModel;
  history: TrainingHistory;
  report: TrainReport;
  encoder: SentenceEncoder;
  dev: Record<string, unknown[]>;
}

export { spread } from '../utils/sample.js';

/** Where the data comes from: forced samples, an explicit folder, the shared datasets, or samples. */
export function chooseData(opts: { dataDir?: string; sample?: boolean }): { sample: boolean; dir: string } {
  if (opts.sample) return { sample: true, dir: 'fixtures/data' };
  if (opts.dataDir) {
    const dir = resolve(opts.dataDir);
    if (!existsSync(dir)) throw new UserError(`--data-dir ${opts.dataDir}: folder not found`);
    return { sample: false, dir };
  }
  const shared = datasetsDir();
  return existsSync(shared) ? { sample: false, dir: shared } : { sample: true, dir: 'fixtures/data' };
}

/**
 * The weighting of the config as parsed (`{ type, ...its options }`, validated against the
 * plug-in's own schema). Static weighting takes λ from each task's `lambda`, overridden by
 * `training.weighting.lambdas` where that names the task; only the selected tasks get one.
 */
function weightingFrom(cfg: ResolvedTrainingConfig, tasks: (TaskConfig & { lambda: number })[]): WeightingConfig {
  const w = cfg.training.weighting;
  if (w.type !== 'static') return w as WeightingConfig;
  return { ...w, type: 'static', lambdas: staticLambdas(cfg, tasks) };
}

function staticLambdas(cfg: ResolvedTrainingConfig, tasks: (TaskConfig & { lambda: number })[]): Record<string, number> {
  const given = (cfg.training.weighting.lambdas ?? {}) as Record<string, number>;
  return Object.fromEntries(tasks.map((t) => [t.name, given[t.name] ?? t.lambda]));
}

/**
 * A training config run end to end, as `mtl train` runs it: data, encoder, training, dev metrics next
 * to the baselines, and the saved model when `out` is given.
 * @example
 * const { model, report } = await trainFromConfig({ config: 'tasks/multitask.yaml', sample: true, tasks: ['sentiment'], steps: 5 });
 * report.tasks.sentiment
 * // { train: 320, dev: 80, skipped: 0, primaryMetric: 'accuracy',
 * //   metrics: { accuracy: 0.65, macro_f1: 0.6491, loss: 0.5790 },
 * //   baselines: { majority: { accuracy: 0.5, macro_f1: 0.3333 }, lexicon: { accuracy: 0.675, macro_f1: 0.6698 } } }
 * // report also has config, encoder (its info), architecture, weighting, sampling, backend, steps, trainMs, lambdas, saved
 */
export async function trainFromConfig(opts: TrainRunOptions): Promise<TrainRun> {
  const cfg = loadTrainingConfig(opts.config);
  let taskConfigs = cfg.taskConfigs;
  if (opts.tasks) {
    const unknown = opts.tasks.filter((t) => !taskConfigs.some((c) => c.name === t));
    if (unknown.length)
      throw new UserError(`${opts.config}: no task named ${unknown.join(', ')} (has ${taskConfigs.map((t) => t.name).join(', ')})`);
    taskConfigs = taskConfigs.filter((t) => opts.tasks!.includes(t.name));
  }
  const staticWeighting = (opts.weighting ?? cfg.training.weighting).type === 'static';
  if (
    staticWeighting &&
    !opts.weighting &&
    taskConfigs.length > 0 &&
    Object.values(staticLambdas(cfg, taskConfigs)).every((l) => l === 0)
  ) {
    throw new UserError(
      `${opts.config}: every selected task (${taskConfigs.map((t) => t.name).join(', ')}) has lambda 0, so static weighting would train nothing`,
    );
  }
  const finetuneLayers = opts.finetune ?? cfg.encoder.finetune?.layers ?? 0;
  if (opts.fillFeatures && finetuneLayers > 0)
    throw new UserError(
      `${opts.config}: --queue with fine-tuning (finetune.layers = ${finetuneLayers}): the workers encode with the frozen encoder, and the fine-tuned top changes every text's vector at each step, so their vectors would be thrown away; drop --queue (fine-tuning encodes here), or train the frozen encoder with --finetune 0`,
    );
  const data = chooseData(opts);

  // data first: a bad file should fail before the (slower) encoder loads
  const tasks: AnyTask[] = [];
  const train: Record<string, unknown[]> = {};
  const dev: Record<string, unknown[]> = {};
  const skipped: Record<string, number> = {};
  for (const tc of taskConfigs) {
    const load = (split: 'train' | 'dev') =>
      loadTaskDataResult(tc, { split, sample: data.sample, dataDir: data.sample ? undefined : data.dir });
    const tr = load('train');
    const dv = load('dev');
    const cap = (l: number | Record<string, number> | undefined) => (typeof l === 'number' ? l : l?.[tc.name]);
    train[tc.name] = spread(tr.examples, cap(opts.limit?.train));
    dev[tc.name] = spread(dv.examples, cap(opts.limit?.dev));
    skipped[tc.name] = tr.skipped + dv.skipped;
    tasks.push(createTask(tc));
  }

  const encoderCfg = opts.layer === undefined ? cfg.encoder : { ...cfg.encoder, layer: opts.layer };
  const encoderId = opts.encoderInstance ? opts.encoderInstance.info.model : (opts.encoder ?? encoderCfg.model);
  const encoder =
    opts.encoderInstance ??
    (await loadEncoder(
      { ...encoderCfg, model: encoderId, ...(opts.dtype ? { dtype: opts.dtype } : {}) },
      opts.warn ? { warn: opts.warn } : {},
    ));
  const seed = opts.seed ?? cfg.training.seed;
  const architecture = opts.architecture ?? (cfg.architecture as ArchitectureConfig);
  const taskLayers = Object.fromEntries(taskConfigs.filter((t) => t.layer !== undefined).map((t) => [t.name, t.layer!]));
  const finetune = opts.finetune === undefined ? cfg.encoder.finetune : { ...(cfg.encoder.finetune ?? {}), layers: opts.finetune };
  const model = await MultiTaskModel.create({
    encoder,
    tasks,
    architecture,
    sharedLayers: cfg.sharedLayers,
    seed,
    taskLayers,
    log: false,
    ...(finetune ? { finetune } : {}),
  });
  // a hub id / fixture:<variant> / mtl:<name> is saved as the encoder's id (a local folder as a path relative to the model)
  if (!opts.encoderInstance && !existsSync(encoderId)) model.encoderId = encoderId;

  // encode every text once up front (progress for the slow part), then train on cached vectors
  const all: Record<string, unknown[]> = {};
  // (a fine-tuned encoder's vectors change every step: only the dev texts, and those again at each evaluation)
  for (const t of tasks) all[t.name] = [...(model.finetune ? [] : (train[t.name] ?? [])), ...(dev[t.name] ?? [])];
  await opts.fillFeatures?.(model, all, { id: encoderId, ...(encoderCfg.layer !== undefined ? { layer: encoderCfg.layer } : {}) });
  await model.ensureFeatures(all, opts.onEncodeProgress ? { onProgress: (p) => opts.onEncodeProgress!(p.done, p.total) } : undefined);

  const weighting = opts.weighting ?? weightingFrom(cfg, taskConfigs);
  const sampling = opts.sampling ?? (cfg.training.sampling as SamplingConfig);
  const t = cfg.training;
  const fit: FitOptions = {
    weighting,
    sampling,
    epochs: opts.steps ? undefined : (opts.epochs ?? t.epochs ?? (t.steps ? undefined : 3)),
    steps: opts.steps ?? (opts.epochs ? undefined : t.steps),
    batchSize: opts.batchSize ?? t.batchSize,
    taskBatchSizes: Object.fromEntries(taskConfigs.filter((c) => c.batchSize !== undefined).map((c) => [c.name, c.batchSize!])),
    optimizer: { type: 'adamw', lr: t.optimizer.lr, weightDecay: t.optimizer.weightDecay },
    schedule: { warmup: t.schedule.warmup, decay: t.schedule.decay },
    clipNorm: t.clipNorm,
    evalEvery: t.evalEvery,
    earlyStopping: t.earlyStopping,
    checkpoints: opts.checkpointsDir ? { dir: opts.checkpointsDir, keep: 'both' } : undefined,
    ...(opts.resume && opts.checkpointsDir ? { resume: true } : {}),
    ...(opts.runInfo ? { runInfo: opts.runInfo } : {}),
    seed,
    log: false,
    logFile: opts.checkpointsDir ? join(opts.checkpointsDir, 'metrics.jsonl') : false,
    onProgress: opts.onProgress,
  };
  const fitData = Object.fromEntries(tasks.map((tk) => [tk.name, { train: train[tk.name]!, dev: dev[tk.name]! }]));
  if (opts.onStart) {
    // the trainer reports totalSteps in its progress events; give a first estimate for bars
    opts.onStart({ totalSteps: fit.steps ?? 0, tasks: tasks.map((x) => x.name) });
  }
  const history = await model.fit(fitData, fit);

  const metrics = await model.evaluate(dev);
  const reports: Record<string, TaskReport> = {};
  const baselineEncoder = (enc: SentenceEncoder, layer: number | undefined): SentenceEncoder =>
    opts.fillFeatures ? storeEncoder(model.features, enc, layer === undefined ? undefined : (t) => layerKey(layer, t)) : enc;
  for (const tk of tasks) {
    const tc = taskConfigs.find((c) => c.name === tk.name)!;
    const baselines: Record<string, Record<string, number>> = {};
    if (opts.baselines !== false) {
      for (const b of tc.baselines) {
        baselines[b] = await evaluateBaseline(b, {
          task: tk,
          train: train[tk.name]!,
          dev: dev[tk.name]!,
          // "the same encoder": the layer this task reads (its vectors from the store when they were filled there)
          encoder: baselineEncoder(tc.layer !== undefined && encoder.atLayer ? await encoder.atLayer(tc.layer) : encoder, tc.layer),
          sentences: tc.name === 'summarization' ? tc.inference?.sentences : undefined,
        });
      }
    }
    reports[tk.name] = {
      train: train[tk.name]!.length,
      dev: dev[tk.name]!.length,
      skipped: skipped[tk.name] ?? 0,
      primaryMetric: tc.primaryMetric,
      metrics: metrics[tk.name] ?? {},
      baselines,
    };
  }

  let saved: string | undefined;
  if (opts.out) {
    saved = resolve(opts.out);
    await model.save(saved);
  }
  const report: TrainReport = {
    config: cfg.file,
    encoderId,
    data: { source: data.sample ? 'sample' : 'real', dir: data.dir },
    encoder: encoder.info,
    architecture,
    weighting,
    sampling,
    backend: history.backend,
    steps: history.completedSteps,
    trainMs: history.elapsedMs,
    stepMs: meanStepMs(history.steps),
    ...(model.finetune ? { finetune: model.finetune.summary() } : {}),
    tasks: reports,
    lambdas: history.lambdas,
    relations: model.taskRelations(),
    saved,
  };
  return { model, history, report, encoder, dev };
}
