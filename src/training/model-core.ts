/**
 * The model itself, the same in Node and in browsers: its network (./model-network.ts: encoder
 * features → shared layers → one head per task, construction and forward passes) with what a user
 * calls on it: prediction (loops in ./model-predict.ts) and its shortcuts, evaluation, and building
 * a model from a saved manifest + weights given as bytes (checked by ./saved-model.ts; the save
 * format: ./format.ts). Node adds training and folders (model.ts); the browser entry adds loading
 * from URLs.
 */
import { env } from '../utils/env.js';
import type { SentimentPrediction } from '../tasks/sentiment/index.js';
import type { SelectionOptions, SummarizationPrediction } from '../tasks/summarization/index.js';
import { throwIfAborted } from '../utils/progress.js';
import { type CallOptions, type MetricDirection } from '../tasks/types.js';
import { initBackend, type BackendName } from './backend.js';
import type { NamedArray } from './safetensors.js';
import type { EncoderIdentity, Manifest } from './format.js';
import { checkManifest, decodeWeights, type SyntheticEncoder } from './saved-model.js';
import { createOptionsOf, type CreateOptions, type KnownTaskIO, type LoadOptions, type PredictOptions } from './model-options.js';
import { UserError } from '../errors.js';
import { evaluateCached, predictBatch, predictInputs } from './model-predict.js';
import { MultiTaskNetwork } from './model-network.js';

export type { CreateOptions, KnownTaskIO, LoadOptions, PredictOptions, SyntheticEncoder };
export type { FinetuneHandle } from './model-network.js';

export class MultiTaskModelCore extends MultiTaskNetwork {
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
}
