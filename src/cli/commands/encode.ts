import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { firstInvalidUtf8Line, readInputFile, refuseBinary, warnUser } from '../input.js';
import type { GlobalOptions } from '../global-options.js';

export default async function encode(opts: Record<string, unknown>, _args: string[], global: GlobalOptions): Promise<void> {
  const { encodeCommand } = await import('../../experiment/encode-file.js');
  const { resolveModelId } = await import('../../experiment/encoder.js');
  // the same one-line errors as the other commands for a missing path or a directory; invalid UTF-8 is reported
  const inputPath = String(opts.input);
  const bytes = readInputFile(inputPath);
  refuseBinary(bytes, inputPath);
  const bad = firstInvalidUtf8Line(bytes);
  if (bad !== null) warnUser(global, `${inputPath}:${bad}: invalid UTF-8 (bytes replaced with U+FFFD); first affected line`);
  const output = String(opts.output);
  if (!/\.(jsonl|npy)$/i.test(output)) throw new UserError(`--output ${output}: must end in .jsonl or .npy`);
  // as mtl train does with --out: an existing file is replaced only when asked
  if (existsSync(output) && !opts.overwrite) throw new UserError(`${output} already exists; pass --overwrite to replace it, or choose another --output`);
  const res = await encodeCommand({
    model: await resolveModelId(String(opts.model)),
    input: resolve(inputPath),
    output: resolve(String(opts.output)),
    dtype: opts.dtype as never,
    pooling: opts.pooling as never,
    device: opts.device as never,
    maxLength: opts.maxLength as number | undefined,
    layer: opts.layer as number | undefined,
    workers: opts.workers as number | undefined,
    cacheDir: opts.cache ? resolve(String(opts.cache)) : undefined,
    quiet: global.quiet,
    verbose: global.verbose,
  });
  if (!global.quiet) process.stderr.write(`encoded ${res.count} texts, dim ${res.dim} -> ${String(opts.output)}\n`);
}
