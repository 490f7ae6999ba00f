/**
 * The options of a multitask model: creating one (and their checks), loading one (and the create
 * options a saved manifest gives), and predicting (the built-in tasks' input, output and per-call
 * option types).
 */
import type { ArchitectureConfig } from '../architectures/index.js';
import type { EncoderIdentity, Manifest } from './format.js';
import type { SentenceEncoder } from '../encoder/types.js';
import { defaultSharedLayers, type SharedLayersConfig } from '../nn/layers.js';
import type { SentimentExample, SentimentPrediction } from '../tasks/sentiment/index.js';
import type { SelectionOptions, SummarizationExample, SummarizationPrediction } from '../tasks/summarization/index.js';
import type { TranslationQualityExample, TranslationQualityPrediction } from '../tasks/translation-quality/index.js';
import { taskFromSpec } from '../tasks/registry.js';
import type { AnyTask, CallOptions } from '../tasks/types.js';
import { UserError } from '../errors.js';
import type { Progress } from '../utils/progress.js';
import type { BackendPreference } from './backend.js';
import type { FeatureStore } from './features.js';
import type { SyntheticEncoder } from './saved-model.js';
import { checkEncoder } from './saved-model.js';
import type { FinetuneOptions } from './finetune.js';

export interface CreateOptions {
  encoder: SentenceEncoder | SyntheticEncoder;
  tasks: AnyTask[];
  architecture?: ArchitectureConfig;
  sharedLayers?: Partial<SharedLayersConfig>;
  /** Seeds parameter initialisation (and training, unless fit gets its own seed). */
  seed?: number;
  /** Share an existing feature cache. */
  features?: FeatureStore;
  /**
   * Tasks that read another layer of the encoder than its own (task name → layer of the whole model,
   * as the encoder's `layer` option: 0 = embeddings, negative from the end). Their texts are encoded by
   * `encoder.atLayer(layer)`; the other tasks read the encoder as it is. Saved in the manifest.
   */
  taskLayers?: Record<string, number>;
  backend?: BackendPreference;
  /** Log the backend choice (default true). */
  log?: boolean;
  /**
   * Train the encoder's top layers with the heads (Node): `{ layers: 2, lr: 3e-4, warmup: 0.1,
   * layerDecay: 1, dropout: 0.1, weightDecay: 0.01 }`; `layers: 0` (the default) keeps it frozen.
   * Needs an Encoder (fp32 or q8; a q8 source saves an fp32 file with its q8 one).
   */
  finetune?: FinetuneOptions;
}

export interface LoadOptions {
  /** Encoder to use for new texts; its sha256 must match the one the model was trained with. */
  encoder?: SentenceEncoder;
  features?: FeatureStore;
  backend?: BackendPreference;
  log?: boolean;
}

export interface PredictOptions {
  /** Examples per forward pass (default 256). */
  batchSize?: number;
  /** Cancels encoding and prediction between batches (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Progress of the encoding (`phase: 'encode'`) and of the prediction (`phase: 'predict'`). */
  onProgress?: (p: Progress) => void;
}

/** Input, output and per-call option types of the built-in tasks, by task name. */
export interface KnownTaskIO {
  sentiment: { input: string | SentimentExample; output: SentimentPrediction; options: {} }; // eslint-disable-line @typescript-eslint/no-empty-object-type
  'translation-quality': { input: TranslationQualityExample; output: TranslationQualityPrediction; options: {} }; // eslint-disable-line @typescript-eslint/no-empty-object-type
  summarization: {
    input: string | readonly string[] | SummarizationExample;
    output: SummarizationPrediction;
    /** `selection` overrides the task's `inference` defaults for this call. */
    options: { selection?: SelectionOptions };
  };
}

/** The options every `predict` call takes; the rest go to the task (its `decodeOptions`). */
export const COMMON_OPTIONS: readonly string[] = ['batchSize', 'signal', 'onProgress'];

/** The task names of create options, checked (at least one, distinct, [A-Za-z0-9_-]+), and their `taskLayers`. */
export function checkCreateOptions(opts: CreateOptions): string[] {
  const names = opts.tasks.map((t: AnyTask) => t.name);
  if (names.length === 0) throw new UserError('MultiTaskModel needs at least one task');
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new UserError(`duplicate task name "${dup}"`);
  for (const n of names) if (!/^[A-Za-z0-9_-]+$/.test(n)) throw new UserError(`task name "${n}" must match [A-Za-z0-9_-]+`);
  for (const [task, layer] of Object.entries(opts.taskLayers ?? {})) {
    if (!names.includes(task)) throw new UserError(`taskLayers.${task}: no task named "${task}" (tasks: ${names.join(', ')})`);
    if (!Number.isInteger(layer))
      throw new UserError(`taskLayers.${task}: the layer must be an integer (0 = embeddings, negative from the end), got ${String(layer)}`);
  }
  return names;
}

/** The shared layers of create options over the defaults, checked. */
export function sharedLayersOf(opts: CreateOptions): SharedLayersConfig {
  const s = { ...defaultSharedLayers, ...(opts.sharedLayers ?? {}) };
  if (!Number.isInteger(s.depth) || s.depth < 0) throw new UserError(`sharedLayers.depth must be an integer ≥ 0, got ${s.depth}`);
  if (!Number.isInteger(s.width) || s.width < 1) throw new UserError(`sharedLayers.width must be a positive integer, got ${s.width}`);
  if (!(s.dropout >= 0 && s.dropout < 1)) throw new UserError(`sharedLayers.dropout must be in [0, 1), got ${s.dropout}`);
  return s;
}

/**
 * The create options of a saved model: its tasks rebuilt through the task registry, its
 * architecture, shared layers, seed and task layers; `options.encoder` (checked against the
 * manifest's) or the manifest's dimension.
 */
export function createOptionsOf(manifest: Manifest, options: LoadOptions & { source: string }): CreateOptions {
  const enc: EncoderIdentity = manifest.encoder;
  if (options.encoder) checkEncoder(manifest, options.encoder, options.source);
  const createOpts: CreateOptions = {
    encoder: options.encoder ?? { dim: enc.dim, id: enc.model },
    tasks: manifest.tasks.map((spec) => taskFromSpec(spec)),
    architecture: manifest.architecture,
    sharedLayers: manifest.sharedLayers,
    seed: manifest.seed,
    ...(manifest.taskLayers ? { taskLayers: manifest.taskLayers } : {}),
    log: options.log ?? false,
  };
  if (options.features) createOpts.features = options.features;
  if (options.backend) createOpts.backend = options.backend;
  return createOpts;
}

/**
 * A task's decode options of one `predict` call: what its `decodeOptions` makes of the options
 * beyond the common ones (undefined when the call gives none); an Error naming the options for a
 * task that takes none.
 */
export function callDecodeOptions(t: AnyTask, options: CallOptions): unknown {
  const call = Object.fromEntries(Object.entries(options).filter(([k, v]) => !COMMON_OPTIONS.includes(k) && v !== undefined));
  const keys = Object.keys(call);
  if (t.decodeOptions) return keys.length ? t.decodeOptions(call) : undefined;
  if (keys.length)
    throw new UserError(
      `task "${t.name}" (type ${t.type}) takes no prediction option ${keys.join(', ')} (known: ${COMMON_OPTIONS.join(', ')})`,
    );
  return undefined;
}

/**
 * Refuses tasks that read what a fine-tuned encoder cannot give: another layer than its top (kept in
 * the frozen store). Heads that pool token states read the fine-tuned top's states (./finetune-step.ts).
 */
export function checkFinetuneTasks(
  model: { task(name: string): AnyTask; readonly taskLayers?: ReadonlyMap<string, number> },
  train: Record<string, readonly unknown[]>,
): void {
  for (const name of Object.keys(train)) {
    model.task(name);
    if (model.taskLayers?.has(name))
      throw new UserError(
        `task "${name}" reads encoder layer ${model.taskLayers.get(name)}; with finetune the tasks read the fine-tuned top, so drop the task's layer or use finetune.layers: 0`,
      );
  }
}
