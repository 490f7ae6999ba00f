import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deltaMAgainst, qualityRuns, runQualitySuite } from '../../src/bench/quality.js';
import type { TrainReport } from '../../src/experiment/train.js';

describe('quality suite (smoke, quick mode on the samples)', () => {
  it('runs single-task and joint runs, computes Δm, writes JSON, Markdown and the plots', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mtl-bench-'));
    const only = [
      'single:sentiment',
      'single:translation-quality',
      'single:summarization',
      'static λ=1,1,1',
      'uncertainty',
      'cross-stitch',
    ];
    const { markdown, results } = await runQualitySuite({
      quick: true,
      sample: true,
      encoder: 'fixture:xlm-roberta',
      steps: 15,
      out,
      only,
    });
    expect(results.map((r) => r.spec.name)).toEqual(only);
    const joint = results.find((r) => r.spec.name === 'static λ=1,1,1')!;
    const singles = Object.fromEntries(results.filter((r) => r.spec.group === 'single').map((r) => [r.spec.tasks![0]!, r.report]));
    expect(Object.keys(singles)).toEqual(['sentiment', 'translation-quality', 'summarization']);
    expect(Number.isFinite(joint.deltaM)).toBe(true);
    expect(joint.deltaM).toBe(deltaMAgainst(joint.report, singles));
    expect(Object.keys(joint.report.tasks)).toEqual(['sentiment', 'translation-quality', 'summarization']);
    const stem = readFileSync(join(out, readdirJson(out)), 'utf8');
    expect(JSON.parse(stem).runs).toHaveLength(only.length);
    expect(markdown).toContain('| static λ=1,1,1 |');
    expect(markdown).toContain('baseline lead3');
    for (const p of ['curves', 'lambdas', 'bars', 'relations']) {
      // named by the date the suite ran (not the date this assertion runs)
      expect(
        readdirSync(out).filter((f) => new RegExp(`^quality-\\d{4}-\\d{2}-\\d{2}-quick-${p}\\.png$`).test(f)),
        p,
      ).toHaveLength(1);
    }
  }, 240_000);

  it('every weighting and architecture run sees all tasks each step', () => {
    for (const r of qualityRuns())
      if (r.group === 'lambda' || r.group === 'weighting' || r.group === 'architecture')
        expect(r.sampling, r.name).toEqual({ type: 'all' });
  });

  it('Δm against single-task runs follows the LibMTL formula', () => {
    const rep = (metrics: Record<string, Record<string, number>>) =>
      ({
        tasks: Object.fromEntries(Object.entries(metrics).map(([t, m]) => [t, { metrics: m, primaryMetric: 'accuracy' }])),
      }) as unknown as TrainReport;
    const joint = rep({ sentiment: { accuracy: 0.9, macro_f1: 0.8 } });
    const single = { sentiment: rep({ sentiment: { accuracy: 0.8, macro_f1: 0.8 } }) };
    // (0.9-0.8)/0.8 = 12.5 %, (0.8-0.8)/0.8 = 0 → mean over the task's 2 metrics = 6.25 %
    expect(deltaMAgainst(joint, single)).toBeCloseTo(6.25, 10);
  });
});

function readdirJson(dir: string): string {
  return readdirSync(dir).filter((f) => f.endsWith('.json'))[0]!;
}
