/**
 * The trainer's vocabulary: what fit() takes (FitOptions), what it records (StepRecord, EvalRecord,
 * TrainingHistory), the state a checkpoint holds, and the model interface the trainer needs.
 */
import type * as tf from '../utils/tf.js';
import type { ForwardContext } from '../nn/layers.js';
import type { ParamStore } from '../nn/params.js';
import type { OptimizerConfig, ScheduleConfig } from '../nn/optimizer.js';
import type { SamplingConfig } from '../sampling/index.js';
import type { Architecture } from '../architectures/index.js';
import type { AnyTask, MetricDirection, TaskBatch } from '../tasks/types.js';
import type { Baselines } from '../metrics/delta-m.js';
import type { Progress } from '../utils/progress.js';
import type { WeightingConfig } from '../weighting/index.js';
import type { BackendName, BackendPreference } from './backend.js';
import type { EncoderFinetune } from './finetune.js';

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

/** fit()'s progress: the project's one progress shape (phase 'fit', done/total in steps) plus the step's numbers. */
export interface ProgressEvent extends Progress {
  phase: 'fit';
  elapsedMs: number;
  etaMs: number;
  step: number;
  totalSteps: number;
  epoch: number;
  losses: Record<string, number>;
  lambdas: Record<string, number>;
  lr: number;
  eval?: EvalRecord;
}

export interface FitOptions {
  weighting?: WeightingConfig;
  sampling?: SamplingConfig;
  epochs?: number;
  /** Total optimisation steps (overrides epochs). */
  steps?: number;
  batchSize?: number;
  /**
   * Batch sizes of single tasks (the others use `batchSize`), e.g. fewer documents per
   * summarization batch. The samplers count a task's batches, not its examples: a task of n
   * examples in batches of b weighs as n · batchSize / b examples would, so under proportional
   * sampling an epoch still shows each example once in expectation.
   */
  taskBatchSizes?: Record<string, number>;
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
  /** More callbacks: called after early stopping, the metrics log and progress, before checkpoints. */
  callbacks?: TrainerCallback[];
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
  /**
   * This step's own time in ms: its batches, the fine-tuned top (when there is one), the heads'
   * forward and backward, the updates; no evaluation or checkpoint. Absent in older checkpoints.
   */
  stepMs?: number;
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

/** What trainer.json in a checkpoint holds: everything a resumed run needs besides the weights. */
export interface TrainerState {
  step: number;
  totalSteps: number;
  fingerprint: Record<string, unknown>;
  dropoutRng: number[];
  sampler: unknown;
  batchers: Record<string, unknown>;
  weighting: unknown;
  optimizerSteps: Record<string, number>;
  history: { steps: StepRecord[]; evals: EvalRecord[]; elapsedMs: number };
  /** Each stateful callback's state under its stateKey (early stopping: `early`). */
  [stateKey: string]: unknown;
}

/** The model as the trainer sees it (MultiTaskModel implements it). */
export interface TrainableModel {
  backend: BackendName;
  readonly seed: number;
  readonly taskNames: string[];
  readonly store: ParamStore;
  readonly architecture: Architecture;
  task(name: string): AnyTask;
  prepareTasks(train: Record<string, readonly unknown[]>): void;
  ensureFeatures(examples: Record<string, readonly unknown[]>): Promise<number>;
  makeBatch(task: string, examples: readonly unknown[]): TaskBatch;
  /** Mean loss of a batch; `rows` replaces `batch.rows` as the input (the fine-tuned encoder's vectors). */
  loss(task: string, batch: TaskBatch, ctx: ForwardContext, rows?: tf.Tensor2D): tf.Scalar;
  /** The encoder's top layers trained with the heads (./finetune.ts); null: a frozen encoder. */
  readonly finetune?: EncoderFinetune | null;
  readonly taskLayers?: ReadonlyMap<string, number>;
  evaluateCached(data: Record<string, readonly unknown[]>, batchSize?: number): Record<string, Record<string, number>>;
  metricDirections(): Record<string, Record<string, MetricDirection>>;
  /** Checkpoint files of the model: the saved-model manifest and weights. */
  serialize(): { manifest: unknown; weights: Uint8Array };
  restoreWeights(dir: string): unknown;
  lastTraining: Record<string, unknown> | null;
  lastWeighting: { config: unknown; state: unknown; lambdas: Record<string, number> } | null;
}

/** The running fit() as its callbacks see it. */
export interface TrainingRun {
  readonly model: TrainableModel;
  /** Steps done so far (the step just finished, inside onStepEnd). */
  readonly step: number;
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  readonly history: TrainingHistory;
  /** True once a callback asked to stop (the loop ends after this step). */
  readonly stopRequested: boolean;
  /** End training after this step; the first reason given is kept (unless it is 'completed'). */
  stop(reason: 'early-stopping' | 'stopped'): void;
  aborted(): boolean;
  /** Training time so far, including the time before a resume. */
  elapsedMs(): number;
  /** Wall time of this fit() call alone. */
  sessionMs(): number;
  /** Steps done by this fit() call (not counting those before a resume). */
  readonly stepsThisSession: number;
  /**
   * State for trainer.json (the loop's own, plus each callback's under its stateKey); pass the
   * optimizer's step counts when its state was already read.
   */
  trainerState(optimizerSteps?: Record<string, number>): TrainerState;
  /** Tell every callback that a checkpoint was written (the checkpointer calls this). */
  notify(event: 'onCheckpoint', written: { step: number; name: string; best: boolean }): Promise<void>;
}

/** What one step produced: its record and the evaluation it triggered, if any. */
export interface StepEnd {
  step: StepRecord;
  eval?: EvalRecord;
}

/**
 * Hooks into fit() (as tfjs-layers' callbacks), called for every callback in order: early stopping
 * (it marks each evaluation improved or not), the metrics log, progress, the caller's callbacks,
 * then checkpoints (last, so a stop asked by any callback is checkpointed). A callback with a
 * `stateKey` has its state saved in checkpoints and given back on resume.
 */
export interface TrainerCallback {
  /**
   * Where this callback's state goes in a checkpoint's trainer.json; with `getState` / `setState`,
   * a resumed run gives the callback back the state it had at that checkpoint.
   * @example
   * // counts the steps over resumes: trainer.json holds { …, "counter": { "steps": 1200 } }
   * let steps = 0;
   * const counter = {               // passed as fit(data, { callbacks: [counter] })
   *   stateKey: 'counter',
   *   getState: () => ({ steps }),
   *   setState: (_run: unknown, s: unknown) => { steps = (s as { steps: number }).steps; },
   *   onStepEnd: () => { steps++; },
   * };
   */
  readonly stateKey?: string;
  /** The state to checkpoint under `stateKey` (JSON-serialisable). */
  getState?(): unknown;
  /** Called on resume, before `onTrainBegin`, with what `getState` returned at the checkpoint. */
  setState?(run: TrainingRun, state: unknown): void;
  /**
   * Once, before the first step; `resumedFrom` is the checkpoint folder a resumed run started from.
   * @example
   * onTrainBegin(run, resumedFrom) { console.log(run.totalSteps, run.stepsPerEpoch, resumedFrom); }
   * // 10 10 null   (a fresh run: 1 epoch of 10 steps)
   */
  onTrainBegin?(run: TrainingRun, resumedFrom: string | null): void | Promise<void>;
  /**
   * After every step; `end.eval` is set on the steps that evaluated the dev sets. `run.stop(reason)`
   * ends training after this step.
   * @example
   * onStepEnd(run, { step, eval: ev }) { console.log(run.step, step.losses, step.lambdas, step.lr, ev?.metrics); }
   * // 1 { sentiment: 0.7477 } { sentiment: 1 } 0.001 undefined
   * // 10 { sentiment: 0.5441 } { sentiment: 1 } 0.001 { sentiment: { accuracy: 0.85, macro_f1: 0.8465, loss: 0.4514 } }
   * // step also has { epoch, tasks: ['sentiment'], gradNorm: 1.2059, elapsedMs: 2478 };
   * // eval also has { step, epoch, monitor: 0.85, improved: true } and, with baselines, delta_m
   */
  onStepEnd?(run: TrainingRun, end: StepEnd): void | Promise<void>;
  /**
   * After a checkpoint folder was written (only when fit() has a `checkpoint` option).
   * @example
   * onCheckpoint(_run, written) { console.log(written); }
   * // { step: 500, name: 'ckpt-00000500-3fa2c1', best: true }
   */
  onCheckpoint?(run: TrainingRun, written: { step: number; name: string; best: boolean }): void | Promise<void>;
  /**
   * A step the trainer had to skip (a non-finite gradient norm: no update was applied).
   * @example
   * onWarning(_run, w) { console.log(w.step, w.message); }
   * // 37 'non-finite gradient norm; update skipped'
   */
  onWarning?(run: TrainingRun, warning: { step: number; message: string }): void | Promise<void>;
  /**
   * Once, after the last step (also after early stopping, a stop or an abort).
   * @example
   * onTrainEnd(run) { console.log(run.step, run.history.stopReason, run.history.best); }
   * // 10 'completed' { step: 10, metric: 'sentiment.accuracy', value: 0.85 }
   */
  onTrainEnd?(run: TrainingRun): void | Promise<void>;
}
