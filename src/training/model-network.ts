/**
 * The network of a multitask model: frozen encoder features → architecture (shared trainable
 * layers) → one head per task. Building it from the create options, preparing tasks and their
 * heads, the feature batches, the forward pass and loss, and its weights replaced by a saved
 * model's. The model's API on top (prediction, evaluation, building from a saved model) is
 * ./model-core.ts. The network knows tasks only through the task contract (src/tasks/types.ts).
 */
import * as tf from '../utils/tf.js';
import type { EncodeOptions, SentenceEncoder } from '../encoder/types.js';
import { createArchitecture, type Architecture, type TaskRelations } from '../architectures/index.js';
import type { AnyTask, TaskBatch } from '../tasks/types.js';
import type { BackendName } from './backend.js';
import { FeatureStore } from './features.js';
import type { ForwardContext, SharedLayersConfig } from '../nn/layers.js';
import { ParamStore } from '../nn/params.js';
import type { NamedArray } from './safetensors.js';
import type { EncoderIdentity, Manifest } from './format.js';
import { identityOf, isSentenceEncoder } from './saved-model.js';
import { checkCreateOptions, checkFinetuneTasks, sharedLayersOf, type CreateOptions } from './model-options.js';
import { UserError } from '../errors.js';
import { featureKeys, makeTaskBatch } from './model-features.js';

/** What the network needs of a fine-tuned top: to drop feature vectors the last update made stale. */
export interface FinetuneHandle {
  refresh(store: FeatureStore): void;
}

/** Tasks, heads and shared layers, with their parameters; what the model (./model-core.ts) predicts and trains with. */
export class MultiTaskNetwork {
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
  /** The tasks whose head is built. */
  protected readonly builtHeads = new Set<string>();

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

  /** Learned task relations: cross-stitch α matrices, MMoE mean gate weights per task. */
  taskRelations(): TaskRelations {
    return this.architecture.relations();
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
