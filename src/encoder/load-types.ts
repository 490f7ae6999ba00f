/**
 * What passes between the steps of loading an encoder (load.ts): the resolved model, what a platform
 * supplies, the options before and after checking, the files in use, the open session and the
 * graph's conventions.
 */
import type { Dtype, EncoderCacheOptions, EncoderInfo, EncoderOptions, Device, Pooling } from './types.js';
import type { Backend, BackendSession, ModelSource, Provider } from './backend/types.js';
import type { Logger } from './backend/fallback.js';
import type { EmbeddingCache } from './lru.js';
import type { HFTokenizerLike } from './tokenize.js';

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

/** The model files as resolved, with the dtype they are in and why (for `dtype: 'auto'`). */
export interface ResolvedFiles {
  bundle: ModelBundle;
  dtype: Dtype;
  dtypeChoice?: string;
  layer?: EncoderInfo['layer'];
}

/** An open session and how it was opened. */
export interface OpenedSession {
  session: BackendSession;
  provider: Provider;
  backend: Backend;
  threads: number;
  workers: number;
}

/** The graph's conventions: which output is pooled, which gives token states, and the pooling. */
export interface GraphOutputs {
  pooledOutput: string;
  tokenOutput: string | undefined;
  mode: EncoderInfo['pooling'];
}
