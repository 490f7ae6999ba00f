import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mtl } from './helpers.js';

describe('mtl demo (the README main job)', () => {
  it('trains the three tasks jointly on the samples, evaluates next to the baselines, saves, reloads and predicts', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'mtl-demo-')), 'model');
    const r = mtl(['demo', '--out', out], { timeout: 290_000 });
    expect(r.code, r.stderr).toBe(0);
    for (const task of ['sentiment', 'translation-quality', 'summarization']) expect(r.stdout).toContain(`### ${task}`);
    for (const baseline of ['majority', 'lexicon', 'model-scores', 'length-ratio', 'lead3', 'textrank'])
      expect(r.stdout).toContain(`| ${baseline} |`);
    expect(r.stdout).toMatch(/sentiment\s+".*" → (positive|negative) \(\d\.\d\d\)/);
    expect(r.stdout).toMatch(/summary\s+\[\d\]/);
    // the numbers say what they rest on: the dev rows per task, and that the samples are a smoke run
    expect(r.stdout).toMatch(
      /These numbers rest on the small samples in fixtures\/data \(sentiment \d+ dev \/ \d+ train rows, translation-quality \d+ dev/,
    );
    expect(r.stdout).toMatch(/a smoke run/);
    expect(r.stdout).toMatch(/quality .* → -?\d\.\d{3} \(predicted z-score of the DA rating/);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(true);
    // the main job runs on the bundled pretrained encoder, and the saved model names it by its short id
    expect(r.stdout).toContain('mtl:mini');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { encoder: { id?: string; dtype?: string } };
    expect(manifest.encoder.id).toBe('mtl:mini');
    expect(manifest.encoder.dtype).toBe('q8');
  }, 300_000);
});
