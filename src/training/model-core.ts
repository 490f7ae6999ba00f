/**
 * The model itself, the same in Node and in browsers: frozen encoder features → architecture
 * (shared trainable layers) → one head per task; construction, forward passes, prediction and
 * evaluation, and building a model from a saved manifest + weights given as bytes (the save
 * format: ./format.ts). Node adds training and folders (model.ts); the browser entry adds loading
 * from URLs. The model knows tasks only through the task contract (src/tasks/types.ts).
 */
import { env } from '../utils/env.js';
import type { SentimentPrediction } from '../tasks/sentiment/index.js';
import type { SelectionOptions, SummarizationPrediction } from '../tasks/summarization/index.js';
import * as tf from '../utils/tf.js';
import { throwIfAborted } from '../utils/progress.js';
import type { EncodeOptions, SentenceEncoder } from '../encoder/types.js';
import { createArchitecture, type Architecture, type TaskRelations } from '../architectures/index.js';
import { type AnyTask, type CallOptions, type MetricDirection, type TaskBatch } from '../tasks/types.js';
import { initBackend, type BackendName } from './backend.js';
import { FeatureStore } from './features.js';
import type { ForwardContext, SharedLayersConfig } from '../nn/layers.js';
import { ParamStore } from '../nn/params.js';
import type { NamedArray } from './safetensors.js';
import type { EncoderIdentity, Manifest } from './format.js';
import { checkManifest, decodeWeights, identityOf, isSentenceEncoder, type SyntheticEncoder } from './saved-model.js';
import {
  checkCreateOptions,
  checkFinetuneTasks,
  createOptionsOf,
  sharedLayersOf,
  type CreateOptions,
  type KnownTaskIO,
  type LoadOptions,
  type PredictOptions,
} from './model-options.js';
import { UserError } from '../errors.js';
import { evaluateCached, predictBatch, predictInputs } from './model-predict.js';
import { featureKeys, makeTaskBatch } from './model-features.js';

export type { CreateOptions, KnownTaskIO, LoadOptions, PredictOptions, SyntheticEncoder };

/** What the model core needs of a fine-tuned top: to drop feature vectors the last update made stale. */
export interface FinetuneHandle {
  refresh(store: FeatureStore): void;
}

export class MultiTaskModelCore {
  readonly tasks: ReadonlyMap<string, AnyTask>;
  readonly taskNames: string[];
  readonly store: ParamStore;
  readonly architecture: Architecture;
  readonly features: FeatureStore;
  readonly encoderIdentity: EncoderIdentity;
  readonly sharedLayers: SharedLayersConfig;
  readonly seed: number;
  /** Tasks that read another encoder layer (see {@link CreateOptions.taskLayers}). */
  readonly taskLayers: ReadonlyMap<string, number>;
  /** The encoder's top layers trained with the heads (Node: training/finetune.ts); null: frozen. Its eval-mode encoder is {@link encoder}. */
  finetune: FinetuneHandle | null = null;
  /** Encoder used for texts without cached features (null for synthetic features). */
  encoder: SentenceEncoder | null;
  /** How the encoder was named when it is not a local path (hub id, fixture:<variant>, mtl:<name>); saved in the manifest. */
  encoderId?: string;
  backend: BackendName;
  /** Set by fit: weighting and training config, saved in the manifest. */
  lastWeighting: Manifest['weighting'] = null;
  lastTraining: Record<string, unknown> | null = null;
  private readonly builtHeads = new Set<string>();

  protected constructor(opts: CreateOptions, backend: BackendName) {
    const names = checkCreateOptions(opts);
    this.tasks = new Map(opts.tasks.map((t) => [t.name, t]));
    this.taskNames = names;
    this.taskLayers = new Map(Object.entries(opts.taskLayers ?? {}));
    this.encoderIdentity = identityOf(opts.encoder);
    this.encoder = isSentenceEncoder(opts.encoder) ? opts.encoder : null;
    this.features = opts.features ?? new FeatureStore(this.encoderIdentity.dim);
    if (this.features.dim !== this.encoderIdentity.dim)
      throw new UserError(`feature store dim ${this.features.dim} ≠ encoder dim ${this.encoderIdentity.dim}`);
    this.sharedLayers = sharedLayersOf(opts);
    this.seed = opts.seed ?? 0;
    this.backend = backend;
    this.store = new ParamStore(this.seed);
    this.architecture = createArchitecture(opts.architecture ?? { type: 'hard' }, {
      tasks: names,
      inputDim: this.encoderIdentity.dim,
      shared: this.sharedLayers,
      store: this.store,
    });
    for (const t of opts.tasks) if (t.isPrepared()) this.buildHead(t);
  }

  /**
   * A new model: the encoder, the task heads and the shared layers between them (nothing trained yet).
   * @example
   * const model = await MultiTaskModel.create({
   *   encoder,                                        // an Encoder (frozen; its vectors are cached)
   *   tasks: [createTask(loadTaskConfig('tasks/sentiment.yaml'))],
   *   sharedLayers: { depth: 1, width: 128 },         // trainable layers shared by the tasks
   *   architecture: { type: 'hard' },                 // or cross-stitch, mmoe
   * });
   * model.taskNames // ['sentiment']
   */
  static async create(opts: CreateOptions): Promise<MultiTaskModelCore> {
    return new MultiTaskModelCore(opts, await MultiTaskModelCore.backendFor(opts));
  }

  /** The TensorFlow.js backend a new model runs on (initialised on first use). */
  protected static backendFor(opts: Pick<CreateOptions, 'backend' | 'log'>): Promise<BackendName> {
    return initBackend(opts.backend ?? env.backends.training, { log: opts.log ?? true });
  }

  get dim(): number {
    return this.encoderIdentity.dim;
  }

  task(name: string): AnyTask {
    const t = this.tasks.get(name);
    if (!t) throw new UserError(`unknown task "${name}" (tasks: ${this.taskNames.join(', ')})`);
    return t;
  }

  private buildHead(t: AnyTask): void {
    if (this.builtHeads.has(t.name)) return;
    t.buildHead(this.store, this.architecture.outputDim, `heads.${t.name}`, this.dim);
    this.builtHeads.add(t.name);
  }

  /** Prepare tasks (label maps, statistics) from training data and build missing heads. */
  prepareTasks(train: Record<string, readonly unknown[]>): void {
    for (const t of this.tasks.values()) {
      if (this.builtHeads.has(t.name)) continue;
      if (!t.isPrepared()) {
        const data = train[t.name];
        if (!data) throw new UserError(`task "${t.name}" has no training data to infer its labels from`);
        t.prepare(data);
      }
      this.buildHead(t);
    }
  }

  headsReady(): boolean {
    return this.taskNames.every((n) => this.builtHeads.has(n));
  }

  /** Encode (once, deduplicated) the texts of these examples that have no vector yet. */
  async ensureFeatures(examples: Record<string, readonly unknown[]>, options?: EncodeOptions): Promise<number> {
    if (this.finetune) {
      checkFinetuneTasks(this, examples);
      this.finetune.refresh(this.features);
    }
    const { texts, tokenTexts } = this.featureKeys(examples);
    const n = await this.features.ensure(texts, this.encoder, options);
    return tokenTexts.length ? n + (await this.features.ensureTokens(tokenTexts, this.encoder)) : n;
  }

  /**
   * The feature-store keys these examples read (with repeats): `texts` need a vector each,
   * `tokenTexts` token states (heads that pool tokens themselves). What ensureFeatures encodes.
   */
  featureKeys(examples: Record<string, readonly unknown[]>): { texts: string[]; tokenTexts: string[] } {
    return featureKeys(this, examples);
  }

  /** One task's batch of examples, their vectors read from the feature store (at the task's layer). */
  makeBatch(task: string, examples: readonly unknown[]): TaskBatch {
    return makeTaskBatch(this, task, examples);
  }

  /** Outputs of one task's head for a batch (inside a tidy / gradient tape); `rows` replaces `batch.rows`. */
  forward(task: string, batch: TaskBatch, ctx: ForwardContext, rows?: tf.Tensor2D): tf.Tensor {
    const x = rows ?? tf.tensor2d(batch.rows, [batch.numRows, this.dim]);
    const H = this.architecture.forward(task, x, ctx);
    return this.task(task).forward(H, batch, ctx);
  }

  /** Mean loss of one task's batch (inside a tidy / gradient tape). */
  loss(task: string, batch: TaskBatch, ctx: ForwardContext, rows?: tf.Tensor2D): tf.Scalar {
    return this.task(task).loss(this.forward(task, batch, ctx, rows), batch);
  }

  /**
   * Predictions (and loss when the batch has targets) for examples, in batches, no dropout;
   * `decodeOptions` (from the task's {@link Task.decodeOptions}) reach its forward pass and decoding.
   */
  predictBatch(
    task: string,
    examples: readonly unknown[],
    batchSize = 256,
    decodeOptions?: unknown,
  ): { predictions: unknown[]; lossSum: number; counted: number } {
    return predictBatch(this, task, examples, batchSize, decodeOptions);
  }

  /**
   * Predictions for one task's inputs, each turned into the task's example by its `toExample`: for
   * the built-in tasks the input type follows the task name (sentiment takes texts or `{ text }`,
   * translation quality `{ source, translation }`, summarization documents: a string, its
   * sentences, or `{ sentences }`); a wrong input is a type error. Options beyond `batchSize`,
   * `signal` and `onProgress` go to the task (summarization: `{ selection }`); a task that takes none
   * rejects them.
   * @example
   * await model.predict('sentiment', ['a warm , funny film .'])
   * // [{ label: 'positive', score: 0.9929, probabilities: { negative: 0.0071, positive: 0.9929 }, index: 1 }]
   * await model.predict('translation-quality', [{ source: 'The museum opens at nine.', translation: 'Das Museum öffnet um neun Uhr.' }])
   * // [0.41]: the predicted z-normalised DA score, one number per pair
   * await model.predict('summarization', ['First sentence. Second one. Third one. Fourth one.'])
   * // [{ summary: 'First sentence.\nSecond one.\nThird one.',
   * //    sentences: [{ text: 'First sentence.', index: 0, score: 0.91 }, { …index: 1, score: 0.64 }, { …index: 2, score: 0.42 }],
   * //    scores: [0.91, 0.64, 0.42, 0.08] }]: the selected sentences in document order, a probability per sentence
   */
  async predict<N extends keyof KnownTaskIO>(
    task: N,
    inputs: readonly KnownTaskIO[N]['input'][],
    options?: PredictOptions & KnownTaskIO[N]['options'],
  ): Promise<KnownTaskIO[N]['output'][]>;
  async predict<P = unknown, N extends string = string>(
    task: N extends keyof KnownTaskIO ? never : N,
    inputs: readonly unknown[],
    options?: PredictOptions & CallOptions,
  ): Promise<P[]>;
  async predict(task: string, inputs: readonly unknown[], options: PredictOptions & CallOptions = {}): Promise<unknown[]> {
    this.task(task); // an unknown task is named as such before "no head yet"
    if (!this.builtHeads.has(task)) throw new UserError(`task "${task}" has no head yet (train the model or give the task its labels)`);
    return predictInputs(this, task, inputs, options);
  }

  /**
   * Sentiment of each text: `{ label, score, probabilities }` (the task named `sentiment`, or
   * `options.task`).
   * @example
   * await model.sentiment(['a warm , funny film .'])
   * // [{ label: 'positive', score: 0.9929, probabilities: { negative: 0.0071, positive: 0.9929 }, index: 1 }]
   */
  async sentiment(texts: readonly string[], options: { task?: string } = {}): Promise<SentimentPrediction[]> {
    return this.predict<SentimentPrediction, string>(options.task ?? 'sentiment', texts);
  }

  /**
   * Quality score of each translation given its source (no reference), in the training target's
   * scale. A model trained with the `model-score` feature uses each pair's `modelScore` (the MT
   * system's own score) when given, else the training mean.
   * @example
   * await model.scoreTranslation([{ source: 'The museum opens at nine.', translation: 'Das Museum öffnet um neun Uhr.' }])
   * // [0.41]
   */
  async scoreTranslation(
    pairs: readonly { source: string; translation: string; modelScore?: number }[],
    options: { task?: string } = {},
  ): Promise<number[]> {
    const examples = pairs.map((p) => ({
      source: p.source,
      translation: p.translation,
      ...(p.modelScore !== undefined ? { modelScore: p.modelScore } : {}),
    }));
    return this.predict<number, string>(options.task ?? 'translation-quality', examples);
  }

  /**
   * Extractive summary of a document (a string, split into sentences, or its sentences): the top
   * sentences by count, ratio or word budget, in document order; selection options not given come
   * from the task's `inference` (tasks/summarization.yaml). The same as
   * `predict(task, [document], { selection })`.
   * @example
   * const { summary, sentences, scores } = await model.summarize(article, { sentences: 2 });
   * // summary: the 2 chosen sentences in document order, joined by "\n"; sentences: [{ index, text, score }, …];
   * // scores: one per scored sentence
   */
  async summarize(
    document: string | readonly string[],
    options: SelectionOptions & { task?: string } = {},
  ): Promise<SummarizationPrediction> {
    const { task: name = 'summarization', ...selection } = options;
    const [prediction] = await this.predict<SummarizationPrediction, string>(name, [document], { selection });
    return prediction as SummarizationPrediction;
  }

  /**
   * Metrics (plus dev `loss`) per task on labelled examples.
   * @example
   * await model.evaluate({ sentiment: dev })
   * // { sentiment: { accuracy: 0.85, macro_f1: 0.8465, loss: 0.4514 } }
   */
  async evaluate(data: Record<string, readonly unknown[]>, options: PredictOptions = {}): Promise<Record<string, Record<string, number>>> {
    throwIfAborted(options.signal);
    await this.ensureFeatures(data, options);
    throwIfAborted(options.signal);
    return this.evaluateCached(data, options.batchSize);
  }

  /** Metrics (plus dev `loss`) per task, on examples whose features are already in the store. */
  evaluateCached(data: Record<string, readonly unknown[]>, batchSize = 256): Record<string, Record<string, number>> {
    return evaluateCached(this, data, batchSize);
  }

  metricDirections(): Record<string, Record<string, MetricDirection>> {
    return Object.fromEntries(this.taskNames.map((n) => [n, { ...this.task(n).metricDirections, loss: 'lower' as const }]));
  }

  /** Learned task relations: cross-stitch α matrices, MMoE mean gate weights per task. */
  taskRelations(): TaskRelations {
    return this.architecture.relations();
  }

  // ---------------------------------------------------------------- from a saved model

  /** Check a parsed manifest.json (`source` names it in errors), migrating an older version (see ./saved-model.ts). */
  static checkManifest(m: unknown, source: string): Manifest {
    return checkManifest(m, source);
  }

  /** Decode the weights file's bytes and check them against the manifest (see ./saved-model.ts). */
  static decodeWeights(bytes: Uint8Array, manifest: Manifest, source: string, digest: string): Map<string, NamedArray> {
    return decodeWeights(bytes, manifest, source, digest);
  }

  /**
   * A model from its saved manifest and decoded weights (see {@link decodeWeights}), predicting with
   * `options.encoder` (its sha256 and dimension must match the one the model was trained with).
   */
  protected static async fromSaved<M extends MultiTaskModelCore>(
    create: (opts: CreateOptions) => Promise<M>,
    manifest: Manifest,
    tensors: Map<string, NamedArray>,
    options: LoadOptions & { source: string },
  ): Promise<M> {
    const model = await create(createOptionsOf(manifest, options));
    // keep the stored identity even without an encoder object
    (model as { encoderIdentity: EncoderIdentity }).encoderIdentity = manifest.encoder;
    try {
      model.restoreSaved(manifest, tensors, options.source);
    } catch (err) {
      model.dispose();
      throw err;
    }
    model.lastWeighting = manifest.weighting;
    model.lastTraining = manifest.training;
    return model;
  }

  /** Replace the weights (and the architecture's state) with a saved model's. */
  restoreSaved(manifest: Manifest, tensors: Map<string, NamedArray>, source: string): void {
    this.store.restore(tensors, { source });
    this.architecture.setState(manifest.architectureState);
  }

  dispose(): void {
    this.architecture.dispose();
    this.store.dispose();
  }
}
