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

/**
 * Runs `node <args>` as a child process without blocking this one (a test may serve it meanwhile),
 * in `cwd` (default the package root); resolves with its exit code (-1 when killed, e.g. after
 * `timeoutMs`) and its output.
 */
export function nodeAsync(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? packageRoot(),
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
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
