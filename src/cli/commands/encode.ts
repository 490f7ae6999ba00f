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
  const bad = opts.queue === undefined ? firstInvalidUtf8Line(bytes) : null; // the queue refuses invalid UTF-8 with its line
  if (bad !== null) warnUser(global, `${inputPath}:${bad}: invalid UTF-8 (bytes replaced with U+FFFD); first affected line`);
  const output = String(opts.output);
  if (!/\.(jsonl|npy)$/i.test(output)) throw new UserError(`--output ${output}: must end in .jsonl or .npy`);
  // as mtl train does with --out: an existing file is replaced only when asked
  if (existsSync(output) && !opts.overwrite)
    throw new UserError(`${output} already exists; pass --overwrite to replace it, or choose another --output`);
  if (opts.queue !== undefined) return encodeOnQueue(opts, inputPath, global);
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

/** `mtl encode --queue URL`: the shards go to the workers; the model is named as given (the workers resolve it). */
async function encodeOnQueue(opts: Record<string, unknown>, inputPath: string, global: GlobalOptions): Promise<void> {
  const { loadQueueModule } = await import('../../distributed/deps.js');
  const { encodeFileDistributed } = await loadQueueModule(() => import('../../distributed/encode-file.js'));
  const { normalizeModelRef } = await import('../../distributed/models.js');
  const output = String(opts.output);
  if (opts.workers !== undefined || opts.cache !== undefined || (opts.device !== undefined && opts.device !== 'auto')) {
    throw new UserError(
      "--queue: --workers, --cache and --device are the workers' business; leave them out (start mtl worker with --concurrency instead)",
    );
  }
  let last = 0;
  const res = await encodeFileDistributed({
    queue: String(opts.queue),
    // a local folder travels as its absolute path (the workers' allow lists name folders that way)
    model: normalizeModelRef(String(opts.model)),
    input: resolve(inputPath),
    inputLabel: inputPath,
    output: resolve(output),
    settings: {
      ...(opts.dtype !== undefined ? { dtype: opts.dtype as never } : {}),
      ...(opts.pooling !== undefined ? { pooling: opts.pooling as never } : {}),
      ...(opts.maxLength !== undefined ? { maxLength: opts.maxLength as number } : {}),
      ...(opts.layer !== undefined ? { layer: opts.layer as number } : {}),
    },
    ...(opts.shardSize !== undefined ? { shardSize: opts.shardSize as number } : {}),
    log: global.quiet ? () => undefined : (m) => process.stderr.write(`${m}\n`),
    onProgress: (p) => {
      const now = Date.now();
      if (global.quiet || (now - last < 1000 && p.doneShards !== p.totalShards)) return;
      last = now;
      process.stderr.write(`encoded ${p.doneTexts}/${p.totalTexts} (shards ${p.doneShards}/${p.totalShards})\n`);
    },
  });
  if (!global.quiet)
    process.stderr.write(
      `encoded ${res.rows} texts, dim ${res.dim} -> ${output} (${res.shards} shards: ${res.computed} computed by workers, ${res.reused} already done)\n`,
    );
}
