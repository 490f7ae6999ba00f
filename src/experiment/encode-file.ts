/**
 * `mtl encode`'s work, also a library call: texts from a file (one per line) → vectors written
 * atomically as `.jsonl` or `.npy`, with progress and the provider line on stderr unless quiet.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { shortProviderLine } from '../encoder/backend/fallback.js';
import { Encoder } from '../encoder/index.js';
import { encodeNpy } from '../encoder/npy.js';
import type { Device, Dtype, Pooling } from '../encoder/types.js';
import { writeFileAtomic } from '../utils/fs.js';
import { UserError } from '../errors.js';

export interface EncodeCommandOptions {
  model: string;
  /** Text file, one text per line. */
  input: string;
  /** `.jsonl` (one JSON array per line) or `.npy` (float32 [n, d]). */
  output: string;
  dtype?: Dtype | 'auto';
  pooling?: Pooling;
  device?: Device;
  maxLength?: number;
  /** Read the vectors from this layer (Encoder's `layer` option). */
  layer?: number;
  normalize?: boolean;
  threads?: number;
  /** Worker threads running batches at once (Encoder's `workers` option). */
  workers?: number;
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
  if (ext !== '.jsonl' && ext !== '.npy')
    throw new UserError(`output ${opts.output}: must end in .jsonl or .npy (name the output file for the format you want)`);
  const texts = parseLines(await readFile(opts.input, 'utf8'));
  const log = opts.quiet ? () => undefined : (m: string) => console.error(opts.verbose ? m : shortProviderLine(m));
  const enc = await Encoder.load(opts.model, {
    dtype: opts.dtype,
    pooling: opts.pooling,
    device: opts.device,
    maxLength: opts.maxLength,
    ...(opts.layer !== undefined ? { layer: opts.layer } : {}),
    normalize: opts.normalize,
    threads: opts.threads,
    ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
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
    if (!opts.quiet)
      console.error(
        `[encoder] wrote ${n}×${d} ${ext.slice(1)} to ${opts.output} (${enc.info.device}, ${enc.info.dtype}, ${enc.info.pooling})`,
      );
    return { count: n, dim: d };
  } finally {
    await enc.dispose();
  }
}
