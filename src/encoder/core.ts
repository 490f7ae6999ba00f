/**
 * The platform-independent encoder: texts and pairs in, vectors and token states out. Loading is a recipe
 * of named steps (load.ts); the encode paths have their own modules: the pooled path with the embedding
 * cache and de-duplication (encode-pooled.ts), the token-level path (encode-tokens.ts), and the
 * tokenizing and batched session runs both share (encode-run.ts, over the batch scheduler in batching.ts).
 * The platform entries (index.ts for Node, index.browser.ts) supply the ORT backend, model resolution
 * and the cache.
 */
import { notice } from '../utils/env.js';
import { throwIfAborted } from '../utils/progress.js';
import type { EncodeOptions, EncodeResult, EncoderInfo, SentenceEncoder, TokenEncodeResult } from './types.js';
import type { BackendSession, Provider } from './backend/types.js';
import type { Logger } from './backend/fallback.js';
import { EncodeRun, type EncoderStats, type Tokenize } from './encode-run.js';
import { encodePooled } from './encode-pooled.js';
import { encodeTokenStates } from './encode-tokens.js';
import { buildFeeds } from './feeds.js';
import {
  batchSizes,
  cacheConfigKey,
  checkOptions,
  chooseMaxLength,
  describeEncoder,
  openSession,
  readGraph,
  resolveModelFiles,
  settleAutoDtype,
  type EncoderLoadOptions,
  type Platform,
} from './load.js';
import type { EmbeddingCache } from './lru.js';
import { checkPairs, checkTexts, textKeys } from './inputs.js';
import { LayerSiblings } from './siblings.js';
import { pairKey } from './pairs.js';
import { TruncatingTokenizer } from './tokenize.js';
import { UserError } from '../errors.js';

/** Internal constructor arguments of {@link EncoderCore}. */
export interface CoreInit {
  info: EncoderInfo;
  session: BackendSession;
  tok: TruncatingTokenizer;
  pooledOutput: string;
  tokenOutput: string | undefined;
  batchTokens: number;
  maxBatchSize: number;
}

/** Notices go to the application's logger (env.logger), if it set one. */
function defaultLogger(message: string): void {
  notice(message);
}

export class EncoderCore implements SentenceEncoder {
  readonly stats: EncoderStats = { runs: 0, tokenized: 0, cacheHits: 0 };
  private disposed = false;

  readonly info: EncoderInfo;
  private readonly session: BackendSession;
  private readonly tok: TruncatingTokenizer;
  private readonly pooledOutput: string;
  private readonly tokenOutput: string | undefined;
  private cache: EmbeddingCache | null = null;
  /** This model at other layers (set by `create`); see {@link atLayer}. */
  private siblings: LayerSiblings<EncoderCore> | null = null;
  /** Tokenizing and batched session runs, shared by the encode paths. */
  private readonly run: EncodeRun;

  /** Internal: use the platform entry's `Encoder.load`. */
  constructor(init: CoreInit) {
    this.info = init.info;
    this.session = init.session;
    this.tok = init.tok;
    this.pooledOutput = init.pooledOutput;
    this.tokenOutput = init.tokenOutput;
    this.run = new EncodeRun({ ...init, stats: this.stats });
  }

  /** Loads `model` on `platform`: the steps of load.ts, in order, then the output width and the cache. */
  static async create<T extends EncoderCore>(
    this: new (init: CoreInit) => T,
    platform: Platform,
    model: string,
    options: EncoderLoadOptions = {},
  ): Promise<T> {
    const log: Logger = options.logger ?? defaultLogger;
    const checked = checkOptions(platform, options);
    let files = await resolveModelFiles(platform, model, checked, options.layer);
    const maxLength = chooseMaxLength(files.bundle, options.maxLength, log);
    const tok = new TruncatingTokenizer(files.bundle.tokenizer, { maxLength });
    const opened = await openSession(platform, files.bundle.source, checked, options, log);
    files = await settleAutoDtype(platform, model, files, opened, checked, options.layer);
    const { session, provider } = opened;
    try {
      const graph = readGraph(session, model, checked.pooling);
      const info = describeEncoder(files, opened, graph, checked, maxLength);
      const enc = new this({
        info,
        session,
        tok,
        pooledOutput: graph.pooledOutput,
        tokenOutput: graph.tokenOutput,
        ...batchSizes(provider, options),
      });
      enc.siblings = new LayerSiblings<EncoderCore>(enc, (k) => EncoderCore.create.call(this, platform, model, { ...options, layer: k }));
      info.dim = await enc.probeDim();
      if (options.cache) enc.cache = platform.openCache(options.cache, cacheConfigKey(files, info), info.dim, log);
      return enc;
    } catch (err) {
      await session.release().catch(() => undefined);
      throw err;
    }
  }

  /** Output width: from the graph's metadata when static, else one tiny run. */
  private async probeDim(): Promise<number> {
    const shape = this.session.outputInfo?.find((o) => o.name === this.pooledOutput)?.shape;
    const last = shape?.[shape.length - 1];
    if (typeof last === 'number' && last > 0) return last;
    const { feeds } = buildFeeds([{ index: 0, ids: this.tok.encode('') }], this.tok.padId, this.session.inputNames);
    const output = (await this.session.run(feeds, [this.pooledOutput]))[this.pooledOutput]!;
    const d = output.dims[output.dims.length - 1];
    if (!d) throw new Error(`cannot determine the output width of '${this.pooledOutput}' (dims ${output.dims.join('x')})`);
    return d;
  }

  private check(texts: readonly string[]): void {
    if (this.disposed) throw new Error('encoder has been disposed');
    checkTexts(texts);
  }

  /** The pooled path (encode-pooled.ts) over `keys`, the cache keys of the items `tokenize` reads. */
  private pooled(keys: readonly string[], tokenize: Tokenize, options: EncodeOptions): Promise<EncodeResult> {
    const { run, info, pooledOutput, cache, stats } = this;
    return encodePooled({ run, info, pooledOutput, cache, stats }, keys, tokenize, options);
  }

  /** The token-level path (encode-tokens.ts) over `n` items that `tokenize` reads. */
  private tokenStates(n: number, tokenize: Tokenize): Promise<TokenEncodeResult> {
    const { run, info, pooledOutput, tokenOutput } = this;
    return encodeTokenStates({ run, info, pooledOutput, tokenOutput, outputNames: this.session.outputNames }, n, tokenize);
  }

  /**
   * One pooled vector per text (pooling and normalisation as the encoder was loaded), in input order;
   * batches are formed by length, cached when the encoder has a cache, cancellable with `signal`.
   * @example
   * const { dims, data } = await encoder.encode(['The museum opens at nine.', 'Das Museum öffnet um neun Uhr.']);
   * dims               // [2, 256]: one row per text, `info.dim` columns (mtl:mini)
   * data.slice(0, 3)   // Float32Array [0.5409, 0.1913, -0.1506]: row-major, text i at data[i * dim …]
   * await encoder.encode(texts, { signal, onProgress: (e) => console.log(e.done, e.total, e.etaMs) });
   */
  async encode(texts: readonly string[], options: EncodeOptions = {}): Promise<EncodeResult> {
    this.check(texts);
    throwIfAborted(options.signal);
    return this.pooled(textKeys(texts), (i) => this.run.textItem(texts, i), options);
  }

  /**
   * Vectors of text pairs, each encoded as ONE sequence (`[CLS] a [SEP] b [SEP]`, token types 0/1
   * for BERT-style models, as transformers.js' `tokenizer(a, { text_pair: b })`), pooled like single
   * texts; cached under {@link pairKey}, so a pair never shares a cache entry with a text.
   */
  async encodePairs(pairs: readonly (readonly [string, string])[], options: EncodeOptions = {}): Promise<EncodeResult> {
    checkPairs(pairs);
    const keys = pairs.map(([a, b]) => pairKey(a, b));
    this.check(keys);
    return this.pooled(keys, (i) => this.run.pairItem(pairs, i), options);
  }

  /** Token ids and types of a text pair as the encoder feeds it; for inspection and tests. */
  tokenizePair(a: string, b: string): { ids: number[]; tokenTypeIds: number[] } {
    if (typeof a !== 'string' || typeof b !== 'string') throw new TypeError('a and b must be strings');
    const { ids, typeStart } = this.tok.encodePair(a, b);
    return { ids, tokenTypeIds: ids.map((_, j) => (j >= typeStart ? 1 : 0)) };
  }

  /**
   * Token-level states ([n, maxLen, d], zero at padding) and the attention mask; not cached.
   * @example
   * const t = await encoder.encodeTokens(['The museum opens at nine.']);
   * t.dims          // [1, 8, 256]: texts × longest length (with [CLS]/[SEP]) × dim
   * t.lengths       // [8]; t.attentionMask: 1 for real tokens, 0 for padding
   */
  async encodeTokens(texts: readonly string[]): Promise<TokenEncodeResult> {
    this.check(texts);
    return this.tokenStates(texts.length, (i) => this.run.textItem(texts, i));
  }

  /** Token-level states of text pairs, each encoded as one sequence as {@link encodePairs} does (token types 0/1); not cached. */
  async encodePairTokens(pairs: readonly (readonly [string, string])[]): Promise<TokenEncodeResult> {
    checkPairs(pairs);
    const keys = pairs.map(([a, b]) => pairKey(a, b));
    this.check(keys);
    return this.tokenStates(keys.length, (i) => this.run.pairItem(pairs, i));
  }

  /**
   * Token ids (with specials, truncated) as the encoder feeds them; for inspection and tests.
   * @example
   * encoder.tokenize('The museum opens at nine.') // [2, 4343, 9127, 13774, 4433, 9082, 18, 3] with mtl:mini: [CLS] … [SEP]
   */
  tokenize(text: string): number[] {
    if (typeof text !== 'string') throw new TypeError('text must be a string');
    return this.tok.encode(text);
  }

  /**
   * This model read at `layer` (as the `layer` option: 0 = embeddings, k = after layer k, negative from
   * the end): another session over the graph cut there, opened on first use with this encoder's options
   * and disposed with it. The whole model's last layer is this encoder itself when it reads the last.
   * @example
   * const layer4 = await encoder.atLayer(4);
   * layer4.info.layer  // { index: 4, of: 6 } on a 6-layer encoder; layer4.encode(…) as encoder.encode
   */
  async atLayer(layer: number): Promise<SentenceEncoder> {
    if (this.disposed) throw new Error('encoder has been disposed');
    if (!this.siblings) throw new UserError(`the encoder ${this.info.model} cannot open other layers`);
    return this.siblings.at(layer);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.cache?.close();
    await this.siblings?.disposeAll();
    await this.session.release();
  }
}

export type { Provider };
