/**
 * MultiTaskModel in Node: the model (model-core.ts) plus training (fit, trainer.ts) and folders.
 *
 * Save format (a folder):
 *   manifest.json      package version, encoder identity (model, sha256, dtype, pooling, dim),
 *                      architecture + shared layers, tasks (type, label maps, configs), weighting
 *                      config/state, training config, backend, task relations, and the weights
 *                      file's sha256, byte size and parameter shapes.
 *   model.safetensors  all parameters, F32, little-endian (loadable by Python `safetensors`).
 *
 * `MultiTaskModel.fromPretrained(dir)` (or `load(dir)`) opens the encoder the manifest names and
 * checks its sha256, so a saved model predicts in one call.
 */
import { existsSync, readFileSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { SentenceEncoder } from '../encoder/types.js';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../utils/fs.js';
import { packageVersion } from '../utils/paths.js';
import { MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, WEIGHTS_FILE, type Manifest } from './format.js';
import { MultiTaskModelCore, type CreateOptions, type LoadOptions } from './model-core.js';
import { encodeSafetensors, sha256, type NamedArray } from './safetensors.js';
import { train, type FitOptions, type TrainingHistory } from './trainer.js';
import type { EncoderFinetune } from './finetune.js';

export { MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, WEIGHTS_FILE, type EncoderIdentity, type Manifest } from './format.js';
export type { CreateOptions, KnownTaskIO, LoadOptions, PredictOptions, SyntheticEncoder } from './model-core.js';

export interface PretrainedOptions extends Omit<LoadOptions, 'encoder'> {
  /**
   * The encoder: an Encoder object, an id or folder to open instead of the recorded one (the same
   * encoder, e.g. moved), or null to load the weights alone (predictions then need features you
   * provide). Default: the encoder the manifest records, found again and checked by sha256.
   */
  encoder?: SentenceEncoder | string | null;
  /** Where notices about the encoder go (e.g. a corrupt embedding cache rebuilt). */
  warn?: (message: string) => void;
}

/** The folder of a saved model that holds its fine-tuned encoder (Hugging Face layout). */
export const FINETUNED_ENCODER_DIR = 'encoder';

export class MultiTaskModel extends MultiTaskModelCore {
  /** The encoder's top layers trained with the heads ({@link CreateOptions.finetune}); null: frozen. */
  declare finetune: EncoderFinetune | null;

  static override async create(opts: CreateOptions): Promise<MultiTaskModel> {
    const model = new MultiTaskModel(opts, await MultiTaskModelCore.backendFor(opts));
    if (opts.finetune && opts.finetune.layers !== 0) {
      const { EncoderFinetune } = await import('./finetune.js');
      if (!model.encoder)
        throw new UserError(`finetune.layers = ${opts.finetune.layers}: fine-tuning needs an Encoder, not features alone ({ dim })`);
      try {
        model.finetune = await EncoderFinetune.create(model.encoder, opts.finetune, model.seed);
      } catch (err) {
        model.dispose();
        throw err;
      }
      model.encoder = model.finetune.asEncoder();
    }
    return model;
  }

  /**
   * Train; see {@link FitOptions}.
   * @example
   * const history = await model.fit({ sentiment: { train, dev } }, {
   *   epochs: 1, batchSize: 32, optimizer: { type: 'adamw', lr: 1e-3, weightDecay: 0.01 },
   *   onProgress: (e) => console.log(e.done, e.total, e.losses),   // 1 10 { sentiment: 0.7477 }
   *   callbacks: [{ onStepEnd: (run, { eval: ev }) => ev && console.log(run.step, ev.metrics) }],
   * });
   * // history: { backend: 'wasm', totalSteps: 10, stepsPerEpoch: 10, completedSteps: 10,
   * //   steps: [{ step: 1, epoch: 0, tasks: ['sentiment'], losses, lambdas, lr, gradNorm, elapsedMs }, …],
   * //   evals: [{ step: 10, metrics: { sentiment: { accuracy: 0.85, macro_f1: 0.8465, loss: 0.4514 } }, … }],
   * //   best: { step: 10, metric: 'sentiment.accuracy', value: 0.85 }, stopReason: 'completed', … }
   */
  async fit(
    data: Record<string, { train: readonly unknown[]; dev?: readonly unknown[] }>,
    options: FitOptions = {},
  ): Promise<TrainingHistory> {
    return train(this, data, options);
  }

  /** Weights (safetensors bytes) and manifest, as written by save() and checkpoints. */
  serialize(): { manifest: Manifest; weights: Uint8Array } {
    if (!this.headsReady()) throw new UserError('cannot save: some task heads are not built yet (train first or give tasks their labels)');
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
      ...(this.taskLayers.size ? { taskLayers: Object.fromEntries(this.taskLayers) } : {}),
      relations: this.architecture.relations(),
      weighting: this.lastWeighting,
      training: this.lastTraining,
      backend: this.backend,
      weights: { file: WEIGHTS_FILE, sha256: sha256(weights), bytes: weights.length, params },
    };
    return { manifest, weights };
  }

  /**
   * Write `manifest.json` + `model.safetensors` into dir (each file atomically; manifest last).
   * @example
   * await model.save('runs/quick-start');
   * // runs/quick-start/manifest.json (tasks, heads, the encoder's id or relative path and sha256)
   * // runs/quick-start/model.safetensors (the trained weights)
   */
  async save(dir: string): Promise<void> {
    const { manifest, weights } = this.serialize();
    // find the encoder again after the folders move: by id, or by a path relative to the model
    const enc = { ...manifest.encoder };
    if (this.encoderId) enc.id = this.encoderId;
    if (isAbsolute(enc.model) && existsSync(enc.model)) enc.path = relative(resolve(dir), enc.model) || '.';
    manifest.encoder = enc;
    await fsp.mkdir(dir, { recursive: true });
    if (this.finetune) {
      // a fine-tuned encoder is saved inside the model folder, a plain frozen encoder from then on
      const saved = await this.finetune.exportTo(join(dir, FINETUNED_ENCODER_DIR));
      manifest.encoder = {
        ...enc,
        model: resolve(dir, FINETUNED_ENCODER_DIR),
        path: FINETUNED_ENCODER_DIR,
        sha256: saved.sha256,
        dtype: 'fp32',
        layer: null,
        files: saved.files,
      };
      delete manifest.encoder.id;
      manifest.training = { ...(manifest.training ?? {}), finetune: this.finetune.config };
    }
    await writeFileAtomic(join(dir, WEIGHTS_FILE), weights);
    await writeFileAtomic(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  }

  static readManifest(dir: string): Manifest {
    const file = join(dir, MANIFEST_FILE);
    if (!existsSync(file))
      throw new UserError(
        `${file}: missing, so this is not a saved model folder; give the folder that model.save(dir) or mtl train --out wrote`,
      );
    let m: unknown;
    try {
      m = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UserError(
        `${file}: not valid JSON (${(err as Error).message}); the manifest is corrupted: copy the model folder again or retrain it`,
      );
    }
    return MultiTaskModelCore.checkManifest(m, file);
  }

  /** Read and verify the weights file of a saved folder against its manifest. */
  static readWeights(dir: string, manifest: Manifest): Map<string, NamedArray> {
    const file = join(dir, manifest.weights.file);
    if (!existsSync(file))
      throw new UserError(
        `${file}: missing weights file named by the manifest; copy the whole model folder (manifest.json and its weights)`,
      );
    const bytes = new Uint8Array(readFileSync(file));
    return MultiTaskModelCore.decodeWeights(bytes, manifest, file, sha256(bytes));
  }

  /**
   * A saved model folder (or a checkpoint folder), ready to predict: the manifest is read, the
   * encoder it names is opened and checked by sha256 (pass `encoder` to use another copy of it, or
   * null for the weights alone). A model trained on synthetic features needs no encoder.
   * @example
   * const model = await MultiTaskModel.fromPretrained('runs/quick-start');
   * model.taskNames                                        // ['sentiment']
   * await model.predict('sentiment', ['bad .'])            // [{ label: 'negative', score: 1.0, … }]
   * await MultiTaskModel.fromPretrained('runs/moved', { encoder: '../models/mini' }); // the encoder moved
   */
  static async fromPretrained(dir: string, options: PretrainedOptions = {}): Promise<MultiTaskModel> {
    if (/^https?:\/\//.test(dir))
      throw new UserError(`${dir}: loading a saved model from a URL is what the browser entry does; in Node, give the folder`);
    const manifest = MultiTaskModel.readManifest(dir);
    const tensors = MultiTaskModel.readWeights(dir, manifest);
    const { encoder: given, warn, ...rest } = options;
    let encoder: SentenceEncoder | undefined;
    if (given !== null && typeof given === 'object') encoder = given;
    else if (given !== null && manifest.encoder.sha256 !== null) {
      try {
        // the encoder (onnxruntime) loads only when a model needs it: `mtl-nlp/training` alone does not
        const { loadEncoderFor } = await import('./saved-encoder.js');
        encoder = await loadEncoderFor(manifest.encoder, given, warn, dir);
      } catch (err) {
        throw new UserError(
          `${join(dir, MANIFEST_FILE)}: the encoder this model was trained with (${manifest.encoder.id ?? manifest.encoder.model}) could not be opened: ` +
            `${(err as Error).message}. Pass it as { encoder: <Encoder or id/folder> } (the same encoder, sha256 ${manifest.encoder.sha256.slice(0, 12)}…), ` +
            `or { encoder: null } to load the weights alone`,
        );
      }
    }
    return MultiTaskModelCore.fromSaved((o) => MultiTaskModel.create(o), manifest, tensors, {
      ...rest,
      ...(encoder ? { encoder } : {}),
      source: join(dir, manifest.weights.file),
    });
  }

  /**
   * Load a folder written by save() (or a checkpoint folder). Without `options.encoder` this is
   * {@link fromPretrained}: the recorded encoder is opened (or the call fails at once saying how to
   * pass one).
   * @example
   * const model = await MultiTaskModel.load('runs/quick-start', { encoder }); // an encoder already open
   * await MultiTaskModel.load('runs/quick-start', { encoder: null });          // the weights alone
   */
  static async load(dir: string, options: LoadOptions & { encoder?: SentenceEncoder | null } = {}): Promise<MultiTaskModel> {
    return MultiTaskModel.fromPretrained(dir, options);
  }

  /** Frees the weights and, with fine-tuning, the top's ONNX Runtime sessions (released in the background). */
  override dispose(): void {
    super.dispose();
    const ft = this.finetune;
    this.finetune = null;
    if (ft) void ft.dispose().catch(() => {});
  }

  /** Replace this model's weights with a saved folder's (same architecture and tasks). */
  restoreWeights(dir: string): Manifest {
    const manifest = MultiTaskModel.readManifest(dir);
    this.restoreSaved(manifest, MultiTaskModel.readWeights(dir, manifest), join(dir, manifest.weights.file));
    return manifest;
  }
}
