import { describe, expect, it, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkpointPath, readPointer } from '../../src/training/checkpoint.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { Rng } from '../../src/utils/random.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const child = join(here, 'fixtures', 'checkpoint-child.ts');
const repo = resolve(here, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'mtl-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run the child until it has printed `minSteps` step lines, then SIGKILL it after `delayMs`. */
function runAndKill(minSteps: number, delayMs: number): Promise<{ steps: number[]; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dir], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    const steps: number[] = [];
    let stderr = '';
    let killing = false;
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      for (const m of chunk.matchAll(/step (\d+)/g)) steps.push(Number(m[1]));
      if (!killing && steps.length >= minSteps) {
        killing = true;
        setTimeout(() => proc.kill('SIGKILL'), delayMs);
      }
    });
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolvePromise({ steps, stderr });
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
    setTimeout(() => {
      if (!killing) {
        proc.kill('SIGKILL');
        reject(new Error(`child printed no steps in time: ${stderr}`));
      }
    }, 60_000);
  });
}

describe('crash safety', () => {
  it('SIGKILL at random moments while checkpointing never leaves an unreadable latest checkpoint', async () => {
    const rng = new Rng(2024);
    let lastStep = 0;
    for (let round = 0; round < 5; round++) {
      const { steps } = await runAndKill(2, Math.floor(rng.next() * 120));
      expect(steps.length).toBeGreaterThanOrEqual(2);
      // resumed where the previous round's latest checkpoint was
      expect(steps[0]).toBe(lastStep + 1);
      const pointer = readPointer(dir, 'latest');
      const path = checkpointPath(dir)!;
      expect(pointer).toMatchObject({ checkpoint: basename(path) });
      const model = await MultiTaskModel.load(path, { log: false, backend: 'cpu' });
      expect(model.taskNames).toEqual(['cls', 'reg']);
      const trainer = JSON.parse(readFileSync(join(path, 'trainer.json'), 'utf8')) as { step: number };
      expect(trainer.step).toBe(pointer!.step);
      expect(pointer!.step).toBeGreaterThanOrEqual(steps[1]! - 1);
      model.dispose();
      lastStep = pointer!.step;
    }
    // at most the kept checkpoint and one stale folder from the moment of the kill
    expect(readdirSync(dir).filter((n) => n.startsWith('ckpt-')).length).toBeLessThanOrEqual(2);
  });
});
