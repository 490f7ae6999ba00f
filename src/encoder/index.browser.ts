/**
 * Browser entry of the shared encoder: onnxruntime-web (WebGPU, then wasm), hub ids resolved through
 * @huggingface/transformers (its env: remoteHost / remotePathTemplate / fetch / browser cache), an
 * in-memory embedding cache. Same `Encoder` API as the Node entry; never imports onnxruntime-node.
 */
import { AutoConfig, AutoTokenizer, env } from '@huggingface/transformers';
import { webBackend } from './backend/web.js';
export { setOrtWasmPaths } from './backend/web.js';
import { EncoderCore } from './core.js';
import type { EncoderLoadOptions, Platform } from './load-types.js';
import { MemoryEmbeddingCache } from './lru.js';
import { missingModelMessage, onnxFileFor } from './model-files.js';
import type { HFTokenizerLike } from './tokenize.js';
import { UserError } from '../errors.js';

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

function fileUrl(model: string, file: string): string {
  if (/^https?:\/\//.test(model)) return `${model.replace(/\/$/, '')}/${file}`;
  const e = env as unknown as { remoteHost: string; remotePathTemplate: string };
  const path = e.remotePathTemplate.replaceAll('{model}', model).replaceAll('{revision}', 'main');
  return `${e.remoteHost.replace(/\/$/, '')}/${path.replace(/^\//, '').replace(/\/$/, '')}/${file}`;
}

async function fetchBytes(url: string, offline: boolean): Promise<Uint8Array | null> {
  const e = env as unknown as { useBrowserCache: boolean; cacheKey: string; fetch: typeof fetch };
  let cache: Cache | undefined;
  if (e.useBrowserCache && typeof caches !== 'undefined') {
    try {
      cache = await caches.open(e.cacheKey);
      const hit = await cache.match(url);
      if (hit) return new Uint8Array(await hit.arrayBuffer());
    } catch {
      cache = undefined;
    }
  }
  if (offline) return null;
  const res = await e.fetch(url);
  if (res.status === 404) return null;
  if (!res.ok) throw new UserError(`GET ${url}: HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  await cache?.put(url, new Response(bytes.slice().buffer)).catch(() => undefined);
  return bytes;
}

async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  const digest = await crypto.subtle.digest('SHA-256', data.slice().buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * transformers.js takes hub ids (`name` or `owner/name`) resolved against env.remoteHost +
 * remotePathTemplate, not URLs. A URL model (`https://host/a/b/encoder`) becomes the id of its last
 * one or two path segments, with remoteHost = the rest and the template `{model}/`, for the duration
 * of `run` (the env is restored after; its cache keys are full URLs, so folders of the same name on
 * other hosts do not collide there).
 */
async function withModelUrl<T>(model: string, run: (id: string) => Promise<T>): Promise<T> {
  if (!/^https?:\/\//.test(model)) return run(model);
  const url = new URL(model.replace(/\/+$/, ''));
  const parts = url.pathname.split('/').filter(Boolean);
  if (parts.length === 0) throw new UserError(`${model}: a model URL needs a folder path (e.g. https://host/models/my-encoder)`);
  const take = parts.length >= 2 ? 2 : 1;
  const id = parts.slice(-take).join('/');
  const host = `${url.origin}/${parts
    .slice(0, -take)
    .map((p) => `${p}/`)
    .join('')}`;
  const e = env as unknown as { remoteHost: string; remotePathTemplate: string; allowRemoteModels: boolean };
  const saved = { remoteHost: e.remoteHost, remotePathTemplate: e.remotePathTemplate, allowRemoteModels: e.allowRemoteModels };
  Object.assign(e, { remoteHost: host, remotePathTemplate: '{model}/', allowRemoteModels: true });
  try {
    return await run(id);
  } finally {
    Object.assign(e, saved);
  }
}

const webPlatform: Platform = {
  backend: webBackend,
  async resolve(model, { dtype, offline }) {
    const file = onnxFileFor(dtype);
    const bytes = await fetchBytes(fileUrl(model, file), offline);
    if (!bytes)
      throw new UserError(
        offline ? `${file} of ${model} is not in the browser cache and offline is set` : missingModelMessage(file, model, dtype, [], model),
      );
    const opts = { local_files_only: offline };
    const { tokenizer, config } = await withModelUrl(model, async (id) => ({
      tokenizer: (await AutoTokenizer.from_pretrained(id, opts)) as unknown as HFTokenizerLike & {
        _tokenizerJSON?: unknown;
        _tokenizerConfig?: unknown;
      },
      config: (await AutoConfig.from_pretrained(id, opts)) as unknown as Record<string, unknown>,
    }));
    const tokJson = JSON.stringify([tokenizer._tokenizerJSON ?? null, tokenizer._tokenizerConfig ?? null]);
    return {
      model,
      files: [file, 'tokenizer.json', 'tokenizer_config.json', 'config.json'],
      source: bytes,
      sha256: await sha256Hex(bytes),
      tokenizerSha256: await sha256Hex(tokJson),
      config,
      tokenizer,
    };
  },
  openCache(opts, configKey, dim) {
    // No persistent store in the browser build: the in-memory LRU only.
    return new MemoryEmbeddingCache(configKey, dim, opts.memoryEntries ?? 10_000);
  },
};

export class Encoder extends EncoderCore {
  /**
   * Loads a hub id (e.g. `Xenova/all-MiniLM-L6-v2`) or a base URL serving an HF-layout folder.
   * @example
   * const encoder = await Encoder.load('/encoder/'); // a served Hugging Face folder, or a hub id
   * encoder.info.device // 'webgpu' when the page has an adapter, else 'wasm'
   */
  static async load(model: string, options: EncoderLoadOptions = {}): Promise<Encoder> {
    return Encoder.create(webPlatform, model, options);
  }
}
