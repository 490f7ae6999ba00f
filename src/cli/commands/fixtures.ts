import { resolve } from 'node:path';
import type { GlobalOptions } from '../global-options.js';

export default async function fixtures(opts: Record<string, unknown>, _args: string[], global: GlobalOptions): Promise<void> {
  const { fixturesCommand } = await import('../../generators/index.js');
  const dirs = await fixturesCommand({
    out: resolve(String(opts.out)),
    variant: opts.variant as never,
    seed: opts.seed as number,
  });
  if (!global.quiet) for (const d of dirs) process.stdout.write(d + '\n');
}
