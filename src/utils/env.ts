/**
 * The toolkit's settings in one object, as transformers.js has its `env`: where the cache lives,
 * where the library's notices go, and which backends to prefer. Change it before loading models:
 *
 *   import { env } from 'mtl-nlp';
 *   env.cacheDir = '/data/mtl-cache';
 *   env.logger = { info: (m) => myLog.info(m), warn: (m) => myLog.warn(m) };
 *
 * @example
 * env.cacheDir          // null: the user cache folder (~/.cache/mtl-nlp on Linux), or $MTL_CACHE_DIR
 * env.logger            // null: silent
 * env.backends          // { training: 'auto', device: 'auto' }
 *
 * The library writes nothing to the console by itself: notices (the execution provider chosen, a
 * corrupt cache rebuilt, a setting that has no effect) go to `env.logger`, which is null (silent)
 * unless the application sets one. The `mtl` command line sets one that writes to stderr.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export interface Env {
  /**
   * Folder for generated fixture encoders and the persistent embedding cache. Null: the user cache
   * folder ($MTL_CACHE_DIR, else $XDG_CACHE_HOME/mtl-nlp or ~/.cache/mtl-nlp on Linux,
   * ~/Library/Caches/mtl-nlp on macOS, %LOCALAPPDATA%\mtl-nlp\Cache on Windows). Node only.
   */
  cacheDir: string | null;
  /** Where notices go; null writes nothing. */
  logger: Logger | null;
  backends: {
    /** TensorFlow.js backend for the heads when a model names none: 'auto' (tensorflow, wasm, cpu), or one of them. */
    training: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
    /** Encoder execution provider when a load names none: 'auto' (CUDA/WebGPU where present, else CPU/wasm), or one. */
    device: 'auto' | 'cuda' | 'webgpu' | 'cpu' | 'wasm';
  };
}

export const env: Env = {
  cacheDir: null,
  logger: null,
  backends: { training: 'auto', device: 'auto' },
};

/** A notice for the application's logger (nothing when there is none). */
export function notice(message: string, level: 'info' | 'warn' = 'info'): void {
  env.logger?.[level](message);
}
