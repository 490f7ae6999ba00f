/** Public types of the shared encoder. Implementations live beside this file. */
import type { Progress } from '../utils/progress.js';

export type Device = 'auto' | 'cuda' | 'webgpu' | 'cpu' | 'wasm';
export type Dtype = 'fp32' | 'fp16' | 'q8' | 'q4';
export type Pooling = 'auto' | 'mean' | 'cls' | 'max';

export interface EncoderCacheOptions {
  /** Folder that holds the SQLite embedding cache. */
  dir: string;
  /** Entries kept in the in-memory LRU in front of SQLite. */
  memoryEntries?: number;
}

export interface EncoderOptions {
  device?: Device;
  /**
   * Model file. 'auto': q8 on the CPU provider when the CPU has an int8 dot product (AVX-512 VNNI,
   * AVX-VNNI, AMX) and the model has a q8 file, else fp32; a model with only one of the two files
   * (`mtl:mini` ships q8 only) gets that one. `info.dtype` and `info.dtypeChoice` say which and why.
   * Default 'fp32' (training configs and `mtl encode` default to 'auto').
   */
  dtype?: Dtype | 'auto';
  pooling?: Pooling;
  normalize?: boolean;
  maxLength?: number;
  /**
   * Read the features from an inner layer instead of the last, as Hugging Face's `hidden_states[layer]`:
   * 0 = the embeddings, k = after the k-th transformer layer, negative values count from the end (-1 =
   * the last). The graph is cut after that layer, so the later layers are not run; pooling and
   * normalization apply to that layer's states (for an inner layer, a model-internal
   * `sentence_embedding` output is gone with the cut, so `pooling: 'auto'` means mean). Needs a
   * single-file export whose nodes are named by layer, as Optimum writes them.
   */
  layer?: number;
  threads?: number;
  /**
   * Node, CPU provider: run batches in this many worker threads at once, each with its own session and
   * `threads / workers` intra-op threads (data-parallel, like sentence-transformers' multi-process
   * pool). For bulk encoding: on 2 cores, 2 workers × 1 thread encode 0–5 % more texts/s than one
   * session on 2 threads when the machine is idle, and hold their pace when other jobs share the cores
   * (docs/benchmarks.md, speed suite); a single batch runs on one worker's threads only, and each worker holds its
   * own copy of the model. Default 1 (one session in this thread).
   */
  workers?: number;
  cache?: false | EncoderCacheOptions;
  /** Never touch the network: resolve hub ids from the local cache only. */
  offline?: boolean;
  /** Token budget of one inference batch (rows × padded length). */
  batchTokens?: number;
  /** Upper bound on rows in one batch. */
  maxBatchSize?: number;
  /** Where one-line notices go (provider chosen, cache rebuilt); default env.logger (silent unless the application sets one). */
  logger?: (message: string) => void;
}

/** Progress of an encode call (the project's one progress shape, phase 'encode'). */
export interface EncodeProgress extends Progress {
  phase: 'encode';
  /** Texts found in the embedding cache. */
  cached: number;
}

export interface EncodeOptions {
  onProgress?: (p: EncodeProgress) => void;
  /** Cancels between batches: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Row-major matrix of sentence vectors, rows in input order. */
export interface EncodeResult {
  dims: [number, number];
  data: Float32Array;
}

/** Token-level states for heads that need tokens. */
export interface TokenEncodeResult {
  /** [n, maxLen, d] row-major, padded positions are zero. */
  dims: [number, number, number];
  data: Float32Array;
  /** [n, maxLen], 1 for real tokens. */
  attentionMask: Uint8Array;
  /** Number of real tokens per text. */
  lengths: number[];
}

export interface EncoderInfo {
  model: string;
  files: string[];
  /** sha256 of the ONNX model file in use. */
  sha256: string;
  dtype: Dtype;
  /** With `dtype: 'auto'`: what was chosen and why, e.g. `auto: q8 (CPU provider, the CPU has avx512_vnni)`. */
  dtypeChoice?: string;
  /** The execution provider actually used. */
  device: Exclude<Device, 'auto'>;
  dim: number;
  pooling: Exclude<Pooling, 'auto'> | 'sentence_embedding';
  normalize: boolean;
  maxLength: number;
  /** With `workers` > 1 on the CPU provider: the worker threads running batches. */
  workers?: number;
  /** With the `layer` option: the layer read (0 … layers) and the model's number of transformer layers. */
  layer?: { index: number; of: number };
}

/**
 * What the training core needs from an encoder: sentence vectors and an identity (Encoder implements
 * it; named so as not to shadow the WHATWG `TextEncoder` global).
 */
export interface SentenceEncoder {
  readonly info: EncoderInfo;
  encode(texts: readonly string[], options?: EncodeOptions): Promise<EncodeResult>;
  /** Text pairs, each encoded as one sequence ([CLS] a [SEP] b [SEP]); optional for custom encoders. */
  encodePairs?(pairs: readonly (readonly [string, string])[], options?: EncodeOptions): Promise<EncodeResult>;
  /** Token-level states of texts; optional for custom encoders (heads that pool tokens need it). */
  encodeTokens?(texts: readonly string[]): Promise<TokenEncodeResult>;
  /** Token-level states of text pairs encoded as one sequence each (as `encodePairs`); optional. */
  encodePairTokens?(pairs: readonly (readonly [string, string])[]): Promise<TokenEncodeResult>;
  /**
   * The same model read at another layer (the `layer` option: 0 = embeddings, negative from the end),
   * opened once and disposed with this encoder; optional for custom encoders (tasks that read an inner
   * layer need it).
   */
  atLayer?(layer: number): Promise<SentenceEncoder>;
  dispose(): Promise<void>;
}
