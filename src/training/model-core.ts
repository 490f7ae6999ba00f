/**
 * The model itself, the same in Node and in browsers: frozen encoder features → architecture
 * (shared trainable layers) → one head per task; construction, forward passes, prediction and
 * evaluation, and building a model from a saved manifest + weights given as bytes. Node adds
 * training and folders (model.ts); the browser entry adds loading from URLs.
 *
 * Save format (a folder):
 *   manifest.json      package version, encoder identity (model, sha256, dtype, pooling, dim),
 *                      architecture + shared layers, tasks (type, label maps, configs), weighting
 *                      config/state, training config, backend, task relations, and the weights
 *                      file's sha256, byte size and parameter shapes.
 *   model.safetensors  all parameters, F32, little-endian (loadable by Python `safetensors`).
 */
import { env } from '../utils/env.js';
import type { SentimentExample, SentimentPrediction } from '../tasks/sentiment/index.js';
import type { SelectionOptions, SummarizationExample, SummarizationPrediction } from '../tasks/summarization/index.js';
import type { TranslationQualityExample, TranslationQualityPrediction } from '../tasks/translation-quality/index.js';
import * as tf from '../utils/tf.js';
import { throwIfAborted, type Progress } from '../utils/progress.js';
import type { EncodeOptions, EncoderInfo, SentenceEncoder } from '../encoder/types.js';
import { createArchitecture, type Architecture, type ArchitectureConfig, type TaskRelations } from '../architectures/index.js';
import { inputKey, type AnyTask, type CallOptions, type MetricDirection, type TaskBatch, type TaskSpec } from '../tasks/types.js';
import { initBackend, type BackendName, type BackendPreference } from './backend.js';
import { FeatureStore, layerKey } from './features.js';
import { defaultSharedLayers, inferenceContext, ParamStore, type ForwardContext, type SharedLayersConfig } from '../nn/layers.js';
import { decodeSafetensors, type NamedArray } from './safetensors.js';
import { taskFromSpec } from '../tasks/registry.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type EncoderIdentity, type Manifest } from './format.js';

/** Synthetic features: only a dimension (tests, benchmarks, precomputed vectors). */
export interface SyntheticEncoder {
  dim: number;
  /** Optional identity string stored in the manifest. */
  id?: string;
}

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

/** The options every `predict` call takes; the rest go to the task ({@link Task.decodeOptions}). */
const COMMON_OPTIONS: readonly string[] = ['batchSize', 'signal', 'onProgress'];

function isSentenceEncoder(e: SentenceEncoder | SyntheticEncoder): e is SentenceEncoder {
  return typeof (e as SentenceEncoder).encode === 'function' && (e as SentenceEncoder).info !== undefined;
}

/** The inner layer an encoder reads (its `layer` option), null for the last one. */
function innerLayer(info: EncoderInfo): number | null {
  return info.layer && info.layer.index !== info.layer.of ? info.layer.index : null;
}

function identityOf(e: SentenceEncoder | SyntheticEncoder): EncoderIdentity {
  if (isSentenceEncoder(e)) {
    const i: EncoderInfo = e.info;
    const layer = innerLayer(i);
    return { model: i.model, sha256: i.sha256, dtype: i.dtype, pooling: i.pooling, dim: i.dim, normalize: i.normalize, maxLength: i.maxLength, ...(layer !== null ? { layer } : {}) };
  }
  return { model: e.id ?? 'synthetic', sha256: null, dtype: null, pooling: null, dim: e.dim, normalize: null };
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
    const names = opts.tasks.map((t) => t.name);
    if (names.length === 0) throw new Error('MultiTaskModel needs at least one task');
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new Error(`duplicate task name "${dup}"`);
    for (const n of names) if (!/^[A-Za-z0-9_-]+$/.test(n)) throw new Error(`task name "${n}" must match [A-Za-z0-9_-]+`);
    this.tasks = new Map(opts.tasks.map((t) => [t.name, t]));
    this.taskNames = names;
    for (const [task, layer] of Object.entries(opts.taskLayers ?? {})) {
      if (!names.includes(task)) throw new Error(`taskLayers.${task}: no task named "${task}" (tasks: ${names.join(', ')})`);
      if (!Number.isInteger(layer)) throw new Error(`taskLayers.${task}: the layer must be an integer (0 = embeddings, negative from the end), got ${String(layer)}`);
    }
    this.taskLayers = new Map(Object.entries(opts.taskLayers ?? {}));
    this.encoderIdentity = identityOf(opts.encoder);
    this.encoder = isSentenceEncoder(opts.encoder) ? opts.encoder : null;
    this.features = opts.features ?? new FeatureStore(this.encoderIdentity.dim);
    if (this.features.dim !== this.encoderIdentity.dim) throw new Error(`feature store dim ${this.features.dim} ≠ encoder dim ${this.encoderIdentity.dim}`);
    this.sharedLayers = { ...defaultSharedLayers, ...(opts.sharedLayers ?? {}) };
    const s = this.sharedLayers;
    if (!Number.isInteger(s.depth) || s.depth < 0) throw new Error(`sharedLayers.depth must be an integer ≥ 0, got ${s.depth}`);
    if (!Number.isInteger(s.width) || s.width < 1) throw new Error(`sharedLayers.width must be a positive integer, got ${s.width}`);
    if (!(s.dropout >= 0 && s.dropout < 1)) throw new Error(`sharedLayers.dropout must be in [0, 1), got ${s.dropout}`);
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
    if (!t) throw new Error(`unknown task "${name}" (tasks: ${this.taskNames.join(', ')})`);
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
        if (!data) throw new Error(`task "${t.name}" has no training data to infer its labels from`);
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
    const texts: string[] = [];
    const tokenTexts: string[] = [];
    for (const [name, list] of Object.entries(examples)) {
      const t = this.task(name);
      const key = this.keyOf(name);
      for (const e of list) for (const x of t.encoderInputs(e)) texts.push(key(inputKey(x)));
      if (t.tokenTexts) for (const e of list) for (const s of t.tokenTexts(e)) tokenTexts.push(key(s));
    }
    const n = await this.features.ensure(texts, this.encoder, options);
    return tokenTexts.length ? n + (await this.features.ensureTokens(tokenTexts, this.encoder)) : n;
  }

  /** A task's feature-store key of a text: the text itself, or its key at the task's encoder layer. */
  private keyOf(task: string): (text: string) => string {
    const layer = this.taskLayers.get(task);
    return layer === undefined ? (t) => t : (t) => layerKey(layer, t);
  }

  makeBatch(task: string, examples: readonly unknown[]): TaskBatch {
    const layer = this.taskLayers.get(task);
    if (layer === undefined) return this.task(task).makeBatch(examples, this.features.lookup, this.dim, this.features.tokenLookup);
    const { lookup, tokenLookup } = this.features;
    return this.task(task).makeBatch(examples, (t) => lookup(layerKey(layer, t)), this.dim, (t) => tokenLookup(layerKey(layer, t)));
  }

  /** Outputs of one task's head for a batch (inside a tidy / gradient tape). */
  forward(task: string, batch: TaskBatch, ctx: ForwardContext): tf.Tensor {
    const x = tf.tensor2d(batch.rows, [batch.numRows, this.dim]);
    const H = this.architecture.forward(task, x, ctx);
    return this.task(task).forward(H, batch, ctx);
  }

  /** Mean loss of one task's batch (inside a tidy / gradient tape). */
  loss(task: string, batch: TaskBatch, ctx: ForwardContext): tf.Scalar {
    return this.task(task).loss(this.forward(task, batch, ctx), batch);
  }

  /**
   * Predictions (and loss when the batch has targets) for examples, in batches, no dropout;
   * `decodeOptions` (from the task's {@link Task.decodeOptions}) reach its forward pass and decoding.
   */
  predictBatch(task: string, examples: readonly unknown[], batchSize = 256, decodeOptions?: unknown): { predictions: unknown[]; lossSum: number; counted: number } {
    const t = this.task(task);
    const predictions: unknown[] = [];
    let lossSum = 0;
    let counted = 0;
    for (let i = 0; i < examples.length; i += batchSize) {
      const part = examples.slice(i, i + batchSize);
      const batch = this.makeBatch(task, part);
      if (decodeOptions !== undefined) batch.decodeOptions = decodeOptions;
      const out = tf.tidy(() => this.forward(task, batch, inferenceContext()));
      try {
        predictions.push(...t.decode(out, batch));
        if (batch.hasTargets) {
          const l = tf.tidy(() => t.loss(out, batch));
          lossSum += (l.dataSync()[0] as number) * batch.size;
          counted += batch.size;
          l.dispose();
        }
      } finally {
        out.dispose();
      }
    }
    return { predictions, lossSum, counted };
  }

  /**
   * Predictions for one task's inputs, each turned into the task's example by its `toExample`: for
   * the built-in tasks the input type follows the task name (sentiment takes texts or `{ text }`,
   * translation quality `{ source, translation }`, summarization documents: a string, its
   * sentences, or `{ sentences }`); a wrong input is a type error. Options beyond `batchSize`,
   * `signal` and `onProgress` go to the task (summarization: `{ selection }`); a task that takes none
   * rejects them.
   */
  async predict<N extends keyof KnownTaskIO>(task: N, inputs: readonly KnownTaskIO[N]['input'][], options?: PredictOptions & KnownTaskIO[N]['options']): Promise<KnownTaskIO[N]['output'][]>;
  async predict<P = unknown, N extends string = string>(task: N extends keyof KnownTaskIO ? never : N, inputs: readonly unknown[], options?: PredictOptions & CallOptions): Promise<P[]>;
  async predict(task: string, inputs: readonly unknown[], options: PredictOptions & CallOptions = {}): Promise<unknown[]> {
    const t = this.task(task);
    if (!this.builtHeads.has(task)) throw new Error(`task "${task}" has no head yet (train the model or give the task its labels)`);
    const decodeOptions = this.decodeOptionsOf(t, options);
    const examples = t.toExample ? inputs.map((x) => t.toExample!(x)) : [...inputs];
    const batchSize = options.batchSize ?? 256;
    const started = Date.now();
    throwIfAborted(options.signal);
    await this.ensureFeatures({ [task]: examples }, options);
    const out: unknown[] = [];
    for (let i = 0; i < examples.length; i += batchSize) {
      throwIfAborted(options.signal);
      out.push(...this.predictBatch(task, examples.slice(i, i + batchSize), batchSize, decodeOptions).predictions);
      const elapsedMs = Date.now() - started;
      options.onProgress?.({ phase: 'predict', done: out.length, total: examples.length, elapsedMs, etaMs: (elapsedMs / out.length) * (examples.length - out.length) });
    }
    return out;
  }

  /** The task's decode options of one call (undefined when it gives none); an Error for options the task does not take. */
  private decodeOptionsOf(t: AnyTask, options: CallOptions): unknown {
    const call = Object.fromEntries(Object.entries(options).filter(([k, v]) => !COMMON_OPTIONS.includes(k) && v !== undefined));
    if (t.decodeOptions) return Object.keys(call).length ? t.decodeOptions(call) : undefined;
    const keys = Object.keys(call);
    if (keys.length) throw new Error(`task "${t.name}" (type ${t.type}) takes no prediction option ${keys.join(', ')} (known: ${COMMON_OPTIONS.join(', ')})`);
    return undefined;
  }

  /**
   * Sentiment of each text: `{ label, score, probabilities }` (the task named `sentiment`, or
   * `options.task`).
   */
  async sentiment(texts: readonly string[], options: { task?: string } = {}): Promise<SentimentPrediction[]> {
    return this.predict<SentimentPrediction, string>(options.task ?? 'sentiment', texts);
  }

  /**
   * Quality score of each translation given its source (no reference), in the training target's
   * scale. A model trained with the `model-score` feature uses each pair's `modelScore` (the MT
   * system's own score) when given, else the training mean.
   */
  async scoreTranslation(pairs: readonly { source: string; translation: string; modelScore?: number }[], options: { task?: string } = {}): Promise<number[]> {
    const examples = pairs.map((p) => ({ source: p.source, translation: p.translation, ...(p.modelScore !== undefined ? { modelScore: p.modelScore } : {}) }));
    return this.predict<number, string>(options.task ?? 'translation-quality', examples);
  }

  /**
   * Extractive summary of a document (a string, split into sentences, or its sentences): the top
   * sentences by count, ratio or word budget, in document order; selection options not given come
   * from the task's `inference` (tasks/summarization.yaml). The same as
   * `predict(task, [document], { selection })`.
   */
  async summarize(document: string | readonly string[], options: SelectionOptions & { task?: string } = {}): Promise<SummarizationPrediction> {
    const { task: name = 'summarization', ...selection } = options;
    const [prediction] = await this.predict<SummarizationPrediction, string>(name, [document], { selection });
    return prediction as SummarizationPrediction;
  }

  /** Metrics (plus dev `loss`) per task on labelled examples. */
  async evaluate(data: Record<string, readonly unknown[]>, options: PredictOptions = {}): Promise<Record<string, Record<string, number>>> {
    throwIfAborted(options.signal);
    await this.ensureFeatures(data, options);
    throwIfAborted(options.signal);
    return this.evaluateCached(data, options.batchSize);
  }

  evaluateCached(data: Record<string, readonly unknown[]>, batchSize = 256): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [name, examples] of Object.entries(data)) {
      if (!examples.length) continue;
      const { predictions, lossSum, counted } = this.predictBatch(name, examples, batchSize);
      const m = this.task(name).metrics(examples, predictions);
      if (counted > 0) m.loss = lossSum / counted;
      out[name] = m;
    }
    return out;
  }

  metricDirections(): Record<string, Record<string, MetricDirection>> {
    return Object.fromEntries(this.taskNames.map((n) => [n, { ...this.task(n).metricDirections, loss: 'lower' as const }]));
  }

  /** Learned task relations: cross-stitch α matrices, MMoE mean gate weights per task. */
  taskRelations(): TaskRelations {
    return this.architecture.relations();
  }

  // ---------------------------------------------------------------- from a saved model

  /** Check a parsed manifest.json (`source` names it in errors). */
  static checkManifest(m: unknown, source: string): Manifest {
    const x = m as Manifest | null;
    if (!x || x.format !== MANIFEST_FORMAT) throw new Error(`${source}: not a ${MANIFEST_FORMAT} manifest`);
    if (x.formatVersion !== MANIFEST_VERSION) throw new Error(`${source}: format version ${String(x.formatVersion)} not supported (expected ${MANIFEST_VERSION})`);
    if (!x.weights || typeof x.weights.sha256 !== 'string' || !Array.isArray(x.tasks)) throw new Error(`${source}: incomplete manifest`);
    return x;
  }

  /**
   * Decode the weights file's bytes and check them against the manifest: size, `digest` (the
   * bytes' sha256 in hex; utils/hash.ts' sha256Hex computes it anywhere) and parameter shapes.
   */
  static decodeWeights(bytes: Uint8Array, manifest: Manifest, source: string, digest: string): Map<string, NamedArray> {
    if (bytes.length !== manifest.weights.bytes) {
      throw new Error(`${source}: ${bytes.length} bytes, manifest expects ${manifest.weights.bytes} (truncated or replaced)`);
    }
    const { tensors } = decodeSafetensors(bytes, source);
    if (digest !== manifest.weights.sha256) throw new Error(`${source}: sha256 ${digest} does not match the manifest (${manifest.weights.sha256}); the file was modified or corrupted`);
    for (const [name, shape] of Object.entries(manifest.weights.params)) {
      const t = tensors.get(name);
      if (!t) throw new Error(`${source}: parameter "${name}" listed in the manifest is missing`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new Error(`${source}: parameter "${name}" has shape [${t.shape.join(', ')}], manifest says [${shape.join(', ')}]`);
      }
    }
    return tensors;
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
    const enc = manifest.encoder;
    if (options.encoder) {
      const info = options.encoder.info;
      if (enc.sha256 !== null && info.sha256 !== enc.sha256) {
        throw new Error(
          `encoder mismatch: the model in ${options.source} was trained on features of ${enc.model} (sha256 ${enc.sha256}), ` +
            `but the given encoder is ${info.model} (sha256 ${info.sha256})`,
        );
      }
      if (info.dim !== enc.dim) throw new Error(`encoder mismatch: model expects dim ${enc.dim}, the given encoder has dim ${info.dim}`);
      const trained = enc.layer ?? null;
      const given = innerLayer(info);
      if (trained !== given) {
        const say = (l: number | null) => (l === null ? 'the last layer' : `layer ${l}`);
        throw new Error(
          `encoder mismatch: the model in ${options.source} was trained on features of ${say(trained)} of ${enc.model}, but the given encoder reads ${say(given)}; ` +
            `load the encoder with ${trained === null ? 'no layer option' : `{ layer: ${trained} }`}`,
        );
      }
    }
    const tasks = manifest.tasks.map((spec) => taskFromSpec(spec));
    const createOpts: CreateOptions = {
      encoder: options.encoder ?? { dim: enc.dim, id: enc.model },
      tasks,
      architecture: manifest.architecture,
      sharedLayers: manifest.sharedLayers,
      seed: manifest.seed,
      ...(manifest.taskLayers ? { taskLayers: manifest.taskLayers } : {}),
      log: options.log ?? false,
    };
    if (options.features) createOpts.features = options.features;
    if (options.backend) createOpts.backend = options.backend;
    const model = await create(createOpts);
    // keep the stored identity even without an encoder object
    (model as { encoderIdentity: EncoderIdentity }).encoderIdentity = enc;
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
