import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/utils/paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `mtl` from source (tsx), as a separate process, like a user would. */
export function mtl(args: string[], options: { input?: string; timeout?: number; env?: Record<string, string> } = {}): CliResult {
  const root = packageRoot();
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/bin.ts'), ...args], {
    cwd: root,
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeout ?? 240_000,
    env: { ...process.env, FORCE_COLOR: '0', ...(options.env ?? {}) },
  });
  return { code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

/** Start `mtl` from source as a child process (for tests that signal it mid-run). */
export function mtlSpawn(args: string[]): ChildProcess {
  const root = packageRoot();
  return spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/bin.ts'), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
}
