/** Small CLI contracts: usage errors, config locations, encode errors and output without a TTY. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';
import { loadTrainingConfig } from '../../src/config/load.js';
import { shortProviderLine } from '../../src/encoder/backend/fallback.js';
import { packageRoot } from '../../src/utils/paths.js';
import { mtl } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mtl-options-'));
const tasks = join(packageRoot(), 'tasks');

describe('train options and configs', () => {
  it('--steps 0, --epochs 0, --steps -3 are usage errors (exit 2)', () => {
    for (const args of [['--steps', '0'], ['--epochs', '0'], ['--steps=-3']]) {
      const r = mtl(['train', '--config', 'tasks/multitask.yaml', '--sample', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/must be a positive integer/);
    }
  });

  it('a missing task file is reported with the config line that names it', () => {
    const cfg = join(tmp, 'missing-task.yaml');
    writeFileSync(
      cfg,
      `encoder: { model: 'fixture:bert' }\ntasks:\n  - { config: ${join(tasks, 'sentiment.yaml')}, lambda: 1 }\n  - { config: nope.yaml, lambda: 1 }\n`,
    );
    const r = mtl(['train', '--config', cfg, '--sample']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`missing-task\\.yaml:4: tasks\\.1\\.config: task config nope\\.yaml not found`));
  });

  it('a config without a training section gets the documented defaults', () => {
    const cfg = join(tmp, 'no-training.yaml');
    writeFileSync(
      cfg,
      `encoder: { model: 'fixture:bert' }\ntasks:\n  - { config: ${join(tasks, 'sentiment.yaml')}, lambda: 0 }\n  - { config: ${join(tasks, 'summarization.yaml')} }\n`,
    );
    const c = loadTrainingConfig(cfg);
    expect(c.training.weighting).toEqual({ type: 'static' });
    expect(c.training.batchSize).toBe(32);
    expect(c.training.optimizer.lr).toBe(1e-3);
  });

  it('all-zero λ with static weighting is refused', () => {
    const cfg = join(tmp, 'zero.yaml');
    writeFileSync(
      cfg,
      `encoder: { model: 'fixture:bert' }\ntasks:\n  - { config: ${join(tasks, 'sentiment.yaml')}, lambda: 0 }\n  - { config: ${join(tasks, 'translation-quality.yaml')}, lambda: 0 }\ntraining: { weighting: { type: static } }\n`,
    );
    const r = mtl(['train', '--config', cfg, '--sample', '--steps', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/zero\.yaml:3: tasks: every lambda is 0/);
  });
});

describe('train --resume with other options', () => {
  it('names the option that differs and what to pass', () => {
    const out = join(tmp, 'resume-mismatch');
    const args = [
      '--quiet',
      'train',
      '--config',
      'tasks/multitask.yaml',
      '--sample',
      '--encoder',
      'fixture:bert',
      '--tasks',
      'sentiment',
      '--out',
      out,
    ];
    expect(mtl([...args, '--steps', '6']).code).toBe(0);
    rmSync(join(out, 'manifest.json')); // as if killed after its last checkpoint
    const r = mtl([...args, '--steps', '9', '--resume']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /resume: checkpoint .* was written with totalSteps = 6, this run has 9; resume with the same options as the interrupted run, or pass --overwrite to start over/,
    );
    expect(r.stderr).not.toContain('--verbose');
  });
});

describe('encode', () => {
  it('a missing path or a directory: one line naming the path', () => {
    const missing = join(tmp, 'nope.txt');
    const r = mtl(['encode', '--model', 'fixture:bert', '--input', missing, '--output', join(tmp, 'v.npy')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mtl: ${missing}: file not found\n`);
    const d = mtl(['encode', '--model', 'fixture:bert', '--input', tmp, '--output', join(tmp, 'v.npy')]);
    expect(d.code).toBe(1);
    expect(d.stderr).toBe(`mtl: ${tmp}: is a directory, not a file\n`);
  });

  it('without a TTY: plain lines (no \\r), a short provider line, invalid UTF-8 warned', () => {
    const input = join(tmp, 'texts.txt');
    writeFileSync(input, Buffer.concat([Buffer.from('a good film\n'), Buffer.from([0xe9, 0x0a])]));
    const r = mtl(['encode', '--model', 'fixture:bert', '--input', input, '--output', join(tmp, 'v.jsonl')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).toMatch(/texts\.txt:2: invalid UTF-8/);
    const provider = r.stderr.split('\n').find((l) => l.includes('execution provider'));
    if (provider) expect(provider.length).toBeLessThan(120);
  });

  it('a binary --input is refused naming the file (exit 1), nothing written', () => {
    const bin = join(tmp, 'image.bin');
    writeFileSync(bin, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37 + 11) % 256)));
    const out = join(tmp, 'bin.jsonl');
    const r = mtl(['encode', '--model', 'fixture:bert', '--input', bin, '--output', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^mtl: ${bin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a text file: .*; give UTF-8 text`));
    expect(existsSync(out)).toBe(false);
  });

  it('an existing --output is refused unless --overwrite, as mtl train does', () => {
    const input = join(tmp, 'two.txt');
    writeFileSync(input, 'a good film\na bad film\n');
    const out = join(tmp, 'keep.jsonl');
    writeFileSync(out, 'precious\n');
    const r = mtl(['encode', '--model', 'fixture:bert', '--input', input, '--output', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/keep\.jsonl already exists; pass --overwrite to replace it, or choose another --output/);
    expect(readFileSync(out, 'utf8')).toBe('precious\n');
    const o = mtl(['--quiet', 'encode', '--model', 'fixture:bert', '--input', input, '--output', out, '--overwrite']);
    expect(o.code, o.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('shortProviderLine keeps the providers, drops the reasons', () => {
    const long =
      '[encoder] execution provider: cpu (cuda unavailable: CUDA execution provider not installed (lib.so missing; opt in with: x); webgpu unavailable: WebGPU needs a Vulkan loader (libvulkan.so.1), none found)';
    expect(shortProviderLine(long)).toBe('[encoder] execution provider: cpu (cuda, webgpu unavailable; --verbose for the reasons)');
    expect(shortProviderLine('[encoder] execution provider: cuda')).toBe('[encoder] execution provider: cuda');
  });
});

describe('progress without a TTY', () => {
  it('writes plain lines, never \\r', () => {
    let out = '';
    const stream = { isTTY: false, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
    const p = createProgress({ stream, intervalMs: 0 });
    p.start('train', 3);
    for (let i = 1; i <= 3; i++) p.update(i, { loss: 0.5 });
    p.stop();
    expect(out).not.toContain('\r');
    expect(
      out
        .trim()
        .split('\n')
        .every((l) => /^train \d\/3 eta /.test(l)),
    ).toBe(true);
  });
});

describe('help text', () => {
  it('states a default once: no option both has a default (shown by commander) and names one in its text', async () => {
    const { buildProgram } = await import('../../src/cli/main.js');
    const twice: string[] = [];
    const walk = (cmd: import('commander').Command, path: string) => {
      for (const o of cmd.options) {
        if (o.defaultValue !== undefined && !o.negate && /\bdefault\b/i.test(o.description))
          twice.push(`${path} ${o.flags}: ${o.description}`);
      }
      for (const c of cmd.commands) walk(c, `${path} ${c.name()}`);
    };
    walk(buildProgram(), 'mtl');
    expect(twice).toEqual([]);
  });
});
