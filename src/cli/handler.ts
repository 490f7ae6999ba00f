/**
 * How a command reaches its implementation: the handler module is imported when the command runs (so
 * `--help` and small commands start fast) and gets its options, arguments, the global options and a
 * logger on stderr (none with --quiet).
 */
import type { Command } from 'commander';
import type { GlobalOptions } from './global-options.js';
import { escapeControlKeepLines } from '../utils/text.js';

export type Handler = (opts: Record<string, unknown>, args: string[], global: GlobalOptions, command: string) => Promise<void>;

/** A commander action that imports the handler and runs it; what it throws reaches main (main.ts), which turns it into an exit code. */
export function run(load: () => Promise<{ default: Handler }>) {
  return async function (this: Command) {
    const cmd: Command = this; // eslint-disable-line @typescript-eslint/no-this-alias -- commander passes the command as `this`
    const opts = cmd.opts();
    const args = cmd.args;
    let root: Command = cmd;
    while (root.parent) root = root.parent;
    const global = { ...(cmd.optsWithGlobals() as GlobalOptions), argv: [...((root as unknown as { rawArgs?: string[] }).rawArgs ?? [])] };
    const handler = (await load()).default;
    // loaders' warnings (e.g. a file decoded as windows-1252) reach the user unless --quiet
    // the library writes nothing by itself: the command line gives it a logger on stderr (none with --quiet)
    const { env } = await import('../utils/env.js');
    const { shortProviderLine } = await import('../encoder/backend/fallback.js');
    env.logger = global.quiet
      ? null
      : {
          info: (m) => process.stderr.write(`${escapeControlKeepLines(global.verbose ? m : shortProviderLine(m))}\n`),
          warn: (m) => process.stderr.write(`mtl: warning: ${escapeControlKeepLines(m)}\n`),
        };
    await handler(opts, args, global, cmd.name());
  };
}
