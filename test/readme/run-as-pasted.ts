/**
 * The docs' code blocks, and running one as a user pastes it into a file of their program: the code is
 * written inside the package (the git-ignored .cache/readme/), so that `import … from 'mtl-nlp'`
 * resolves, by the package's self-reference, to this checkout's built dist/ (`npm run build`), and
 * Node runs it with tsx in the working folder `cwd` (relative paths in the block are read there).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../src/utils/paths.js';
import { nodeAsync, type CliResult } from '../cli/helpers.js';

/** The fenced code blocks of a Markdown text: language, body and the 1-based line of the opening fence. */
export function fencedBlocks(md: string): { lang: string; body: string; line: number }[] {
  return [...md.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)].map((m) => ({
    lang: m[1]!,
    body: m[2]!,
    line: md.slice(0, m.index).split('\n').length,
  }));
}

/** tsx's loader by absolute URL, so that the block may run in any folder (`--import tsx` resolves from the working folder). */
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Writes `code` to .cache/readme/<name>.mts and runs it; resolves when it exits (or is killed after
 * `timeoutMs`, default 280 s: code -1), with its output.
 */
export function runAsPasted(name: string, code: string, options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const dir = join(packageRoot(), '.cache', 'readme');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.mts`);
  writeFileSync(file, code);
  return nodeAsync(['--import', tsx, file], { cwd: options.cwd, timeoutMs: options.timeoutMs ?? 280_000 });
}
