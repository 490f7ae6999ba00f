/**
 * `mtl bench --suite finetune-joint` (benchmarks/finetune-joint.ts): the README's fine-tuning command
 * and its frozen twin, each a child `mtl train`, reported with wall time, peak memory, step times and
 * each epoch's dev metrics; `--quick` runs them on the samples for 4 steps. Needs
 * ../shared/models/reference-mini; without it the run is skipped with a message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/utils/paths.js';
import { mtl } from '../cli/helpers.js';

const referenceMini = join(packageRoot(), '..', 'shared', 'models', 'reference-mini');
const have = existsSync(join(referenceMini, 'onnx', 'model.onnx'));
if (!have) console.warn(`skipping the finetune-joint suite run: ${referenceMini} is absent`);

interface Run {
  variant: string;
  command: string;
  wallS: number;
  peakRssMiB: number | null;
  finetune: { layers: number; of: number; read: number } | null;
  stepMs: Record<string, { n: number; median: number }>;
  evals: { metrics: Record<string, Record<string, number>> }[];
  baselines: Record<string, Record<string, Record<string, number>>>;
  reloaded?: { metrics: Record<string, number>; trained: Record<string, number>; maxDiff: number };
}

describe('mtl bench --suite finetune-joint', () => {
  it.skipIf(!have)(
    '--quick: the frozen and the fine-tuned run, each with its command, time, memory, steps and dev metrics; a table and a plot',
    () => {
      const out = mkdtempSync(join(tmpdir(), 'mtl-bench-ft-joint-'));
      const r = mtl(['bench', '--suite', 'finetune-joint', '--quick', '--encoder', referenceMini, '--out', out], { timeout: 300_000 });
      expect(r.code, r.stderr).toBe(0);
      const file = readdirSync(out).find((f) => /^finetune-joint-\d{4}-\d{2}-\d{2}-quick\.json$/.test(f));
      expect(file, readdirSync(out).join(', ')).toBeDefined();
      const { runs } = JSON.parse(readFileSync(join(out, file!), 'utf8')) as { runs: Run[] };
      expect(runs.map((x) => x.variant)).toEqual(['frozen', 'top2']);
      const [frozen, top2] = runs as [Run, Run];
      expect(frozen.command).toContain('--finetune 0');
      expect(top2.command).toMatch(
        /^npx mtl train --config multitask-finetune --encoder \S+reference-mini --epochs 2 --seed 42 --sample --steps 4$/,
      );
      expect(frozen.finetune).toBeNull();
      // the shipped config reads layer 4 of reference-mini's 6 and trains layers 3–4
      expect(top2.finetune).toMatchObject({ layers: 2, of: 6, read: 4 });
      for (const run of runs) {
        expect(run.wallS).toBeGreaterThan(0);
        if (process.platform === 'linux') expect(run.peakRssMiB).toBeGreaterThan(100);
        // 4 steps in all, counted per epoch and task
        expect(Object.values(run.stepMs).reduce((a, s) => a + s.n, 0)).toBe(4);
        const end = run.evals[run.evals.length - 1]!.metrics;
        expect(end.sentiment!.accuracy).toBeGreaterThanOrEqual(0);
        expect(Number.isFinite(end['translation-quality']!.pearson)).toBe(true);
        expect(end.summarization!.rouge2).toBeGreaterThan(0);
        expect(Object.keys(run.baselines).sort()).toEqual(['sentiment', 'summarization', 'translation-quality']);
        // the saved model, reloaded with fromPretrained, scores the dev sets as the run did at its end
        expect(run.reloaded!.metrics.summarization).toBeGreaterThan(0);
        expect(run.reloaded!.trained.sentiment).toBe(end.sentiment!.accuracy);
        expect(run.reloaded!.maxDiff).toBeLessThan(1e-3);
      }
      const md = readFileSync(join(out, file!.replace(/\.json$/, '.md')), 'utf8');
      // the names say the config as it ran: summarization in its own, smaller batches
      expect(md).toContain('| top 2 fine-tuned (layers 3–4, read at 4; summarization in batches of 8) |');
      expect(md).toContain('| frozen (read at layer 4; summarization in batches of 8) |');
      expect(md).toMatch(/Each saved model reloaded with `fromPretrained`.*largest difference from the run's own/);
      // the plot is best effort (it needs the optional plotting packages)
      if (md.includes('![')) expect(readdirSync(out)).toContain(file!.replace(/\.json$/, '-bars.png'));
    },
    300_000,
  );

  it('an unknown variant is refused before anything runs, naming the variants', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(packageRoot(), 'benchmarks', 'finetune-joint.ts'), '--variants', 'frozen,bogus'],
      {
        cwd: packageRoot(),
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--variants: unknown variant "bogus"; the variants are top2, frozen, top2-last/);
    expect(r.stderr).not.toContain('mtl train');
  });
});
