/**
 * The docs' code blocks, and running one as a user pastes it into a file of their program: the code is
 * written inside the package (the git-ignored .cache/readme/), so that `import … from 'mtl-nlp'`
 * resolves, by the package's self-reference, to this checkout's built dist/ (`npm run build`), and
 * Node runs it with tsx in the working folder `cwd` (relative paths in the block are read there).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../src/utils/paths.js';

export interface PastedRun {
  /** The exit code (null when killed, e.g. by the timeout). */
  status: number | null;
  stdout: string;
  stderr: string;
}

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
 * `timeoutMs`, default 280 s), with its output.
 */
export function runAsPasted(name: string, code: string, options: { cwd?: string; timeoutMs?: number } = {}): Promise<PastedRun> {
  const dir = join(packageRoot(), '.cache', 'readme');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.mts`);
  writeFileSync(file, code);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, file], {
      cwd: options.cwd ?? packageRoot(),
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 280_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
