/**
 * The steps of loading an encoder, in the order `EncoderCore.create` takes them: check the options,
 * resolve the model files (choosing the dtype, cutting at a layer), choose maxLength, open the session
 * (choosing the device / provider), settle `dtype: 'auto'` once the provider is known, read the graph's
 * conventions (inputs, outputs, pooling), describe the encoder, and choose the batch sizes and the
 * cache key.
 */
import { env } from '../utils/env.js';
import type { Device, Dtype, EncoderCacheOptions, EncoderInfo, EncoderOptions, Pooling } from './types.js';
import type { Backend, BackendSession, ModelSource, Provider } from './backend/types.js';
import { createSessionWithFallback, type Logger } from './backend/fallback.js';
import type { EmbeddingCache } from './lru.js';
import { SUPPORTED_INPUTS } from './feeds.js';
import { defaultMaxLength, positionLimit, usableModelMaxLength } from './model-files.js';
import type { HFTokenizerLike } from './tokenize.js';
import { UserError } from '../errors.js';

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

/** What a platform entry (index.ts for Node, index.browser.ts) supplies. */
export interface Platform {
  backend: Backend;
  resolve(model: string, opts: { dtype: Dtype; offline: boolean }): Promise<ModelBundle>;
  openCache(opts: EncoderCacheOptions, configKey: string, dim: number, warn: Logger): EmbeddingCache;
  /** The CPU's int8 dot-product instructions (VNNI / AMX) by name, empty when none or unknown. */
  int8Features?(): string[];
  /** The bytes of a model file given by path (platforms whose sources are paths). */
  readModel?(path: string): Promise<Uint8Array>;
}

/** Internal load options: the public ones plus test hooks. */
export interface EncoderLoadOptions extends EncoderOptions {
  /** Replaces the platform's ORT backend (tests use a fake session factory). */
  backend?: Backend;
  /** Test hook: the CPU's int8 features as `dtype: 'auto'` sees them (default: the platform's reading). */
  int8Features?: string[];
}

const DEVICES: readonly Device[] = ['auto', 'cuda', 'webgpu', 'cpu', 'wasm'];
const POOLINGS: readonly Pooling[] = ['auto', 'mean', 'cls', 'max'];

/** The options after {@link checkOptions}: defaults filled in. */
export interface CheckedOptions {
  device: Device;
  requested: NonNullable<EncoderOptions['dtype']>;
  /** The CPU's int8 features (read only for `dtype: 'auto'`). */
  int8: string[];
  pooling: Pooling;
  normalize: boolean;
  offline: boolean;
}

/** Step 1: the options checked (unknown device / pooling, non-positive sizes and a fractional layer throw). */
export function checkOptions(platform: Platform, options: EncoderLoadOptions): CheckedOptions {
  const device = options.device ?? env.backends.device;
  const requested = options.dtype ?? 'fp32';
  const int8 = requested === 'auto' ? (options.int8Features ?? platform.int8Features?.() ?? []) : [];
  const pooling = options.pooling ?? 'auto';
  if (!DEVICES.includes(device)) throw new UserError(`unknown device '${String(device)}' (expected ${DEVICES.join(', ')})`);
  if (!POOLINGS.includes(pooling)) throw new UserError(`unknown pooling '${String(pooling)}' (expected ${POOLINGS.join(', ')})`);
  for (const [k, v] of [
    ['maxLength', options.maxLength],
    ['threads', options.threads],
    ['workers', options.workers],
    ['batchTokens', options.batchTokens],
    ['maxBatchSize', options.maxBatchSize],
  ] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new UserError(`${k} must be a positive integer, got ${String(v)}`);
  }
  if (options.layer !== undefined && !Number.isInteger(options.layer))
    throw new UserError(`layer must be an integer (0 = embeddings, negative counts from the end), got ${String(options.layer)}`);
  return { device, requested, int8, pooling, normalize: options.normalize ?? false, offline: options.offline ?? false };
}

/**
 * `dtype: 'auto'`: q8 when the model runs on the CPU provider and the CPU has an int8 dot-product
 * instruction (AVX-512 VNNI, AVX-VNNI, AMX), where ONNX Runtime's int8 GEMMs are about twice as fast as
 * fp32 ones; fp32 otherwise (no VNNI: int8 gains ~1.4x at best; GPUs: fp32). Measured quality cost of q8
 * on reference-mini (benchmarks/q8-quality.ts, docs/benchmarks.md): within the noise of the probes.
 */
function autoDtypeWanted(provider: Provider | 'unknown', int8: readonly string[]): boolean {
  return int8.length > 0 && (provider === 'cpu' || provider === 'unknown');
}

/** The model files as resolved, with the dtype they are in and why (for `dtype: 'auto'`). */
export interface ResolvedFiles {
  bundle: ModelBundle;
  dtype: Dtype;
  dtypeChoice?: string;
  layer?: EncoderInfo['layer'];
}

/** The model of `bundle` cut after `layer` (see layers.ts); the bundle unchanged when that is the last layer. */
async function cutBundle(
  platform: Platform,
  bundle: ModelBundle,
  layer: number,
): Promise<{ bundle: ModelBundle; index: number; of: number }> {
  const src = bundle.source;
  const file = typeof src === 'string' ? src : `${bundle.model} (${bundle.files.find((f) => f.endsWith('.onnx')) ?? 'model.onnx'})`;
  let bytes: Uint8Array;
  if (typeof src !== 'string') bytes = src;
  else if (platform.readModel) bytes = await platform.readModel(src);
  else throw new UserError(`the layer option cannot read ${file} on this platform; leave layer unset`);
  const { cutAtLayer } = await import('./layers.js');
  const cut = cutAtLayer(bytes, layer, file);
  return { bundle: cut.bytes ? { ...bundle, source: cut.bytes } : bundle, index: cut.layer, of: cut.layers };
}

/**
 * Step 2: the model files. `dtype: 'auto'` with device 'cpu' decides now (q8 on a CPU with int8 dot
 * products, fp32 when the model has no q8 file); device 'auto' starts with fp32 (see {@link settleAutoDtype}).
 */
export async function resolveModelFiles(
  platform: Platform,
  model: string,
  o: CheckedOptions,
  layerOption: number | undefined,
): Promise<ResolvedFiles> {
  let dtype: Dtype = o.requested === 'auto' ? (o.device === 'cpu' && autoDtypeWanted('unknown', o.int8) ? 'q8' : 'fp32') : o.requested;
  let dtypeChoice: string | undefined;
  let bundle: ModelBundle;
  try {
    bundle = await platform.resolve(model, { dtype, offline: o.offline });
  } catch (err) {
    if (o.requested !== 'auto') throw err;
    // auto takes what the model has: the other of fp32 and q8 (a model shipped as q8 only, a folder with fp32 only)
    const other: Dtype = dtype === 'fp32' ? 'q8' : 'fp32';
    try {
      bundle = await platform.resolve(model, { dtype: other, offline: o.offline });
    } catch {
      throw err;
    }
    dtypeChoice =
      other === 'fp32'
        ? `auto: fp32 (the CPU has ${o.int8.join(', ')}, but the model has no q8 file)`
        : `auto: q8 (the model has no fp32 file${o.int8.length ? '' : '; the CPU has no int8 dot product (VNNI / AMX), so q8 runs slower than fp32 would'})`;
    dtype = other;
  }
  if (layerOption === undefined) return { bundle, dtype, ...(dtypeChoice ? { dtypeChoice } : {}) };
  const cut = await cutBundle(platform, bundle, layerOption);
  return { bundle: cut.bundle, dtype, ...(dtypeChoice ? { dtypeChoice } : {}), layer: { index: cut.index, of: cut.of } };
}

/** Step 3: maxLength: by default from the tokenizer and config; a larger request is clamped to what the positions allow. */
export function chooseMaxLength(bundle: ModelBundle, requested: number | undefined, log: Logger): number {
  const tokMax = usableModelMaxLength(bundle.tokenizer.model_max_length);
  const natural = defaultMaxLength(bundle.config, tokMax, bundle.sentenceMaxLength);
  const positional = positionLimit(bundle.config);
  const maxLength = requested ?? natural;
  if (maxLength <= positional) return maxLength;
  log(`[encoder] maxLength ${maxLength} exceeds the model's ${positional} positions; using ${positional}`);
  return positional;
}

/** An open session and how it was opened. */
export interface OpenedSession {
  session: BackendSession;
  provider: Provider;
  backend: Backend;
  threads: number;
  workers: number;
}

/** Step 4: the session, on the first device that works (see fallback.ts), with its threads and workers. */
export async function openSession(
  platform: Platform,
  source: ModelSource,
  o: CheckedOptions,
  options: EncoderLoadOptions,
  log: Logger,
): Promise<OpenedSession> {
  const backend = options.backend ?? platform.backend;
  const workers = options.workers ?? 1;
  if (workers > 1 && backend.platform !== 'node') {
    throw new UserError(
      `workers: ${workers} needs Node's worker threads; in the browser, onnxruntime-web's ort.env.wasm.proxy runs inference off the main thread (use workers: 1)`,
    );
  }
  const threads = options.threads ?? backend.defaultThreads();
  if (workers > threads)
    log(`[encoder] ${workers} workers on ${threads} threads: each worker gets 1 thread, so ${workers} threads compete for ${threads}`);
  const { session, provider } = await createSessionWithFallback(backend, source, o.device, { threads, workers }, log);
  if (workers > 1 && provider !== 'cpu') log(`[encoder] workers: ${workers} applies to the CPU provider; ${provider} runs one session`);
  return { session, provider, backend, threads, workers };
}

/**
 * Step 5: `dtype: 'auto'` once the provider is known: device 'auto' that ended on the CPU of a machine
 * with int8 dot products reopens the q8 file, if the model has a usable one (replacing `opened.session`).
 * Returns the files in use, with the reason for the dtype.
 */
export async function settleAutoDtype(
  platform: Platform,
  model: string,
  files: ResolvedFiles,
  opened: OpenedSession,
  o: CheckedOptions,
  layerOption: number | undefined,
): Promise<ResolvedFiles> {
  if (o.requested !== 'auto') return files;
  let { bundle, dtype, dtypeChoice } = files;
  const { provider } = opened;
  if (dtype === 'fp32' && dtypeChoice === undefined && provider === 'cpu' && autoDtypeWanted('cpu', o.int8)) {
    try {
      let q8 = await platform.resolve(model, { dtype: 'q8', offline: o.offline });
      if (layerOption !== undefined) q8 = (await cutBundle(platform, q8, layerOption)).bundle;
      const s8 = await opened.backend.createSession(q8.source, 'cpu', { threads: opened.threads, workers: opened.workers });
      await opened.session.release().catch(() => undefined);
      opened.session = s8;
      bundle = q8;
      dtype = 'q8';
    } catch {
      dtypeChoice = `auto: fp32 (the CPU has ${o.int8.join(', ')}, but the model has no usable q8 file)`;
    }
  }
  dtypeChoice ??=
    dtype === 'q8'
      ? `auto: q8 (CPU provider, the CPU has ${o.int8.join(', ')})`
      : `auto: fp32 (${provider !== 'cpu' ? `provider ${provider}` : 'the CPU has no int8 dot product (VNNI / AMX)'})`;
  return { ...files, bundle, dtype, dtypeChoice };
}

/** The graph's conventions: which output is pooled, which gives token states, and the pooling. */
export interface GraphOutputs {
  pooledOutput: string;
  tokenOutput: string | undefined;
  mode: EncoderInfo['pooling'];
}

/** Step 6: checks the graph's inputs and picks its outputs (unfeedable inputs, or no output to pool, throw). */
export function readGraph(session: BackendSession, model: string, pooling: Pooling): GraphOutputs {
  const unsupported = session.inputNames.filter((n) => !SUPPORTED_INPUTS.has(n));
  if (unsupported.length) {
    throw new UserError(
      `model ${model} declares inputs ${unsupported.join(', ')} that a text encoder cannot feed (supported: ${[...SUPPORTED_INPUTS].join(', ')})`,
    );
  }
  if (!session.inputNames.includes('input_ids'))
    throw new UserError(
      `model ${model} has no input_ids input (inputs: ${session.inputNames.join(', ')}); give a text encoder exported with input_ids (e.g. optimum-cli export onnx --task feature-extraction)`,
    );

  const outs = session.outputNames;
  const rank = (name: string) => session.outputInfo?.find((o) => o.name === name)?.shape?.length;
  const tokenOutput =
    ['last_hidden_state', 'token_embeddings'].find((n) => outs.includes(n)) ??
    outs.find((n) => rank(n) === 3) ??
    (outs.length === 1 && !outs.includes('sentence_embedding') ? outs[0] : undefined);
  const mode: EncoderInfo['pooling'] = pooling === 'auto' ? (outs.includes('sentence_embedding') ? 'sentence_embedding' : 'mean') : pooling;
  if (mode !== 'sentence_embedding' && tokenOutput === undefined) {
    throw new UserError(`model ${model} has no token-level output for ${mode} pooling (outputs: ${outs.join(', ')}); use pooling 'auto'`);
  }
  return { pooledOutput: mode === 'sentence_embedding' ? 'sentence_embedding' : tokenOutput!, tokenOutput, mode };
}

/** The encoder's description (`info`), its width (`dim`) still 0: the probe after construction fills it in. */
export function describeEncoder(
  files: ResolvedFiles,
  opened: OpenedSession,
  graph: GraphOutputs,
  o: CheckedOptions,
  maxLength: number,
): EncoderInfo {
  const { bundle, dtype, dtypeChoice, layer } = files;
  const { session, provider } = opened;
  return {
    model: bundle.model,
    files: bundle.files,
    sha256: bundle.sha256,
    dtype,
    ...(dtypeChoice ? { dtypeChoice } : {}),
    device: provider,
    dim: 0,
    pooling: graph.mode,
    normalize: o.normalize,
    maxLength,
    ...((session.concurrency ?? 1) > 1 ? { workers: session.concurrency } : {}),
    ...(layer ? { layer } : {}),
  };
}

/**
 * Step 7: batch sizes. CPU / wasm: small batches keep activations in cache; measured on MiniLM-L6
 * (2 cores), batches of 512-1024 tokens cost ~40% less CPU time than 8192-token batches. GPUs want big batches.
 */
export function batchSizes(provider: Provider, options: EncoderOptions): { batchTokens: number; maxBatchSize: number } {
  const small = provider === 'cpu' || provider === 'wasm';
  return { batchTokens: options.batchTokens ?? (small ? 1024 : 8192), maxBatchSize: options.maxBatchSize ?? (small ? 32 : 128) };
}

/** Step 8: the cache's key: every setting that changes a vector. */
export function cacheConfigKey(files: ResolvedFiles, info: Pick<EncoderInfo, 'pooling' | 'normalize' | 'maxLength' | 'dim'>): string {
  const { bundle, dtype, layer } = files;
  return [
    `model=${bundle.sha256}`,
    `tok=${bundle.tokenizerSha256}`,
    `dtype=${dtype}`,
    `pool=${info.pooling}`,
    `norm=${info.normalize}`,
    `max=${info.maxLength}`,
    `dim=${info.dim}`,
    ...(layer && layer.index !== layer.of ? [`layer=${layer.index}`] : []) /* the last layer's vectors are the whole model's */,
    'v1',
  ].join('|');
}
