/**
 * `mtl train --resume` / `--overwrite` through the CLI, with a real SIGKILL mid-training: the
 * resumed run ends with the same weights (within 1e-6) as an uninterrupted one.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../src/training/safetensors.js';
import { mtl, mtlSpawn } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mtl-resume-'));
const STEPS = '300';
const trainArgs = (out: string) => [
  '--quiet',
  'train',
  '--config',
  'tasks/multitask.yaml',
  '--sample',
  '--encoder',
  'fixture:bert',
  '--steps',
  STEPS,
  '--out',
  out,
  '--json',
];

/** Start training and SIGKILL it right after its first checkpoint is logged. */
async function trainAndKill(out: string): Promise<void> {
  const child = mtlSpawn(trainArgs(out));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const log = join(out, 'checkpoints', 'metrics.jsonl');
  const deadline = Date.now() + 200_000;
  for (;;) {
    if (existsSync(log) && readFileSync(log, 'utf8').includes('"type":"checkpoint"')) break;
    if (child.exitCode !== null) throw new Error(`training ended before it could be killed: ${stderr}`);
    if (Date.now() > deadline) throw new Error('no checkpoint in time');
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill('SIGKILL');
  await exited;
  expect(child.signalCode).toBe('SIGKILL');
}

function weights(dir: string): Map<string, Float32Array> {
  const file = join(dir, 'model.safetensors');
  const t = decodeSafetensors(new Uint8Array(readFileSync(file)), file).tensors;
  return new Map([...t].map(([k, v]) => [k, v.data as Float32Array]));
}

describe('mtl train --resume after kill -9', () => {
  it('refuses to reuse the folder silently, predict says how to resume, --resume matches an uninterrupted run', async () => {
    const full = join(tmp, 'full');
    const r0 = mtl(trainArgs(full));
    expect(r0.code, r0.stderr).toBe(0);

    const out = join(tmp, 'killed');
    await trainAndKill(out);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    const pointer = JSON.parse(readFileSync(join(out, 'checkpoints', 'latest'), 'utf8')) as { step: number };
    expect(pointer.step).toBeLessThan(Number(STEPS));

    // predict on the unfinished run: says so, and gives the command that resumes it
    const p = mtl(['predict', '--model', out, '--task', 'sentiment', 'a fine film']);
    expect(p.code).toBe(1);
    expect(p.stderr.trim().split('\n')).toHaveLength(1);
    expect(p.stderr).toMatch(/unfinished training run \(last checkpoint at step \d+ of 300\)/);
    expect(p.stderr).toContain(`--out ${out}`);
    expect(p.stderr).toMatch(/--resume/);

    // the same command again: refused with one line naming both flags; checkpoints untouched
    const again = mtl(trainArgs(out));
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(/holds an unfinished training run .*pass --resume to continue it or --overwrite to start over/);
    expect(readFileSync(join(out, 'checkpoints', 'latest'), 'utf8')).toContain(`"step":${pointer.step}`);

    const both = mtl([...trainArgs(out), '--resume', '--overwrite']);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/--resume or --overwrite, not both/);

    const resumed = mtl([...trainArgs(out), '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const a = weights(full);
    const b = weights(out);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    let maxDiff = 0;
    for (const [k, va] of a) {
      const vb = b.get(k)!;
      for (let i = 0; i < va.length; i++) maxDiff = Math.max(maxDiff, Math.abs(va[i]! - vb[i]!));
    }
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
    const ra = JSON.parse(r0.stdout) as { steps: number; tasks: Record<string, { metrics: Record<string, number> }> };
    const rb = JSON.parse(resumed.stdout) as typeof ra;
    expect(rb.steps).toBe(300);
    for (const [task, rep] of Object.entries(ra.tasks)) {
      for (const [m, v] of Object.entries(rep.metrics))
        expect(Math.abs(rb.tasks[task]!.metrics[m]! - v), `${task}.${m}`).toBeLessThanOrEqual(1e-6);
    }

    // both runs are marked in metrics.jsonl
    const runs = readFileSync(join(out, 'checkpoints', 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{"type":"run"'))
      .map((l) => JSON.parse(l) as { run: string; resumed: boolean; fromStep: number; startedAt: string });
    expect(runs).toHaveLength(2);
    expect(runs[0]!.resumed).toBe(false);
    expect(runs[1]!.resumed).toBe(true);
    expect(runs[1]!.fromStep).toBe(pointer.step);
    expect(runs[0]!.run).not.toBe(runs[1]!.run);

    // finished: plain re-run and --resume are refused; --overwrite starts over
    const done = mtl(trainArgs(out));
    expect(done.code).toBe(1);
    expect(done.stderr).toMatch(/already holds a trained model; pass --overwrite/);
    const over = mtl([...trainArgs(out), '--overwrite']);
    expect(over.code, over.stderr).toBe(0);
    const runsAfter = readFileSync(join(out, 'checkpoints', 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{"type":"run"'));
    expect(runsAfter).toHaveLength(1);
  }, 300_000);
});
