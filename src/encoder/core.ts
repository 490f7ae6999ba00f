/**
 * The platform-independent encoder: tokenization with proper truncation, length-sorted token-budget
 * batching with tokenization overlapped with inference, graph-convention handling, pooling and the
 * embedding cache. The platform entries (index.ts for Node, index.browser.ts) supply the ORT backend,
 * model resolution and the cache.
 */
import { env, notice } from '../utils/env.js';
import { throwIfAborted } from '../utils/progress.js';
import type {
  Device,
  Dtype,
  EncodeOptions,
  EncodeResult,
  EncoderCacheOptions,
  EncoderInfo,
  EncoderOptions,
  Pooling,
  SentenceEncoder,
  TokenEncodeResult,
} from './types.js';
import type { Backend, BackendSession, InputTensor, ModelSource, OutputTensor, Provider } from './backend/types.js';
import { createSessionWithFallback, type Logger } from './backend/fallback.js';
import { planBatches } from './batching.js';
import type { EmbeddingCache } from './lru.js';
import { defaultMaxLength, positionLimit, usableModelMaxLength } from './model-files.js';
import { clsPool, l2NormalizeRows, maxPool, meanPool } from './pooling.js';
import { pairKey } from './pairs.js';
import { TruncatingTokenizer, type HFTokenizerLike } from './tokenize.js';

/** A resolved model, platform-neutral. */
export interface ModelBundle {
  model: string;
  files: string[];
  source: ModelSource;
  sha256: string;
  tokenizerSha256: string;
  config: Record<string, unknown>;
  tokenizer: HFTokenizerLike;
  sentenceMaxLength?: number;
}

export interface Platform {
  backend: Backend;
  resolve(model: string, opts: { dtype: Dtype; offline: boolean }): Promise<ModelBundle>;
  openCache(opts: EncoderCacheOptions, configKey: string, dim: number, warn: Logger): EmbeddingCache;
  /** The CPU's int8 dot-product instructions (VNNI / AMX) by name, empty when none or unknown. */
  int8Features?(): string[];
  /** The bytes of a model file given by path (platforms whose sources are paths). */
  readModel?(path: string): Promise<Uint8Array>;
}

/** The model of `bundle` cut after `layer` (see layers.ts); the bundle unchanged when that is the last layer. */
async function cutBundle(platform: Platform, bundle: ModelBundle, layer: number): Promise<{ bundle: ModelBundle; index: number; of: number }> {
  const src = bundle.source;
  const file = typeof src === 'string' ? src : `${bundle.model} (${bundle.files.find((f) => f.endsWith('.onnx')) ?? 'model.onnx'})`;
  let bytes: Uint8Array;
  if (typeof src !== 'string') bytes = src;
  else if (platform.readModel) bytes = await platform.readModel(src);
  else throw new Error(`the layer option cannot read ${file} on this platform`);
  const { cutAtLayer } = await import('./layers.js');
  const cut = cutAtLayer(bytes, layer, file);
  return { bundle: cut.bytes ? { ...bundle, source: cut.bytes } : bundle, index: cut.layer, of: cut.layers };
}

/** Internal load options: the public ones plus test hooks. */
export interface EncoderLoadOptions extends EncoderOptions {
  /** Replaces the platform's ORT backend (tests use a fake session factory). */
  backend?: Backend;
  /** Test hook: the CPU's int8 features as `dtype: 'auto'` sees them (default: the platform's reading). */
  int8Features?: string[];
}

/**
 * `dtype: 'auto'`: q8 when the model runs on the CPU provider and the CPU has an int8 dot-product
 * instruction (AVX-512 VNNI, AVX-VNNI, AMX), where ONNX Runtime's int8 GEMMs are about twice as fast as
 * fp32 ones; fp32 otherwise (no VNNI: int8 gains ~1.4x at best; GPUs: fp32). Measured quality cost of q8
 * on reference-mini (benchmarks/q8-quality.ts, README): within the noise of the probes.
 */
function autoDtypeWanted(provider: Provider | 'unknown', int8: readonly string[]): boolean {
  return int8.length > 0 && (provider === 'cpu' || provider === 'unknown');
}

export interface EncoderStats {
  /** ORT session runs since load (the load-time probe, if any, is not counted). */
  runs: number;
  /** Texts tokenized since load. */
  tokenized: number;
  /** Vectors served from the cache since load. */
  cacheHits: number;
}

const SUPPORTED_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids', 'position_ids']);
const DEVICES: readonly Device[] = ['auto', 'cuda', 'webgpu', 'cpu', 'wasm'];
const POOLINGS: readonly Pooling[] = ['auto', 'mean', 'cls', 'max'];

interface Item {
  /** Index into the caller's texts. */
  index: number;
  ids: number[];
  /** Text pairs: where token type 1 starts (absent: all type 0). */
  typeStart?: number;
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

type Sink = (items: Item[], rows: number, seq: number, output: OutputTensor, mask: Uint8Array) => void;

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
  /** Opens this model again at another layer (set by `create`); see {@link atLayer}. */
  private reopen: ((layer: number) => Promise<EncoderCore>) | null = null;
  private readonly siblings = new Map<number, Promise<EncoderCore>>();
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

  static async create<T extends EncoderCore>(
    this: new (init: CoreInit) => T,
    platform: Platform,
    model: string,
    options: EncoderLoadOptions = {},
  ): Promise<T> {
    const log: Logger = options.logger ?? defaultLogger;
    const device = options.device ?? env.backends.device;
    const requested = options.dtype ?? 'fp32';
    const int8 = requested === 'auto' ? (options.int8Features ?? platform.int8Features?.() ?? []) : [];
    // device 'cpu': decided now; device 'auto': fp32 first, q8 once the provider turns out to be the CPU
    let dtype: Dtype = requested === 'auto' ? (device === 'cpu' && autoDtypeWanted('unknown', int8) ? 'q8' : 'fp32') : requested;
    const pooling = options.pooling ?? 'auto';
    const normalize = options.normalize ?? false;
    if (!DEVICES.includes(device)) throw new TypeError(`unknown device '${String(device)}' (expected ${DEVICES.join(', ')})`);
    if (!POOLINGS.includes(pooling)) throw new TypeError(`unknown pooling '${String(pooling)}' (expected ${POOLINGS.join(', ')})`);
    for (const [k, v] of [['maxLength', options.maxLength], ['threads', options.threads], ['workers', options.workers], ['batchTokens', options.batchTokens], ['maxBatchSize', options.maxBatchSize]] as const) {
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new RangeError(`${k} must be a positive integer, got ${String(v)}`);
    }
    if (options.layer !== undefined && !Number.isInteger(options.layer)) throw new RangeError(`layer must be an integer (0 = embeddings, negative counts from the end), got ${String(options.layer)}`);
    const offline = options.offline ?? false;
    let dtypeChoice: string | undefined;
    let bundle: ModelBundle;
    try {
      bundle = await platform.resolve(model, { dtype, offline });
    } catch (err) {
      if (requested !== 'auto') throw err;
      // auto takes what the model has: the other of fp32 and q8 (a model shipped as q8 only, a folder with fp32 only)
      const other: Dtype = dtype === 'fp32' ? 'q8' : 'fp32';
      try {
        bundle = await platform.resolve(model, { dtype: other, offline });
      } catch {
        throw err;
      }
      dtypeChoice =
        other === 'fp32'
          ? `auto: fp32 (the CPU has ${int8.join(', ')}, but the model has no q8 file)`
          : `auto: q8 (the model has no fp32 file${int8.length ? '' : '; the CPU has no int8 dot product (VNNI / AMX), so q8 runs slower than fp32 would'})`;
      dtype = other;
    }
    let layer: EncoderInfo['layer'];
    if (options.layer !== undefined) {
      const cut = await cutBundle(platform, bundle, options.layer);
      bundle = cut.bundle;
      layer = { index: cut.index, of: cut.of };
    }

    // maxLength: default from tokenizer + config; a larger request is clamped to what the positions allow.
    const tokMax = usableModelMaxLength(bundle.tokenizer.model_max_length);
    const natural = defaultMaxLength(bundle.config, tokMax, bundle.sentenceMaxLength);
    const positional = positionLimit(bundle.config);
    let maxLength = options.maxLength ?? natural;
    if (maxLength > positional) {
      log(`[encoder] maxLength ${maxLength} exceeds the model's ${positional} positions; using ${positional}`);
      maxLength = positional;
    }
    const tok = new TruncatingTokenizer(bundle.tokenizer, { maxLength });

    const backend = options.backend ?? platform.backend;
    const workers = options.workers ?? 1;
    if (workers > 1 && backend.platform !== 'node') {
      throw new RangeError(`workers: ${workers} needs Node's worker threads; in the browser, onnxruntime-web's ort.env.wasm.proxy runs inference off the main thread (use workers: 1)`);
    }
    const threads = options.threads ?? backend.defaultThreads();
    if (workers > threads) log(`[encoder] ${workers} workers on ${threads} threads: each worker gets 1 thread, so ${workers} threads compete for ${threads}`);
    let { session, provider } = await createSessionWithFallback(backend, bundle.source, device, { threads, workers }, log);
    if (workers > 1 && provider !== 'cpu') log(`[encoder] workers: ${workers} applies to the CPU provider; ${provider} runs one session`);
    if (requested === 'auto' && dtype === 'fp32' && dtypeChoice === undefined && provider === 'cpu' && autoDtypeWanted('cpu', int8)) {
      // device 'auto' ended on the CPU: reload the q8 file, if the model has one
      try {
        let q8 = await platform.resolve(model, { dtype: 'q8', offline });
        if (options.layer !== undefined) q8 = (await cutBundle(platform, q8, options.layer)).bundle;
        const s8 = await backend.createSession(q8.source, 'cpu', { threads, workers });
        await session.release().catch(() => undefined);
        session = s8;
        bundle = q8;
        dtype = 'q8';
      } catch {
        dtypeChoice = `auto: fp32 (the CPU has ${int8.join(', ')}, but the model has no usable q8 file)`;
      }
    }
    if (requested === 'auto') {
      dtypeChoice ??=
        dtype === 'q8'
          ? `auto: q8 (CPU provider, the CPU has ${int8.join(', ')})`
          : `auto: fp32 (${provider !== 'cpu' ? `provider ${provider}` : 'the CPU has no int8 dot product (VNNI / AMX)'})`;
    }
    try {
      const unsupported = session.inputNames.filter((n) => !SUPPORTED_INPUTS.has(n));
      if (unsupported.length) {
        throw new Error(`model ${model} declares inputs ${unsupported.join(', ')} that a text encoder cannot feed (supported: ${[...SUPPORTED_INPUTS].join(', ')})`);
      }
      if (!session.inputNames.includes('input_ids')) throw new Error(`model ${model} has no input_ids input (inputs: ${session.inputNames.join(', ')})`);

      const outs = session.outputNames;
      const rank = (name: string) => session.outputInfo?.find((o) => o.name === name)?.shape?.length;
      const tokenOutput =
        ['last_hidden_state', 'token_embeddings'].find((n) => outs.includes(n)) ??
        outs.find((n) => rank(n) === 3) ??
        (outs.length === 1 && !outs.includes('sentence_embedding') ? outs[0] : undefined);
      let mode: EncoderInfo['pooling'];
      if (pooling === 'auto') mode = outs.includes('sentence_embedding') ? 'sentence_embedding' : 'mean';
      else mode = pooling;
      if (mode !== 'sentence_embedding' && tokenOutput === undefined) {
        throw new Error(`model ${model} has no token-level output for ${mode} pooling (outputs: ${outs.join(', ')}); use pooling 'auto'`);
      }
      const pooledOutput = mode === 'sentence_embedding' ? 'sentence_embedding' : tokenOutput!;

      const info: EncoderInfo = {
        model: bundle.model,
        files: bundle.files,
        sha256: bundle.sha256,
        dtype,
        ...(dtypeChoice ? { dtypeChoice } : {}),
        device: provider,
        dim: 0,
        pooling: mode,
        normalize,
        maxLength,
        ...((session.concurrency ?? 1) > 1 ? { workers: session.concurrency } : {}),
        ...(layer ? { layer } : {}),
      };
      const enc = new this({
        info,
        session,
        tok,
        pooledOutput,
        tokenOutput,
        // CPU / wasm: small batches keep activations in cache; measured on MiniLM-L6 (2 cores), batches of
        // 512-1024 tokens cost ~40% less CPU time than 8192-token batches. GPUs want big batches.
        batchTokens: options.batchTokens ?? (provider === 'cpu' || provider === 'wasm' ? 1024 : 8192),
        maxBatchSize: options.maxBatchSize ?? (provider === 'cpu' || provider === 'wasm' ? 32 : 128),
      });
      enc.reopen = (k) => EncoderCore.create.call(this, platform, model, { ...options, layer: k });
      info.dim = await enc.probeDim();
      if (options.cache) {
        const configKey = [`model=${bundle.sha256}`, `tok=${bundle.tokenizerSha256}`, `dtype=${dtype}`, `pool=${mode}`, `norm=${normalize}`, `max=${maxLength}`, `dim=${info.dim}`, ...(layer && layer.index !== layer.of ? [`layer=${layer.index}`] : []) /* the last layer's vectors are the whole model's */, 'v1'].join('|');
        enc.cache = platform.openCache(options.cache, configKey, info.dim, log);
      }
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
    const item: Item = { index: 0, ids: this.tok.encode('') };
    const { output } = await this.runBatch([item], this.pooledOutput);
    const d = output.dims[output.dims.length - 1];
    if (!d) throw new Error(`cannot determine the output width of '${this.pooledOutput}' (dims ${output.dims.join('x')})`);
    return d;
  }

  private buildFeeds(items: readonly Item[]): { feeds: Record<string, InputTensor>; seq: number; mask: Uint8Array } {
    const rows = items.length;
    let seq = 1;
    for (const it of items) if (it.ids.length > seq) seq = it.ids.length;
    const n = rows * seq;
    const ids = new BigInt64Array(n).fill(BigInt(this.tok.padId));
    const mask = new Uint8Array(n);
    for (let r = 0; r < rows; r++) {
      const t = items[r]!.ids;
      const o = r * seq;
      for (let j = 0; j < t.length; j++) ids[o + j] = BigInt(t[j]!);
      mask.fill(1, o, o + t.length);
    }
    const dims = [rows, seq];
    const feeds: Record<string, InputTensor> = {};
    for (const name of this.session.inputNames) {
      if (name === 'input_ids') feeds[name] = { data: ids, dims };
      else if (name === 'attention_mask') {
        const m = new BigInt64Array(n);
        for (let i = 0; i < n; i++) if (mask[i]) m[i] = 1n;
        feeds[name] = { data: m, dims };
      } else if (name === 'token_type_ids') {
        const tt = new BigInt64Array(n);
        for (let r = 0; r < rows; r++) {
          const it = items[r]!;
          if (it.typeStart !== undefined) tt.fill(1n, r * seq + it.typeStart, r * seq + it.ids.length);
        }
        feeds[name] = { data: tt, dims };
      }
      else if (name === 'position_ids') {
        const p = new BigInt64Array(n);
        for (let r = 0; r < rows; r++) for (let j = 0; j < items[r]!.ids.length; j++) p[r * seq + j] = BigInt(j);
        feeds[name] = { data: p, dims };
      }
    }
    return { feeds, seq, mask };
  }

  private async runBatch(items: readonly Item[], outName: string): Promise<{ output: OutputTensor; seq: number; mask: Uint8Array }> {
    const { feeds, seq, mask } = this.buildFeeds(items);
    const res = await this.session.run(feeds, [outName]);
    return { output: res[outName]!, seq, mask };
  }

  private check(texts: readonly string[]): void {
    if (this.disposed) throw new Error('encoder has been disposed');
    if (!Array.isArray(texts)) throw new TypeError(`texts must be an array of strings, got ${texts === null ? 'null' : typeof texts}`);
    for (let i = 0; i < texts.length; i++) {
      const t: unknown = texts[i];
      if (typeof t !== 'string') {
        throw new TypeError(`texts[${i}] is not a string (got ${t === null ? 'null' : Array.isArray(t) ? 'array' : typeof t}); every text must be a string`);
      }
    }
  }

  private tokenizeOne(texts: readonly string[], index: number): Item {
    try {
      const ids = this.tok.encode(texts[index]!);
      this.stats.tokenized++;
      return { index, ids };
    } catch (err) {
      throw new Error(`failed to tokenize texts[${index}]: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /**
   * Tokenizes and runs `indices`, calling `sink` per batch. Windows of texts (input order) are
   * tokenized, length-sorted and batched under the token budget. Up to `session.concurrency` batches
   * are in flight (one per worker of a pool, else one), and the next batch is started before a finished
   * one is pooled: where the backend runs asynchronously (WebGPU, a wasm worker, a worker pool), pooling
   * and tokenizing overlap the runs; a plain onnxruntime-node session runs synchronously on the JS
   * thread, so there the order costs nothing.
   */
  private async pipeline(
    texts: readonly string[],
    indices: readonly number[],
    outName: string,
    sink: Sink,
    tokenize: (index: number) => Item = (i) => this.tokenizeOne(texts, i),
  ): Promise<void> {
    const first = 256;
    const later = 2048;
    const windows: number[][] = [];
    for (let s = 0; s < indices.length; ) {
      const size = windows.length === 0 ? first : later;
      windows.push(indices.slice(s, s + size));
      s += size;
    }
    let w = 0;
    let batches: Item[][] = [];
    let nextItems: Item[] = [];
    const plan = (items: Item[]) =>
      planBatches(
        items.map((it) => it.ids.length),
        { batchTokens: this.batchTokens, maxBatchSize: this.maxBatchSize },
      ).map((b) => b.map((k) => items[k]!));
    const tokenizeMore = (count: number) => {
      const win = windows[w + 1];
      if (!win) return;
      const end = Math.min(win.length, nextItems.length + count);
      for (let k = nextItems.length; k < end; k++) nextItems.push(tokenize(win[k]!));
    };
    /** The next batch, planning the next window when the current one is used up; null at the end. */
    const nextBatch = (): Item[] | null => {
      if (batches.length === 0) {
        const win = windows[w + 1];
        if (!win) return null;
        tokenizeMore(win.length);
        batches = plan(nextItems);
        nextItems = [];
        w++;
      }
      return batches.shift() ?? null;
    };
    batches = plan(windows[0]?.map((i) => tokenize(i)) ?? []);

    type Done = { items: Item[]; output: OutputTensor; seq: number; mask: Uint8Array } | { items: Item[]; seq: number; error: unknown };
    const start = (items: Item[]): Promise<Done> => {
      const { feeds, seq, mask } = this.buildFeeds(items);
      this.stats.runs++;
      // settled into a value, so that a failure is reported with the batch it belongs to
      return this.session.run(feeds, [outName]).then(
        (res): Done => {
          const output = res[outName];
          return output ? { items, output, seq, mask } : { items, seq, error: new Error(`ONNX Runtime returned no '${outName}'`) };
        },
        (error: unknown): Done => ({ items, seq, error }),
      );
    };
    // as many batches in flight as the session runs at once (a worker pool: one per worker); the first to
    // finish is pooled first, after its successor has been started
    const depth = Math.max(1, this.session.concurrency ?? 1);
    const running = new Map<number, Promise<{ key: number; done: Done }>>();
    let launched = 0;
    const launch = (): boolean => {
      const items = nextBatch();
      if (!items) return false;
      const key = launched++;
      running.set(key, start(items).then((done) => ({ key, done })));
      return true;
    };
    while (running.size < depth && launch());
    while (running.size > 0) {
      const nextWin = windows[w + 1];
      if (nextWin) tokenizeMore(Math.ceil((nextWin.length - nextItems.length) / (batches.length + 1)));
      const { key, done } = await Promise.race(running.values());
      running.delete(key);
      if ('error' in done) {
        const { items, seq, error: err } = done;
        const which = items.map((it) => it.index);
        throw new Error(
          `inference failed for a batch of ${items.length} texts (indices ${which.slice(0, 8).join(', ')}${which.length > 8 ? ', …' : ''}; ${items.length}×${seq} tokens): ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
      while (running.size < depth && launch());
      sink(done.items, done.items.length, done.seq, done.output, done.mask);
    }
  }

  async encode(texts: readonly string[], options: EncodeOptions = {}): Promise<EncodeResult> {
    this.check(texts);
    throwIfAborted(options.signal);
    // cache keys: the text itself; the rare text that starts with NUL is escaped, so none spells a pair key
    const keys = texts.some((t) => t.startsWith('\u0000')) ? texts.map((t) => (t.startsWith('\u0000') ? '\u0000text' + t : t)) : texts;
    return this.encodeKeyed(keys, (i) => this.tokenizeOne(texts, i), options);
  }

  /**
   * Vectors of text pairs, each encoded as ONE sequence (`[CLS] a [SEP] b [SEP]`, token types 0/1
   * for BERT-style models, as transformers.js' `tokenizer(a, { text_pair: b })`), pooled like single
   * texts; cached under {@link pairKey}, so a pair never shares a cache entry with a text.
   */
  async encodePairs(pairs: readonly (readonly [string, string])[], options: EncodeOptions = {}): Promise<EncodeResult> {
    if (!Array.isArray(pairs)) throw new TypeError('pairs must be an array of [a, b] string pairs');
    pairs.forEach((p, i) => {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'string') throw new TypeError(`pairs[${i}] is not a [string, string] pair`);
    });
    const keys = pairs.map(([a, b]) => pairKey(a, b));
    this.check(keys);
    return this.encodeKeyed(keys, (i) => this.tokenizePairItem(pairs, i), options);
  }

  private tokenizePairItem(pairs: readonly (readonly [string, string])[], index: number): Item {
    try {
      const [a, b] = pairs[index]!;
      const { ids, typeStart } = this.tok.encodePair(a, b);
      this.stats.tokenized++;
      return typeStart < ids.length ? { index, ids, typeStart } : { index, ids };
    } catch (err) {
      throw new Error(`failed to tokenize pairs[${index}]: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /** Token ids and types of a text pair as the encoder feeds it; for inspection and tests. */
  tokenizePair(a: string, b: string): { ids: number[]; tokenTypeIds: number[] } {
    if (typeof a !== 'string' || typeof b !== 'string') throw new TypeError('a and b must be strings');
    const { ids, typeStart } = this.tok.encodePair(a, b);
    return { ids, tokenTypeIds: ids.map((_, j) => (j >= typeStart ? 1 : 0)) };
  }

  /** Cache, dedupe (by `texts[i]`, the cache key), tokenize with `tokenize`, run and pool. */
  private async encodeKeyed(texts: readonly string[], tokenize: (index: number) => Item, options: EncodeOptions): Promise<EncodeResult> {
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
    const firstOf = new Map<string, number>();
    const dupes: [number, number][] = [];
    const todo: number[] = [];
    for (let i = 0; i < n; i++) {
      if (hits.has(i)) continue;
      const t = texts[i]!;
      const f = firstOf.get(t);
      if (f === undefined) {
        firstOf.set(t, i);
        todo.push(i);
      } else dupes.push([i, f]);
    }
    let done = hits.size;
    const report = () => {
      const elapsedMs = Date.now() - started;
      const fresh = done - hits.size;
      options.onProgress?.({ phase: 'encode', done, total: n, cached: hits.size, elapsedMs, etaMs: fresh > 0 ? (elapsedMs / fresh) * (n - done) : 0 });
    };
    report();

    const mode = this.info.pooling;
    const normalize = this.info.normalize;
    const cache = this.cache;
    await this.pipeline(texts, todo, this.pooledOutput, (items, rows, seq, output, mask) => {
      throwIfAborted(options.signal);
      const pooled = new Float32Array(rows * d);
      const od = output.dims;
      if (mode === 'sentence_embedding') {
        if (od.length !== 2 || od[1] !== d) throw new Error(`sentence_embedding has dims ${od.join('x')}, expected ${rows}x${d}`);
        pooled.set(output.data.subarray(0, rows * d));
      } else {
        if (od.length !== 3 || od[0] !== rows || od[1] !== seq || od[2] !== d) {
          throw new Error(`'${this.pooledOutput}' has dims ${od.join('x')}, expected ${rows}x${seq}x${d}`);
        }
        if (mode === 'mean') meanPool(output.data, mask, rows, seq, d, pooled);
        else if (mode === 'cls') clsPool(output.data, rows, seq, d, pooled);
        else maxPool(output.data, mask, rows, seq, d, pooled);
      }
      if (normalize) l2NormalizeRows(pooled, rows, d);
      const entries: { text: string; vector: Float32Array }[] = [];
      for (let r = 0; r < rows; r++) {
        const v = pooled.subarray(r * d, r * d + d);
        data.set(v, items[r]!.index * d);
        if (cache) entries.push({ text: texts[items[r]!.index]!, vector: v });
      }
      cache?.store(entries);
      done += rows;
      report();
    }, tokenize);
    for (const [i, f] of dupes) data.copyWithin(i * d, f * d, f * d + d);
    if (dupes.length) {
      done += dupes.length;
      report();
    }
    return { dims: [n, d], data };
  }

  /** Token-level states ([n, maxLen, d], zero at padding) and the attention mask; not cached. */
  async encodeTokens(texts: readonly string[]): Promise<TokenEncodeResult> {
    this.check(texts);
    if (this.tokenOutput === undefined) {
      throw new Error(`model ${this.info.model} has no token-level output (outputs: ${this.session.outputNames.join(', ')})`);
    }
    const n = texts.length;
    const per: { states: Float32Array; len: number }[] = new Array(n);
    let d = 0;
    await this.pipeline(texts, Array.from({ length: n }, (_, i) => i), this.tokenOutput, (items, rows, seq, output) => {
      d = output.dims[2] ?? 0;
      for (let r = 0; r < rows; r++) {
        const len = items[r]!.ids.length;
        per[items[r]!.index] = { states: output.data.slice(r * seq * d, (r * seq + len) * d), len };
      }
    });
    if (n === 0) {
      const dim = this.tokenOutput === this.pooledOutput ? this.info.dim : 0;
      return { dims: [0, 0, dim], data: new Float32Array(0), attentionMask: new Uint8Array(0), lengths: [] };
    }
    const lengths = per.map((p) => p.len);
    const maxLen = Math.max(...lengths);
    const data = new Float32Array(n * maxLen * d);
    const attentionMask = new Uint8Array(n * maxLen);
    for (let i = 0; i < n; i++) {
      data.set(per[i]!.states, i * maxLen * d);
      attentionMask.fill(1, i * maxLen, i * maxLen + lengths[i]!);
    }
    return { dims: [n, maxLen, d], data, attentionMask, lengths };
  }

  /** Token ids (with specials, truncated) as the encoder feeds them; for inspection and tests. */
  tokenize(text: string): number[] {
    if (typeof text !== 'string') throw new TypeError('text must be a string');
    return this.tok.encode(text);
  }

  /**
   * This model read at `layer` (as the `layer` option: 0 = embeddings, k = after layer k, negative from
   * the end): another session over the graph cut there, opened on first use with this encoder's options
   * and disposed with it. The whole model's last layer is this encoder itself when it reads the last.
   */
  async atLayer(layer: number): Promise<SentenceEncoder> {
    if (this.disposed) throw new Error('encoder has been disposed');
    if (!this.reopen) throw new Error(`the encoder ${this.info.model} cannot open other layers`);
    let p = this.siblings.get(layer);
    if (!p) {
      p = this.reopen(layer);
      this.siblings.set(layer, p);
      p.catch(() => this.siblings.delete(layer));
    }
    const sibling = await p;
    if (sibling === this) return this;
    const own = this.info.layer;
    if (sibling.info.layer!.index !== (own ? own.index : sibling.info.layer!.of)) return sibling;
    // the layer this encoder reads already: no second session
    this.siblings.set(layer, Promise.resolve(this));
    await sibling.dispose();
    return this;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.cache?.close();
    const siblings = [...this.siblings.values()];
    this.siblings.clear();
    await Promise.all(siblings.map((p) => p.then((s) => (s === this ? undefined : s.dispose())).catch(() => undefined)));
    await this.session.release();
  }
}

export type { Provider };
