/**
 * Node entry of the shared encoder: onnxruntime-node backend, local/hub model resolution through
 * @huggingface/transformers, SQLite embedding cache. `index.browser.ts` exposes the same `Encoder` API.
 */
import { readFile } from 'node:fs/promises';
import { nodeBackend } from './backend/node.js';
import { resolveEncoderRef } from './refs.js';
import { EncoderCore } from './core.js';
import type { EncoderLoadOptions, Platform } from './load-types.js';
import { loadSqlite } from './cache-db.js';
import { SqliteEmbeddingCache } from './cache-sqlite.js';
import { MemoryEmbeddingCache } from './lru.js';
import { resolveModel } from './resolve-node.js';
import { cpuFeatures } from '../utils/cpu.js';

export {
  type Device,
  type Dtype,
  type EncodeOptions,
  type EncodeProgress,
  type EncodeResult,
  type EncoderCacheOptions,
  type EncoderInfo,
  type EncoderOptions,
  type Pooling,
  type SentenceEncoder,
  type TokenEncodeResult,
} from './types.js';
export { PAIR_KEY_PREFIX, pairKey, isPairKey, parsePairKey } from './pairs.js';
export type { EncoderStats } from './encode-run.js';
export type { EncoderLoadOptions } from './load-types.js';
export type { Backend, BackendSession, Provider } from './backend/types.js';
export { encodeNpy, decodeNpy } from './npy.js';

const nodePlatform: Platform = {
  backend: nodeBackend,
  async resolve(model, opts) {
    const r = await resolveModel(model, opts);
    return {
      model: r.model,
      files: r.files,
      source: r.modelPath,
      sha256: r.sha256,
      tokenizerSha256: r.tokenizerSha256,
      config: r.config,
      tokenizer: r.tokenizer,
      sentenceMaxLength: r.sentenceMaxLength,
    };
  },
  openCache(opts, configKey, dim, warn) {
    if (!loadSqlite()) {
      warn(
        `embedding cache: better-sqlite3 is not installed, so vectors are kept in memory only (npm install better-sqlite3 for the persistent cache in ${opts.dir})`,
      );
      return new MemoryEmbeddingCache(configKey, dim, opts.memoryEntries ?? 10_000);
    }
    return new SqliteEmbeddingCache({ dir: opts.dir, configKey, dim, memoryEntries: opts.memoryEntries, warn });
  },
  async readModel(path) {
    return new Uint8Array(await readFile(path));
  },
  int8Features() {
    const c = cpuFeatures();
    return (['avx512_vnni', 'avx_vnni', 'amx_int8'] as const).filter((k) => c[k]);
  },
};

export class Encoder extends EncoderCore {
  /**
   * Loads a hub id (e.g. `Xenova/all-MiniLM-L6-v2`), a local HF-layout folder, or
   * `fixture:<variant>`: a random-weight encoder generated offline (see `mtl fixtures`), or
   * `mtl:<name>`: a pretrained encoder shipped in the package (`models/<name>`, e.g. `mtl:mini`).
   * @example
   * const encoder = await Encoder.load('mtl:mini'); // offline: the encoder shipped in the package
   * encoder.info
   * // { model: '…/models/mini', dtype: 'q8', device: 'cpu', dim: 256, pooling: 'mean', normalize: false,
   * //   maxLength: 128, sha256: 'e8ca1272…', files: ['onnx/model_quantized.onnx', 'tokenizer.json', …] }
   * await Encoder.load('Xenova/all-MiniLM-L6-v2', { dtype: 'fp32', device: 'auto', layer: 4, workers: 2 });
   */
  static async load(model: string, options: EncoderLoadOptions = {}): Promise<Encoder> {
    const ref = await resolveEncoderRef(model);
    if (ref.defaultDtype && !options.dtype) options = { ...options, dtype: ref.defaultDtype };
    return Encoder.create(nodePlatform, ref.model, options);
  }
}
