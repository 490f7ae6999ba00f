import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEncoderSuite } from '../../src/bench/encoders.js';
import { deltaMAgainst } from '../../src/bench/quality.js';

describe('encoder suite (smoke, quick mode on the samples)', () => {
  it('runs joint and single-task runs per encoder, baselines once, Δm, JSON + Markdown + plot', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mtl-bench-enc-'));
    const { markdown, rows } = await runEncoderSuite({
      encoders: [
        { label: 'bert', model: 'fixture:bert' },
        { label: 'xlmr', model: 'fixture:xlm-roberta' },
      ],
      quick: true,
      sample: true,
      out,
    });
    expect(rows.map((r) => r.encoder.label)).toEqual(['bert', 'xlmr']);
    for (const r of rows) {
      expect(Object.keys(r.joint.tasks)).toEqual(['sentiment', 'translation-quality', 'summarization']);
      expect(Object.keys(r.singles)).toEqual(['sentiment', 'translation-quality', 'summarization']);
      expect(Number.isFinite(r.deltaM)).toBe(true);
      expect(r.deltaM).toBe(deltaMAgainst(r.joint, r.singles));
    }
    // the two encoders give different features, hence different single-task metrics
    expect(rows[0]!.singles['translation-quality']!.tasks['translation-quality']!.metrics.pearson).not.toBe(
      rows[1]!.singles['translation-quality']!.tasks['translation-quality']!.metrics.pearson,
    );
    // named by the date the suite ran (not the date this assertion runs)
    const json1 = readdirSync(out).filter((f) => /^encoders-\d{4}-\d{2}-\d{2}-quick\.json$/.test(f));
    expect(json1).toHaveLength(1);
    const stem = join(out, json1[0]!.replace(/\.json$/, ''));
    const json = JSON.parse(readFileSync(`${stem}.json`, 'utf8')) as {
      rows: unknown[];
      baselines: Record<string, Record<string, unknown>>;
    };
    expect(json.rows).toHaveLength(2);
    expect(Object.keys(json.baselines.summarization ?? {})).toContain('lead3');
    expect(existsSync(`${stem}-bars.png`)).toBe(true);
    expect(markdown).toMatch(/\| bert \| joint \| [\d.]+ \| [-\d.]+ \|/);
    expect(markdown).toContain('| baseline model-scores |');
  }, 240_000);
});
