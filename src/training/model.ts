/**
 * MultiTaskModel: frozen encoder features → architecture (shared trainable layers) → one head per
 * task. Training lives in trainer.ts; this file holds construction, forward passes, prediction and
 * the save/load format.
 *
 * Save format (a folder):
 *   manifest.json      package version, encoder identity (model, sha256, dtype, pooling, dim),
 *                      architecture + shared layers, tasks (type, label maps, configs), weighting
 *                      config/state, training config, backend, task relations, and the weights
 *                      file's sha256, byte size and parameter shapes.
 *   model.safetensors  all parameters, F32, little-endian (loadable by Python `safetensors`).
 */
import { splitSentences } from '../data/sentences.js';
import type { SentimentPrediction } from '../tasks/sentiment.js';
import { reselect, type SelectionOptions, type SummarizationPrediction } from '../tasks/summarization.js';
import * as tf from '../utils/tf.js';
import { existsSync, readFileSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { EncodeOptions, EncoderInfo, TextEncoder } from '../encoder/types.js';
import { createArchitecture, type Architecture, type ArchitectureConfig, type TaskRelations } from '../architectures/index.js';
import type { AnyTask, MetricDirection, TaskBatch, TaskSpec } from '../tasks/types.js';
import { writeFileAtomic } from '../utils/fs.js';
import { packageVersion } from '../utils/paths.js';
import { initBackend, type BackendName, type BackendPreference } from './backend.js';
import { FeatureStore } from './features.js';
import { defaultSharedLayers, inferenceContext, ParamStore, type ForwardContext, type SharedLayersConfig } from '../nn/layers.js';
import { decodeSafetensors, encodeSafetensors, sha256, type NamedArray } from './safetensors.js';
import { taskFromSpec } from './task-registry.js';
import { train, type FitOptions, type TrainingHistory } from './trainer.js';
import { MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, WEIGHTS_FILE, type EncoderIdentity, type Manifest } from './format.js';

export { MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, WEIGHTS_FILE, type EncoderIdentity, type Manifest } from './format.js';

/** Synthetic features: only a dimension (tests, benchmarks, precomputed vectors). */
export interface SyntheticEncoder {
  dim: number;
  /** Optional identity string stored in the manifest. */
  id?: string;
}

export interface CreateOptions {
  encoder: TextEncoder | SyntheticEncoder;
  tasks: AnyTask[];
  architecture?: ArchitectureConfig;
  sharedLayers?: Partial<SharedLayersConfig>;
  /** Seeds parameter initialisation (and training, unless fit gets its own seed). */
  seed?: number;
  /** Share an existing feature cache. */
  features?: FeatureStore;
  backend?: BackendPreference;
  /** Log the backend choice (default true). */
  log?: boolean;
}

export interface LoadOptions {
  /** Encoder to use for new texts; its sha256 must match the one the model was trained with. */
  encoder?: TextEncoder;
  features?: FeatureStore;
  backend?: BackendPreference;
  log?: boolean;
}

function isTextEncoder(e: TextEncoder | SyntheticEncoder): e is TextEncoder {
  return typeof (e as TextEncoder).encode === 'function' && (e as TextEncoder).info !== undefined;
}

function identityOf(e: TextEncoder | SyntheticEncoder): EncoderIdentity {
  if (isTextEncoder(e)) {
    const i: EncoderInfo = e.info;
    return { model: i.model, sha256: i.sha256, dtype: i.dtype, pooling: i.pooling, dim: i.dim, normalize: i.normalize, maxLength: i.maxLength };
  }
  return { model: e.id ?? 'synthetic', sha256: null, dtype: null, pooling: null, dim: e.dim, normalize: null };
}

export class MultiTaskModel {
  readonly tasks: ReadonlyMap<string, AnyTask>;
  readonly taskNames: string[];
  readonly store: ParamStore;
  readonly architecture: Architecture;
  readonly features: FeatureStore;
  readonly encoderIdentity: EncoderIdentity;
  readonly sharedLayers: SharedLayersConfig;
  readonly seed: number;
  /** Encoder used for texts without cached features (null for synthetic features). */
  encoder: TextEncoder | null;
  /** How the encoder was named when it is not a local path (hub id, fixture:<variant>, mtl:<name>); saved in the manifest. */
  encoderId?: string;
  backend: BackendName;
  /** Set by fit: weighting and training config, saved in the manifest. */
  lastWeighting: Manifest['weighting'] = null;
  lastTraining: Record<string, unknown> | null = null;
  private readonly builtHeads = new Set<string>();

  private constructor(opts: CreateOptions, backend: BackendName) {
    const names = opts.tasks.map((t) => t.name);
    if (names.length === 0) throw new Error('MultiTaskModel needs at least one task');
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new Error(`duplicate task name "${dup}"`);
    for (const n of names) if (!/^[A-Za-z0-9_-]+$/.test(n)) throw new Error(`task name "${n}" must match [A-Za-z0-9_-]+`);
    this.tasks = new Map(opts.tasks.map((t) => [t.name, t]));
    this.taskNames = names;
    this.encoderIdentity = identityOf(opts.encoder);
    this.encoder = isTextEncoder(opts.encoder) ? opts.encoder : null;
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

  static async create(opts: CreateOptions): Promise<MultiTaskModel> {
    const backend = await initBackend(opts.backend ?? 'auto', { log: opts.log ?? true });
    return new MultiTaskModel(opts, backend);
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
    t.buildHead(this.store, this.architecture.outputDim, `heads.${t.name}`);
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

  /** Encode (once, deduplicated) every text of the given examples that is not cached yet. */
  /** Encode (once, deduplicated) the texts of these examples that have no vector yet. */
  async ensureFeatures(examples: Record<string, readonly unknown[]>, options?: EncodeOptions): Promise<number> {
    const texts: string[] = [];
    for (const [name, list] of Object.entries(examples)) {
      const t = this.task(name);
      for (const e of list) for (const s of t.texts(e)) texts.push(s);
    }
    return this.features.ensure(texts, this.encoder, options);
  }

  makeBatch(task: string, examples: readonly unknown[]): TaskBatch {
    return this.task(task).makeBatch(examples, this.features.lookup, this.dim);
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

  /** Predictions (and loss when the batch has targets) for examples, in batches, no dropout. */
  predictBatch(task: string, examples: readonly unknown[], batchSize = 256): { predictions: unknown[]; lossSum: number; counted: number } {
    const t = this.task(task);
    const predictions: unknown[] = [];
    let lossSum = 0;
    let counted = 0;
    for (let i = 0; i < examples.length; i += batchSize) {
      const part = examples.slice(i, i + batchSize);
      const batch = this.makeBatch(task, part);
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

  async predict<P = unknown>(task: string, examples: readonly unknown[], options: { batchSize?: number } = {}): Promise<P[]> {
    if (!this.builtHeads.has(task)) throw new Error(`task "${task}" has no head yet (train the model or give the task its labels)`);
    await this.ensureFeatures({ [task]: examples });
    return this.predictBatch(task, examples, options.batchSize).predictions as P[];
  }

  /**
   * Sentiment of each text: `{ label, score, probabilities }` (the task named `sentiment`, or
   * `options.task`).
   */
  async sentiment(texts: readonly string[], options: { task?: string } = {}): Promise<SentimentPrediction[]> {
    return this.predict<SentimentPrediction>(options.task ?? 'sentiment', texts.map((text) => ({ text })));
  }

  /**
   * Quality score of each translation given its source (no reference), in the training target's
   * scale. A model trained with the `model-score` feature uses each pair's `modelScore` (the MT
   * system's own score) when given, else the training mean.
   */
  async scoreTranslation(pairs: readonly { source: string; translation: string; modelScore?: number }[], options: { task?: string } = {}): Promise<number[]> {
    return this.predict<number>(
      options.task ?? 'translation-quality',
      pairs.map((p) => ({ source: p.source, translation: p.translation, ...(p.modelScore !== undefined ? { modelScore: p.modelScore } : {}) })),
    );
  }

  /**
   * Extractive summary of a document (a string, split into sentences, or its sentences): the top
   * sentences by count, ratio or word budget, in document order, with trigram blocking.
   */
  async summarize(document: string | readonly string[], options: SelectionOptions & { task?: string } = {}): Promise<SummarizationPrediction> {
    const sentences = typeof document === 'string' ? splitSentences(document) : [...document];
    const [pred] = await this.predict<SummarizationPrediction>(options.task ?? 'summarization', [{ sentences }]);
    const { task: _task, ...selection } = options;
    if (Object.keys(selection).length === 0) return pred!;
    return reselect(pred!, sentences, selection);
  }

  /** Metrics (plus dev `loss`) per task on labelled examples. */
  async evaluate(data: Record<string, readonly unknown[]>, options: { batchSize?: number } = {}): Promise<Record<string, Record<string, number>>> {
    await this.ensureFeatures(data);
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

  /** Train; see {@link FitOptions}. */
  async fit(data: Record<string, { train: readonly unknown[]; dev?: readonly unknown[] }>, options: FitOptions = {}): Promise<TrainingHistory> {
    return train(this, data, options);
  }

  // ---------------------------------------------------------------- save / load

  /** Weights (safetensors bytes) and manifest, as written by save() and checkpoints. */
  serialize(): { manifest: Manifest; weights: Uint8Array } {
    if (!this.headsReady()) throw new Error('cannot save: some task heads are not built yet (train first or give tasks their labels)');
    const tensors = new Map<string, NamedArray>();
    const params: Record<string, number[]> = {};
    for (const e of this.store.list()) {
      tensors.set(e.name, { shape: e.shape, data: e.variable.dataSync() as Float32Array });
      params[e.name] = [...e.shape];
    }
    const pkg = packageVersion();
    const weights = encodeSafetensors(tensors, { format: 'pt', producer: `${pkg.name}@${pkg.version}` });
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      formatVersion: MANIFEST_VERSION,
      package: pkg,
      createdAt: new Date().toISOString(),
      encoder: this.encoderIdentity,
      architecture: this.architecture.config(),
      architectureState: this.architecture.getState(),
      sharedLayers: this.sharedLayers,
      seed: this.seed,
      tasks: this.taskNames.map((n) => this.task(n).toSpec()),
      relations: this.architecture.relations(),
      weighting: this.lastWeighting,
      training: this.lastTraining,
      backend: this.backend,
      weights: { file: WEIGHTS_FILE, sha256: sha256(weights), bytes: weights.length, params },
    };
    return { manifest, weights };
  }

  /** Write `manifest.json` + `model.safetensors` into dir (each file atomically; manifest last). */
  async save(dir: string): Promise<void> {
    const { manifest, weights } = this.serialize();
    // find the encoder again after the folders move: by id, or by a path relative to the model
    const enc = { ...manifest.encoder };
    if (this.encoderId) enc.id = this.encoderId;
    if (isAbsolute(enc.model) && existsSync(enc.model)) enc.path = relative(resolve(dir), enc.model) || '.';
    manifest.encoder = enc;
    await fsp.mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, WEIGHTS_FILE), weights);
    await writeFileAtomic(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  }

  static readManifest(dir: string): Manifest {
    const file = join(dir, MANIFEST_FILE);
    if (!existsSync(file)) throw new Error(`${file}: missing (not a saved model folder)`);
    let m: Manifest;
    try {
      m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    } catch (err) {
      throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
    }
    if (!m || m.format !== MANIFEST_FORMAT) throw new Error(`${file}: not a ${MANIFEST_FORMAT} manifest`);
    if (m.formatVersion !== MANIFEST_VERSION) throw new Error(`${file}: format version ${String(m.formatVersion)} not supported (expected ${MANIFEST_VERSION})`);
    if (!m.weights || typeof m.weights.sha256 !== 'string' || !Array.isArray(m.tasks)) throw new Error(`${file}: incomplete manifest`);
    return m;
  }

  /** Read and verify the weights file of a saved folder against its manifest. */
  static readWeights(dir: string, manifest: Manifest): Map<string, NamedArray> {
    const file = join(dir, manifest.weights.file);
    if (!existsSync(file)) throw new Error(`${file}: missing weights file`);
    const bytes = new Uint8Array(readFileSync(file));
    if (bytes.length !== manifest.weights.bytes) {
      throw new Error(`${file}: ${bytes.length} bytes, manifest expects ${manifest.weights.bytes} (truncated or replaced)`);
    }
    const { tensors } = decodeSafetensors(bytes, file);
    const digest = sha256(bytes);
    if (digest !== manifest.weights.sha256) throw new Error(`${file}: sha256 ${digest} does not match the manifest (${manifest.weights.sha256}); the file was modified or corrupted`);
    for (const [name, shape] of Object.entries(manifest.weights.params)) {
      const t = tensors.get(name);
      if (!t) throw new Error(`${file}: parameter "${name}" listed in the manifest is missing`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new Error(`${file}: parameter "${name}" has shape [${t.shape.join(', ')}], manifest says [${shape.join(', ')}]`);
      }
    }
    return tensors;
  }

  /** Load a folder written by save() (or a checkpoint folder). */
  static async load(dir: string, options: LoadOptions = {}): Promise<MultiTaskModel> {
    const manifest = MultiTaskModel.readManifest(dir);
    const enc = manifest.encoder;
    if (options.encoder) {
      const info = options.encoder.info;
      if (enc.sha256 !== null && info.sha256 !== enc.sha256) {
        throw new Error(
          `encoder mismatch: the model in ${dir} was trained on features of ${enc.model} (sha256 ${enc.sha256}), ` +
            `but the given encoder is ${info.model} (sha256 ${info.sha256})`,
        );
      }
      if (info.dim !== enc.dim) throw new Error(`encoder mismatch: model expects dim ${enc.dim}, the given encoder has dim ${info.dim}`);
    }
    const tensors = MultiTaskModel.readWeights(dir, manifest);
    const tasks = manifest.tasks.map((spec) => taskFromSpec(spec));
    const encoder: TextEncoder | SyntheticEncoder = options.encoder ?? { dim: enc.dim, id: enc.model };
    const createOpts: CreateOptions = {
      encoder,
      tasks,
      architecture: manifest.architecture,
      sharedLayers: manifest.sharedLayers,
      seed: manifest.seed,
      log: options.log ?? false,
    };
    if (options.features) createOpts.features = options.features;
    if (options.backend) createOpts.backend = options.backend;
    const model = await MultiTaskModel.create(createOpts);
    // keep the stored identity even without an encoder object
    (model as { encoderIdentity: EncoderIdentity }).encoderIdentity = enc;
    try {
      model.store.restore(tensors, { source: join(dir, manifest.weights.file) });
    } catch (err) {
      model.dispose();
      throw err;
    }
    model.architecture.setState(manifest.architectureState);
    model.lastWeighting = manifest.weighting;
    model.lastTraining = manifest.training;
    return model;
  }

  /** Replace this model's weights with a saved folder's (same architecture and tasks). */
  restoreWeights(dir: string): Manifest {
    const manifest = MultiTaskModel.readManifest(dir);
    const tensors = MultiTaskModel.readWeights(dir, manifest);
    this.store.restore(tensors, { source: join(dir, manifest.weights.file) });
    this.architecture.setState(manifest.architectureState);
    return manifest;
  }

  dispose(): void {
    this.architecture.dispose();
    this.store.dispose();
  }
}
