/**
 * Node entry of the shared encoder: onnxruntime-node backend, local/hub model resolution through
 * @huggingface/transformers, SQLite embedding cache. `index.browser.ts` exposes the same `Encoder` API.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { writeFileAtomic } from '../utils/fs.js';
import { nodeBackend } from './backend/node.js';
import { shortProviderLine } from './backend/fallback.js';
import { resolveEncoderRef } from './refs.js';
import { EncoderCore, type EncoderLoadOptions, type Platform } from './core.js';
import { SqliteEmbeddingCache } from './cache-sqlite.js';
import { encodeNpy } from './npy.js';
import { resolveModel } from './resolve-node.js';
import type { Device, Dtype, Pooling } from './types.js';

export * from './types.js';
export { PAIR_KEY_PREFIX, pairKey, isPairKey, parsePairKey } from './pairs.js';
export type { EncoderLoadOptions, EncoderStats } from './core.js';
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
    return new SqliteEmbeddingCache({ dir: opts.dir, configKey, dim, memoryEntries: opts.memoryEntries, warn });
  },
};

export class Encoder extends EncoderCore {
  /**
   * Loads a hub id (e.g. `Xenova/all-MiniLM-L6-v2`), a local HF-layout folder, or
   * `fixture:<variant>`: a random-weight encoder generated offline (see `mtl fixtures`), or
   * `mtl:<name>`: a pretrained encoder shipped in the package (`models/<name>`, e.g. `mtl:mini`).
   */
  static async load(model: string, options: EncoderLoadOptions = {}): Promise<Encoder> {
    const ref = await resolveEncoderRef(model);
    if (ref.defaultDtype && !options.dtype) options = { ...options, dtype: ref.defaultDtype };
    return Encoder.create(nodePlatform, ref.model, options);
  }
}

export interface EncodeCommandOptions {
  model: string;
  /** Text file, one text per line. */
  input: string;
  /** `.jsonl` (one JSON array per line) or `.npy` (float32 [n, d]). */
  output: string;
  dtype?: Dtype;
  pooling?: Pooling;
  device?: Device;
  maxLength?: number;
  normalize?: boolean;
  threads?: number;
  /** Folder of the persistent embedding cache; none when omitted. */
  cacheDir?: string;
  offline?: boolean;
  quiet?: boolean;
  /** Log lines in full (the provider line keeps ORT's reasons for each skipped provider). */
  verbose?: boolean;
}

/** Reads texts (one per line; a final newline does not add an empty text). */
export function parseLines(content: string): string[] {
  if (content.startsWith('\uFEFF')) content = content.slice(1);
  const lines = content.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** `mtl encode --model M --input texts.txt --output vectors.{jsonl,npy}`: writes the output atomically. */
export async function encodeCommand(opts: EncodeCommandOptions): Promise<{ count: number; dim: number }> {
  const ext = extname(opts.output).toLowerCase();
  if (ext !== '.jsonl' && ext !== '.npy') throw new Error(`output must end in .jsonl or .npy, got ${opts.output}`);
  const texts = parseLines(await readFile(opts.input, 'utf8'));
  const log = opts.quiet ? () => undefined : (m: string) => console.error(opts.verbose ? m : shortProviderLine(m));
  const enc = await Encoder.load(opts.model, {
    dtype: opts.dtype,
    pooling: opts.pooling,
    device: opts.device,
    maxLength: opts.maxLength,
    normalize: opts.normalize,
    threads: opts.threads,
    offline: opts.offline,
    cache: opts.cacheDir ? { dir: opts.cacheDir } : false,
    logger: log,
  });
  try {
    let last = 0;
    const out = await enc.encode(texts, {
      onProgress: ({ done, total }) => {
        const now = Date.now();
        if (!opts.quiet && (now - last > 1000 || done === total)) {
          last = now;
          // a terminal gets one updating line; a log file or pipe gets plain lines (no \r)
          if (process.stderr.isTTY) {
            process.stderr.write(`\rencoded ${done}/${total}`);
            if (done === total) process.stderr.write('\n');
          } else if (done > 0) process.stderr.write(`encoded ${done}/${total}\n`);
        }
      },
    });
    const [n, d] = out.dims;
    if (ext === '.npy') {
      await writeFileAtomic(opts.output, encodeNpy(out.data, n, d));
    } else {
      const lines: string[] = [];
      for (let i = 0; i < n; i++) lines.push(JSON.stringify(Array.from(out.data.subarray(i * d, i * d + d))));
      await writeFileAtomic(opts.output, lines.length ? lines.join('\n') + '\n' : '');
    }
    if (!opts.quiet) console.error(`[encoder] wrote ${n}×${d} ${ext.slice(1)} to ${opts.output} (${enc.info.device}, ${enc.info.dtype}, ${enc.info.pooling})`);
    return { count: n, dim: d };
  } finally {
    await enc.dispose();
  }
}
