/**
 * `mtl` command line: parses the arguments with the command table (program.ts) and turns the outcome
 * into an exit code. Each subcommand's implementation is imported lazily (handler.ts).
 *
 * Exit codes: 0 success, 1 user error (one clear line; stack only with --verbose), 2 usage error.
 */
import { CommanderError } from 'commander';
import { UserError } from '../errors.js';
import { buildProgram } from './program.js';
import { escapeControlKeepLines } from '../utils/text.js';

export { buildProgram } from './program.js';
export type { GlobalOptions } from './global-options.js';

/**
 * What the CLI prints for an error: the whole message (its reason and remedy lines too), control
 * characters escaped; the stack only when verbose, else a hint for errors that are not the user's.
 */
export function formatError(err: unknown, verbose: boolean): string {
  const message = (err instanceof Error ? err.message : String(err)).trimEnd();
  let out = `mtl: ${escapeControlKeepLines(message)}\n`;
  if (verbose && err instanceof Error && err.stack) out += err.stack + '\n';
  else if (!(err instanceof UserError)) out += '(run with --verbose for the stack trace)\n';
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const cmd of program.commands) cmd.exitOverride();
  for (const cmd of program.commands.flatMap((c) => c.commands)) cmd.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are "errors" to commander; their output is already printed
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      if (err.code === 'mtl.invalidArgument') process.stderr.write(err.message + '\n');
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(formatError(err, argv.includes('--verbose')));
    return 1;
  }
}
