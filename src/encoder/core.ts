/**
 * The platform-independent encoder: texts and pairs in, vectors and token states out, through the
 * embedding cache, de-duplication, the batch scheduler (batching.ts) and pooling. Loading is a recipe of
 * named steps (load.ts). The platform entries (index.ts for Node, index.browser.ts) supply the ORT
 * backend, model resolution and the cache.
 */
import { notice } from '../utils/env.js';
import { throwIfAborted } from '../utils/progress.js';
import type { EncodeOptions, EncodeResult, EncoderInfo, SentenceEncoder, TokenEncodeResult } from './types.js';
import type { BackendSession, OutputTensor, Provider } from './backend/types.js';
import type { Logger } from './backend/fallback.js';
import { runBatches, type BatchItem } from './batching.js';
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
import { checkPairs, checkTexts, dedupe, textKeys } from './inputs.js';
import { poolBatch, stackTokenStates } from './pooling.js';
import { LayerSiblings } from './siblings.js';
import { pairKey } from './pairs.js';
import { TruncatingTokenizer } from './tokenize.js';
import { UserError } from '../errors.js';

export interface EncoderStats {
  /** ORT session runs since load (the load-time probe, if any, is not counted). */
  runs: number;
  /** Texts tokenized since load. */
  tokenized: number;
  /** Vectors served from the cache since load. */
  cacheHits: number;
}

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

/** One finished batch: the output and the padding it was run with. */
interface BatchOutput {
  output: OutputTensor;
  seq: number;
  mask: Uint8Array;
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
  private readonly batchTokens: number;
  private readonly maxBatchSize: number;

  /** Internal: use the platform entry's `Encoder.load`. */
  constructor(init: CoreInit) {
    this.info = init.info;
    this.session = init.session;
    this.tok = init.tok;
    this.pooledOutput = init.pooledOutput;
    this.tokenOutput = init.tokenOutput;
    this.batchTokens = init.batchTokens;
    this.maxBatchSize = init.maxBatchSize;
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

  private tokenizeOne(texts: readonly string[], index: number): BatchItem {
    try {
      const ids = this.tok.encode(texts[index]!);
      this.stats.tokenized++;
      return { index, ids };
    } catch (err) {
      throw new UserError(`failed to tokenize texts[${index}]: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /** Tokenizes and runs `indices` through the batch scheduler (batching.ts), calling `sink` per batch. */
  private pipeline(
    texts: readonly string[],
    indices: readonly number[],
    outName: string,
    sink: (items: BatchItem[], batch: BatchOutput) => void,
    tokenize: (index: number) => BatchItem = (i) => this.tokenizeOne(texts, i),
  ): Promise<void> {
    return runBatches<BatchOutput>(indices, {
      batchTokens: this.batchTokens,
      maxBatchSize: this.maxBatchSize,
      depth: this.session.concurrency ?? 1,
      tokenize,
      run: (items) => {
        const { feeds, seq, mask } = buildFeeds(items, this.tok.padId, this.session.inputNames);
        this.stats.runs++;
        return this.session.run(feeds, [outName]).then((res) => {
          const output = res[outName];
          if (!output) throw new Error(`ONNX Runtime returned no '${outName}'`);
          return { output, seq, mask };
        });
      },
      sink,
    });
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
    return this.encodeKeyed(textKeys(texts), (i) => this.tokenizeOne(texts, i), options);
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
    return this.encodeKeyed(keys, (i) => this.tokenizePairItem(pairs, i), options);
  }

  private tokenizePairItem(pairs: readonly (readonly [string, string])[], index: number): BatchItem {
    try {
      const [a, b] = pairs[index]!;
      const { ids, typeStart } = this.tok.encodePair(a, b);
      this.stats.tokenized++;
      return typeStart < ids.length ? { index, ids, typeStart } : { index, ids };
    } catch (err) {
      throw new UserError(`failed to tokenize pairs[${index}]: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /** Token ids and types of a text pair as the encoder feeds it; for inspection and tests. */
  tokenizePair(a: string, b: string): { ids: number[]; tokenTypeIds: number[] } {
    if (typeof a !== 'string' || typeof b !== 'string') throw new TypeError('a and b must be strings');
    const { ids, typeStart } = this.tok.encodePair(a, b);
    return { ids, tokenTypeIds: ids.map((_, j) => (j >= typeStart ? 1 : 0)) };
  }

  /** Cache, dedupe (by `texts[i]`, the cache key), tokenize with `tokenize`, run and pool. */
  private async encodeKeyed(
    texts: readonly string[],
    tokenize: (index: number) => BatchItem,
    options: EncodeOptions,
  ): Promise<EncodeResult> {
    throwIfAborted(options.signal);
    const started = Date.now();
    const n = texts.length;
    const d = this.info.dim;
    const data = new Float32Array(n * d);
    if (n === 0) return { dims: [0, d], data };

    // Cache, then duplicates: each distinct uncached text is encoded once.
    const all = Array.from({ length: n }, (_, i) => i);
    const hits = this.cache ? this.cache.lookup(texts, all) : new Map<number, Float32Array>();
    for (const [i, v] of hits) data.set(v, i * d);
    this.stats.cacheHits += hits.size;
    const { todo, dupes } = dedupe(texts, hits);
    let done = hits.size;
    const report = () => {
      const elapsedMs = Date.now() - started;
      const fresh = done - hits.size;
      options.onProgress?.({
        phase: 'encode',
        done,
        total: n,
        cached: hits.size,
        elapsedMs,
        etaMs: fresh > 0 ? (elapsedMs / fresh) * (n - done) : 0,
      });
    };
    report();

    const cache = this.cache;
    await this.pipeline(
      texts,
      todo,
      this.pooledOutput,
      (items, { output, seq, mask }) => {
        throwIfAborted(options.signal);
        const rows = items.length;
        const pooled = poolBatch(output, this.pooledOutput, this.info.pooling, this.info.normalize, mask, rows, seq, d);
        const entries: { text: string; vector: Float32Array }[] = [];
        for (let r = 0; r < rows; r++) {
          const v = pooled.subarray(r * d, r * d + d);
          data.set(v, items[r]!.index * d);
          if (cache) entries.push({ text: texts[items[r]!.index]!, vector: v });
        }
        cache?.store(entries);
        done += rows;
        report();
      },
      tokenize,
    );
    for (const [i, f] of dupes) data.copyWithin(i * d, f * d, f * d + d);
    if (dupes.length) {
      done += dupes.length;
      report();
    }
    return { dims: [n, d], data };
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
    return this.tokenStates(texts, (i) => this.tokenizeOne(texts, i));
  }

  /** Token-level states of text pairs, each encoded as one sequence as {@link encodePairs} does (token types 0/1); not cached. */
  async encodePairTokens(pairs: readonly (readonly [string, string])[]): Promise<TokenEncodeResult> {
    checkPairs(pairs);
    const keys = pairs.map(([a, b]) => pairKey(a, b));
    this.check(keys);
    return this.tokenStates(keys, (i) => this.tokenizePairItem(pairs, i));
  }

  private async tokenStates(texts: readonly string[], tokenize: (index: number) => BatchItem): Promise<TokenEncodeResult> {
    if (this.tokenOutput === undefined) {
      throw new UserError(`model ${this.info.model} has no token-level output (outputs: ${this.session.outputNames.join(', ')})`);
    }
    const n = texts.length;
    const per: { states: Float32Array; len: number }[] = new Array(n);
    let d = 0;
    await this.pipeline(
      texts,
      Array.from({ length: n }, (_, i) => i),
      this.tokenOutput,
      (items, { output, seq }) => {
        d = output.dims[2] ?? 0;
        for (let r = 0; r < items.length; r++) {
          const len = items[r]!.ids.length;
          per[items[r]!.index] = { states: output.data.slice(r * seq * d, (r * seq + len) * d), len };
        }
      },
      tokenize,
    );
    if (n === 0) {
      const dim = this.tokenOutput === this.pooledOutput ? this.info.dim : 0;
      return { dims: [0, 0, dim], data: new Float32Array(0), attentionMask: new Uint8Array(0), lengths: [] };
    }
    return stackTokenStates(per, d);
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
