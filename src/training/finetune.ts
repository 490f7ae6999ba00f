/**
 * Joint fine-tuning of the encoder's top layers with the heads (MT-DNN style: every task's batches
 * train the one shared encoder). The encoder is split at layer k = R − layers, where R is the layer the
 * tasks read (the last, L, or the encoder's `layer` option): the frozen bottom is the encoder's layer
 * cut (`atLayer(k)`, token states, cached per text), the top layers k+1 … R a
 * {@link TrainableTop} (src/finetune) trained with AdamW in TypeScript on its own schedule (warm-up,
 * linear decay, optional layer-wise decay). The pooled vectors (pooled as the encoder pools them)
 * replace the feature store's vectors as the heads' input; the trainer (./finetune-step.ts) hands
 * them to TensorFlow.js as variables so every weighting returns their gradient.
 *
 * In eval mode (no dropout) {@link EncoderFinetune.asEncoder} is a SentenceEncoder whose vectors are
 * the fine-tuned encoder's, so evaluation and prediction go through the feature store as before.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cutAtLayer } from '../encoder/layers.js';
import { isPairKey, pairKey, parsePairKey } from '../encoder/pairs.js';
import type { EncodeOptions, EncodeResult, SentenceEncoder, TokenEncodeResult } from '../encoder/types.js';
import { UserError } from '../errors.js';
import { Float32AdamW, TrainableTop, type Float32AdamWState } from '../finetune/index.js';
import { exportFinetuned } from './finetune-export.js';
import { checkFinetuneOptions, type FinetuneOptions } from './finetune-options.js';
import { gatherRows, lengthBuckets, padRows, scatterRows, type TopChunk } from './finetune-buckets.js';
import { joinStates, poolBackward, poolStates, type TopPooling } from './finetune-pool.js';

/** One forward pass of the top (in length buckets): its output states [n, T, d] (zero at padding) and what backward needs. */
export interface TopPass {
  chunks: TopChunk[];
  states: Float32Array;
  mask: Uint8Array;
  dims: [number, number, number];
}

export { checkFinetuneOptions, FINETUNE_DEFAULTS, type FinetuneOptions } from './finetune-options.js';

/**
 * {@link EncoderFinetune.summary}: layers `read` − `layers` + 1 … `read` of `of` trained (`read` < `of`:
 * the tasks read an inner layer, the layers above it are dropped); the bottom's cache and how many
 * inputs it computed or served.
 */
export interface FinetuneSummary {
  layers: number;
  of: number;
  read: number;
  cache: { entries: number; mb: number };
  bottom: { computed: number; cached: number };
}

export class EncoderFinetune {
  readonly config: Required<FinetuneOptions>;
  private readonly cache = new Map<string, Float32Array>();
  private cacheBytes = 0;
  private readonly optimizers: Float32AdamW[];
  /** Optimizer steps taken (the schedule's position). */
  steps = 0;
  /** Bottom forward passes run (cache misses) and served from the cache, for reports. */
  readonly stats = { computed: 0, cached: 0 };

  private constructor(
    readonly source: SentenceEncoder,
    readonly bottom: SentenceEncoder,
    readonly top: TrainableTop,
    readonly onnxFile: string,
    readonly pooling: TopPooling,
    config: Required<FinetuneOptions>,
    readonly totalLayers: number,
    /** The layer the tasks read: the top's last layer (totalLayers, or the encoder's `layer` option). */
    readonly readLayer: number,
  ) {
    this.config = config;
    this.optimizers = top.layers.map(() => new Float32AdamW({ lr: config.lr, weightDecay: config.weightDecay }));
  }

  /** Checks the options against the encoder and opens the bottom cut and the trainable top. */
  static async create(encoder: SentenceEncoder, options: FinetuneOptions, seed: number): Promise<EncoderFinetune> {
    const config = checkFinetuneOptions(options);
    const where = `finetune.layers = ${config.layers}`;
    if (typeof encoder.atLayer !== 'function' || typeof encoder.encodeTokens !== 'function') {
      throw new UserError(
        `${where}: the encoder ${encoder.info.model} cannot be split into a frozen bottom and a trainable top (it has no atLayer/encodeTokens); use an Encoder`,
      );
    }
    const { info } = encoder;
    if (info.pooling === 'sentence_embedding')
      throw new UserError(
        `${where}: the encoder pools inside its graph (sentence_embedding output); set encoder.pooling to mean or cls to fine-tune it`,
      );
    const rel = info.files.find((f) => f.endsWith('.onnx'));
    const file = rel === undefined ? '' : join(info.model, rel);
    if (!existsSync(file))
      throw new UserError(
        `${where}: the encoder's ONNX file is not on disk (${file || info.model}); fine-tuning needs a local model folder`,
      );
    // the layer count: the embeddings' cut knows it (the cut at `fromLayer` is opened next in any case)
    const of = (await encoder.atLayer(0)).info.layer?.of ?? 0;
    // an encoder read at an inner layer R (`layer` option) fine-tunes the layers up to R: the top ends at R
    const read = info.layer ? info.layer.index : of;
    if (config.layers > read)
      throw new UserError(
        read === of
          ? `${where}: the encoder ${info.model} has ${of} layers; fine-tune at most ${of}`
          : `${where}: the encoder ${info.model} is read at layer ${read} of ${of}; fine-tune at most ${read} (the layers up to the one read)`,
      );
    const fromLayer = read - config.layers;
    const bottom = await encoder.atLayer(fromLayer);
    let top: TrainableTop;
    try {
      // read below the last layer: the top is rebuilt from the graph cut at R (layers above R dropped)
      const source = read === of ? file : (cutAtLayer(new Uint8Array(await readFile(file)), read, file).bytes as Uint8Array);
      top = await TrainableTop.fromOnnx(source, { fromLayer, dropout: config.dropout, seed });
    } catch (err) {
      throw new UserError(`${where}: ${(err as Error).message}`);
    }
    return new EncoderFinetune(encoder, bottom, top, file, info.pooling, config, of, read);
  }

  get dim(): number {
    return this.top.hidden;
  }

  /** Token states [length, d] at the cut of encoder inputs (texts and pairs), from the cache where it holds them. */
  private async bottomStates(keys: readonly string[]): Promise<Float32Array[]> {
    const d = this.dim;
    const missing = [...new Set(keys.filter((k) => !this.cache.has(k)))];
    const fresh = new Map<string, Float32Array>();
    if (missing.length) {
      const singles = missing.filter((k) => !isPairKey(k));
      const pairs = missing.filter((k) => isPairKey(k));
      const put = (ks: string[], r: TokenEncodeResult) => {
        const [, L] = r.dims;
        ks.forEach((k, i) => fresh.set(k, r.data.slice(i * L * d, (i * L + (r.lengths[i] as number)) * d)));
      };
      if (singles.length) put(singles, await (this.bottom.encodeTokens as NonNullable<SentenceEncoder['encodeTokens']>)(singles));
      if (pairs.length) {
        if (!this.bottom.encodePairTokens)
          throw new Error(`the encoder ${this.bottom.info.model} cannot give token states of text pairs (no encodePairTokens)`);
        put(pairs, await this.bottom.encodePairTokens(pairs.map(parsePairKey)));
      }
      this.stats.computed += missing.length;
      for (const [k, v] of fresh) {
        if ((this.cacheBytes + v.byteLength) / 2 ** 20 > this.config.cacheMB) break;
        this.cache.set(k, v);
        this.cacheBytes += v.byteLength;
      }
    }
    this.stats.cached += keys.length - missing.length;
    return keys.map((k) => (this.cache.get(k) ?? fresh.get(k)) as Float32Array);
  }

  /** Changes of the top's weights (steps and loads): vectors computed at another version are stale. */
  private version = 0;
  private seen: { store: object; version: number } | null = null;
  /** Clears `store` when the top changed since its vectors were computed (or it is another store). */
  refresh(store: { clear(): void }): void {
    if (this.seen?.store === store && this.seen.version === this.version) return;
    if (this.seen?.store === store || this.version > 0) store.clear();
    this.seen = { store, version: this.version };
  }

  /** Replaces the top's weights (e.g. the best ones, at the end of an early-stopped run). */
  loadWeights(weights: ReadonlyMap<string, Float32Array>): void {
    this.top.load(weights);
    this.version += 1;
  }

  /** What the run fine-tuned and what the bottom's cache did, for reports. */
  summary(): FinetuneSummary {
    return { layers: this.config.layers, of: this.totalLayers, read: this.readLayer, cache: this.cacheSize, bottom: { ...this.stats } };
  }

  /** Cached bottom states: texts and their memory (MiB). */
  get cacheSize(): { entries: number; mb: number } {
    return { entries: this.cache.size, mb: this.cacheBytes / 2 ** 20 };
  }

  /**
   * Pooled vectors [n, d] of feature-store keys (texts or pair keys) through bottom and top; in
   * training (dropout on) also the pass that {@link backward} needs.
   */
  async pooled(keys: readonly string[], train: boolean): Promise<{ vectors: Float32Array; pass: TopPass }> {
    const per = await this.bottomStates(keys);
    const d = this.dim;
    const lengths = per.map((s) => s.length / d);
    const n = keys.length;
    const T = Math.max(1, ...lengths);
    const states = new Float32Array(n * T * d);
    const mask = new Uint8Array(n * T);
    const chunks: TopChunk[] = [];
    // rows of similar length run together, so a batch of short and long inputs pads little
    for (const rows of lengthBuckets(lengths)) {
      const b = padRows(per, rows, d);
      const { output, tape } = await this.top.forward(b.data, b.dims, b.mask, { train });
      scatterRows(output, b.dims[1], rows, lengths, states, T, d);
      for (const r of rows) mask.fill(1, r * T, r * T + (lengths[r] as number));
      chunks.push({ rows, lengths: rows.map((r) => lengths[r] as number), tape, T: b.dims[1] });
    }
    const vectors = poolStates(states, mask, n, T, d, this.pooling, this.source.info.normalize);
    return { vectors, pass: { chunks, states, mask, dims: [n, T, d] } };
  }

  /**
   * Back-propagates into the top's pending gradients d loss / d pooled [n, d] (through the pooling)
   * plus d loss / d token states [n, T, d] (heads that pool the top's states themselves), either may be null.
   */
  async backward(pass: TopPass, gradPooled: Float32Array | null, gradStates: Float32Array | null = null): Promise<void> {
    const [n, T, d] = pass.dims;
    if (gradStates && gradStates.length !== n * T * d)
      throw new Error(`token-state gradient has ${gradStates.length} values, the top's output ${n}×${T}×${d}`);
    let g: Float32Array;
    if (gradPooled) {
      g = poolBackward(gradPooled, pass.states, pass.mask, n, T, d, this.pooling, this.source.info.normalize);
      if (gradStates) for (let i = 0; i < g.length; i++) g[i] = g[i]! + gradStates[i]!;
    } else g = gradStates ?? new Float32Array(n * T * d);
    for (const c of pass.chunks) await this.top.backward(c.tape, gatherRows(g, T, c, d));
  }

  /** The top's learning rate at optimizer step `step` of `total` (warm-up, then linear decay to 0). */
  learningRate(step: number, total: number): number {
    const warm = Math.round(this.config.warmup * total);
    if (step < warm) return (this.config.lr * (step + 1)) / warm;
    return total > warm ? (this.config.lr * Math.max(0, total - step)) / (total - warm) : this.config.lr;
  }

  /** One AdamW update of the top with the pending gradients (layer L − i at lr · layerDecay^i). */
  step(step: number, total: number): void {
    const lr = this.learningRate(step, total);
    const n = this.optimizers.length;
    this.optimizers.forEach((o, i) => (o.lr = lr * this.config.layerDecay ** (n - 1 - i)));
    const first = this.top.layers[0]?.index ?? 0;
    this.top.step((name) => this.optimizers[Number(/^layer\.(\d+)\./.exec(name)?.[1] ?? first) - first] as Float32AdamW);
    this.steps += 1;
    this.version += 1;
  }

  /** Checkpoint state: the top's weights, each layer's AdamW state, the dropout draws. */
  state(): { weights: Map<string, Float32Array>; optimizers: Float32AdamWState[]; draws: number; steps: number } {
    return { weights: this.top.weights(), optimizers: this.optimizers.map((o) => o.state()), draws: this.top.draws, steps: this.steps };
  }

  load(state: { weights: ReadonlyMap<string, Float32Array>; optimizers: Float32AdamWState[]; draws: number; steps: number }): void {
    if (state.optimizers.length !== this.optimizers.length)
      throw new Error(`finetune checkpoint has ${state.optimizers.length} layer optimizers, this top ${this.optimizers.length}`);
    this.top.load(state.weights);
    state.optimizers.forEach((s, i) => this.optimizers[i]?.load(s));
    this.top.draws = state.draws;
    this.steps = state.steps;
    this.version += 1;
  }

  /**
   * The fine-tuned encoder in eval mode (no dropout) as a SentenceEncoder: bottom cut, then the
   * current top; its token states (`encodeTokens`) are the top's output, as a frozen encoder's last
   * hidden state.
   */
  asEncoder(): SentenceEncoder {
    const d = this.dim;
    const run = async (keys: readonly string[]): Promise<EncodeResult> => {
      const data = new Float32Array(keys.length * d);
      for (let i = 0; i < keys.length; i += 64) data.set((await this.pooled(keys.slice(i, i + 64), false)).vectors, i * d);
      return { dims: [keys.length, d], data };
    };
    const tokens = async (keys: readonly string[]): Promise<TokenEncodeResult> => {
      const parts: TopPass[] = [];
      for (let i = 0; i < keys.length; i += 64) parts.push((await this.pooled(keys.slice(i, i + 64), false)).pass);
      return joinStates(parts);
    };
    const info = { ...this.source.info, model: `${this.source.info.model} (top ${this.config.layers} fine-tuned)` };
    return {
      info,
      encode: (texts: readonly string[], _o?: EncodeOptions) => run(texts),
      encodePairs: (pairs: readonly (readonly [string, string])[], _o?: EncodeOptions) => run(pairs.map(([a, b]) => pairKey(a, b))),
      encodeTokens: (texts: readonly string[]) => tokens(texts),
      encodePairTokens: (pairs: readonly (readonly [string, string])[]) => tokens(pairs.map(([a, b]) => pairKey(a, b))),
      dispose: async () => {},
    };
  }

  /** Writes the fine-tuned encoder as a Hugging Face model folder (see ./finetune-export.ts). */
  exportTo(dir: string): Promise<{ sha256: string; files: Record<string, string> }> {
    return exportFinetuned(this.top, this.source.info.model, dir, this.readLayer);
  }

  async dispose(): Promise<void> {
    await this.top.dispose();
  }
}
