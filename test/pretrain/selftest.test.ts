/**
 * The trainer package's own self-test (`python3 -m mtlpretrain.selftest`): synthetic corpus, a tiny
 * CPU training run, and its checks (files written, eval forward deterministic, reloaded safetensors
 * and the `forward` subcommand equal to the in-memory model, padding row zero, held-back loss below a
 * uniform guess's). Skipped where no Python with PyTorch is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findTorchPython, trainerCommand } from '../../src/pretrain/recipe.js';

const torch = findTorchPython();
if (!torch) console.warn('pretrain self-test skipped: no Python with PyTorch (apt-get install python3-torch, or set MTL_PYTHON)');

describe.skipIf(!torch)('python3 -m mtlpretrain.selftest', () => {
  const root = mkdtempSync(join(tmpdir(), 'mtl-selftest-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const selftest = (dir: string, budget: number) => {
    const cmd = trainerCommand([]);
    const args = ['-m', 'mtlpretrain.selftest', '--dir', join(root, dir), '--budget-seconds', String(budget)];
    return spawnSync(torch!.python, args, { encoding: 'utf8', env: cmd.env, timeout: 180_000 });
  };

  it('passes its checks after a 20-second run', () => {
    const r = selftest('ok', 20);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/selftest ok: all checks passed/);
  }, 200_000);

  it('fails, naming the check, when the run is too short to learn', () => {
    const r = selftest('short', 0);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/selftest FAILED: val loss [\d.]+ not below a uniform guess's/);
  }, 200_000);
});
