import { resolve } from 'node:path';
import type { GlobalOptions } from '../main.js';

export default async function encode(opts: Record<string, unknown>, _args: string[], global: GlobalOptions): Promise<void> {
  const { encodeCommand } = await import('../../encoder/index.js');
  const { resolveModelId } = await import('../../pipeline/encoder.js');
  const res = await encodeCommand({
    model: await resolveModelId(String(opts.model)),
    input: resolve(String(opts.input)),
    output: resolve(String(opts.output)),
    dtype: opts.dtype as never,
    pooling: opts.pooling as never,
    device: opts.device as never,
    maxLength: opts.maxLength as number | undefined,
    cacheDir: opts.cache ? resolve(String(opts.cache)) : undefined,
    quiet: global.quiet,
  });
  if (!global.quiet) process.stderr.write(`encoded ${res.count} texts, dim ${res.dim} -> ${String(opts.output)}\n`);
}
