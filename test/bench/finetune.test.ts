/**
 * Fine-tuning in `mtl bench`: the speed suite's report carries the fine-tuning step table (ours vs
 * PyTorch, peak memory), the finetune suite runs benchmarks/finetune-quality.ts with its matrix, and
 * bad flags fail naming the flag. The runs need ../shared/models/reference-mini and the shared
 * datasets; without them they are skipped with a message.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { finetuneStepTable, finetuneSuiteArgs, FINETUNE_MODELS, type FinetuneStepRow } from '../../src/bench/finetune.js';
import { runScript, writeSpeedReport } from '../../src/bench/suites.js';
import { UserError } from '../../src/errors.js';
import { packageRoot } from '../../src/utils/paths.js';
import { mtl } from '../cli/helpers.js';

const shared = join(packageRoot(), '..', 'shared');
const referenceMini = join(shared, 'models', 'reference-mini');
const haveShared = existsSync(join(referenceMini, 'onnx', 'model.onnx')) && existsSync(join(shared, 'datasets', 'sentiment', 'sst2'));
if (!haveShared) console.warn(`skipping the fine-tuning benchmark runs: ${referenceMini} or the shared datasets are absent`);

describe('finetune suite arguments', () => {
  it('defaults to the full matrix: both models read at layer 4, top 0/1/2, 3 seeds, joint', () => {
    const args = finetuneSuiteArgs({ quick: false });
    expect(args).toEqual([
      '--models',
      FINETUNE_MODELS.join(','),
      '--layer',
      '4',
      '--layers',
      '0,1,2',
      '--seeds',
      '3',
      '--joint',
      '--weightings',
      'static,uncertainty,dwa',
    ]);
    expect(FINETUNE_MODELS).toContain('mtl:mini');
    expect(FINETUNE_MODELS.some((m) => m.endsWith('reference-mini'))).toBe(true);
  });

  it('passes --steps, the models and --ft-lr through; quick is one seed, a few steps, a small dev set', () => {
    expect(finetuneSuiteArgs({ quick: false, models: ['a', 'b'], steps: 50, ftLr: 2e-5 })).toEqual([
      '--models',
      'a,b',
      '--layer',
      '4',
      '--layers',
      '0,1,2',
      '--seeds',
      '3',
      '--steps',
      '50',
      '--ft-lr',
      '0.00002',
      '--joint',
      '--weightings',
      'static,uncertainty,dwa',
    ]);
    const quick = finetuneSuiteArgs({ quick: true });
    expect(quick.slice(quick.indexOf('--seeds'), quick.indexOf('--seeds') + 2)).toEqual(['--seeds', '1']);
    expect(quick[quick.indexOf('--steps') + 1]).toBe('4');
    expect(quick).toContain('--dev');
    // a given --steps replaces the quick default instead of adding a second one
    expect(finetuneSuiteArgs({ quick: true, steps: 7 }).filter((a) => a === '--steps')).toHaveLength(1);
  });

  it('the script refuses an unknown weighting before anything runs, naming the weightings', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(packageRoot(), 'benchmarks', 'finetune-quality.ts'), '--joint', '--weightings', 'static,bogus'],
      { cwd: packageRoot(), encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--weightings: unknown weighting "bogus"; the weightings are static, equal, uncertainty/);
  }, 60_000);

  it('rejects a bad learning rate and an empty model list, naming the flag', () => {
    expect(() => finetuneSuiteArgs({ quick: true, ftLr: -1 })).toThrow(UserError);
    expect(() => finetuneSuiteArgs({ quick: true, ftLr: Number.NaN })).toThrow(/--ft-lr must be a positive/);
    expect(() => finetuneSuiteArgs({ quick: true, models: [] })).toThrow(/--encoders: no encoder/);
  });
});

describe('fine-tuning step table', () => {
  const row: FinetuneStepRow = {
    layers: 1,
    batch: 32,
    seq: 64,
    ours: { step: 0.5, forward: 0.2, backward: 0.25, optimizer: 0.05 },
    torch: null,
    oursTokensPerS: 4096,
    torchTokensPerS: null,
    ratio: null,
    pairRatios: [],
    fwdBwdRatio: null,
    memory: { oursMaxRssMiB: 700.4, torchMaxRssMiB: null },
  };
  it('says where the PyTorch side was skipped and why', () => {
    const md = finetuneStepTable([row], 'skipped: ModuleNotFoundError: No module named torch');
    expect(md).toContain('| 1 | 64 | 4096 | skipped | skipped | skipped | 0.200 / 0.250 / 0.050 | skipped | 700 / skipped |');
    expect(md).toContain('No module named torch');
  });
});

describe('bad flags', () => {
  it('--ft-lr must be a positive number, and belongs to the finetune suite', () => {
    const bad = mtl(['bench', '--suite', 'finetune', '--ft-lr', 'fast']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--ft-lr must be a positive number \(e\.g\. 2e-5\), got 'fast'/);
    const elsewhere = mtl(['bench', '--suite', 'speed', '--ft-lr', '1e-4']);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(/--ft-lr .*not the speed suite's: add --suite finetune or drop --ft-lr/);
  }, 60_000);
});

interface QualityReport {
  summary: { deltaM: Record<string, { mean: number }> }[];
  runs: { tasks: string[]; weighting: string | null; command: string; metrics: Record<string, number> }[];
}

/** Runs benchmarks/finetune-quality.ts with `args`, writing into `out`: its report's json and Markdown. */
function qualityScript(args: string[], out: string, timeout = 120_000): { json: QualityReport; md: string } {
  const script = join(packageRoot(), 'benchmarks', 'finetune-quality.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args, '--out', out], {
    cwd: packageRoot(),
    encoding: 'utf8',
    timeout,
  });
  expect(r.status, r.stderr).toBe(0);
  const file = readdirSync(out).find((f) => /\d\.json$/.test(f))!;
  return {
    json: JSON.parse(readFileSync(join(out, file), 'utf8')) as QualityReport,
    md: readFileSync(join(out, file.replace(/\.json$/, '.md')), 'utf8'),
  };
}

/** A matrix small enough for a test: reference-mini frozen (top 0) at layer 4, 2 steps, 16 training and 8 dev examples. */
const smallMatrix = (seeds: number) => [
  '--models',
  referenceMini,
  '--layer',
  '4',
  '--layers',
  '0',
  '--seeds',
  String(seeds),
  '--steps',
  '2',
  '--train',
  '16',
  '--dev',
  '8',
];

describe.skipIf(!haveShared)('finetune-quality --previous', () => {
  it('reports the runs of earlier files, a run in a later file replacing an earlier one of the same key; Δm by hand', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtl-bench-ft-previous-'));
    const run = (seed: number, tasks: string[], weighting: string | null, acc: number, r: number) => ({
      model: 'm',
      layers: 2,
      seed,
      tasks,
      weighting,
      metrics: { 'sentiment.accuracy': acc, 'translation-quality.pearson': r },
      msPerStep: 100,
      msPerStepFirstEpoch: null,
      msPerStepLaterEpochs: null,
      encodeMs: 0,
      tokensPerSecond: 1000,
      cacheMB: 1,
    });
    const both = ['sentiment', 'translation-quality'];
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(
      a,
      JSON.stringify({
        meta: { command: 'first' },
        runs: [
          run(42, ['sentiment'], null, 0.8, 0),
          run(42, ['translation-quality'], null, 0, 0.5),
          run(42, both, 'static', 0.5, 0.1),
          run(42, both, 'dwa', 0.8, 0.55),
        ],
      }),
    );
    writeFileSync(b, JSON.stringify({ meta: { command: 'second' }, runs: [run(42, both, 'static', 0.82, 0.5)] }));
    const out = join(dir, 'out');
    const { json, md } = qualityScript(['--models', '', '--previous', `${a},${b}`], out);
    expect(json.runs).toHaveLength(4);
    const statics = json.runs.filter((x) => x.weighting === 'static');
    expect(statics.map((x) => [x.command, x.metrics['sentiment.accuracy']])).toEqual([['second', 0.82]]);
    // Δm = mean over the tasks of (joint − single) / single, in %: static (0.02/0.8 + 0)/2, dwa (0 + 0.05/0.5)/2
    expect(json.summary[0]!.deltaM.static!.mean).toBeCloseTo(1.25, 10);
    expect(json.summary[0]!.deltaM.dwa!.mean).toBeCloseTo(5, 10);
    expect(md).toContain('| m | 2 | 0.8000 ± 0.0000 | 0.500 ± 0.000 | 1.25 % (1 seed) | 5.00 % (1 seed) |');
    expect(md).toContain('seed 42, sentiment + translation-quality (static): SST-2 0.8200, MLQE-PE 0.5000; Δm 1.25 %');
  }, 120_000);
});

describe.skipIf(!haveShared)('finetune-quality --joint-only', () => {
  it('runs only the joint runs and takes their single-task twins from --previous for Δm', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtl-bench-ft-joint-only-'));
    const single = (tasks: string[], metrics: Record<string, number>) => ({
      model: referenceMini,
      layers: 0,
      seed: 42,
      tasks,
      weighting: null,
      metrics,
      msPerStep: 1,
      msPerStepFirstEpoch: null,
      msPerStepLaterEpochs: null,
      encodeMs: 0,
      tokensPerSecond: 1,
      cacheMB: null,
    });
    const prev = join(dir, 'singles.json');
    writeFileSync(
      prev,
      JSON.stringify({
        meta: { command: 'singles' },
        runs: [
          single(['sentiment'], { 'sentiment.accuracy': 0.5 }),
          single(['translation-quality'], { 'translation-quality.pearson': 0.25 }),
        ],
      }),
    );
    const out = join(dir, 'out');
    const args = [...smallMatrix(1)];
    const { json } = qualityScript([...args, '--joint-only', '--weightings', 'rlw', '--previous', prev], out, 240_000);
    expect(readdirSync(out).some((f) => f.endsWith('.partial.json'))).toBe(false); // the finished report replaced it
    const made = json.runs.filter((x) => x.command !== 'singles');
    expect(made.map((x) => `${x.tasks.join('+')}(${x.weighting})`)).toEqual(['sentiment+translation-quality(rlw)']);
    const m = made[0]!.metrics;
    const expected = (((m['sentiment.accuracy']! - 0.5) / 0.5 + (m['translation-quality.pearson']! - 0.25) / 0.25) / 2) * 100;
    expect(json.summary[0]!.deltaM.rlw!.mean).toBeCloseTo(expected, 8);
  }, 240_000);
});

describe.skipIf(!haveShared)('finetune-quality stopped mid-matrix', () => {
  it('keeps the finished runs in the partial file, which --previous reports; a finished run leaves none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtl-bench-ft-partial-'));
    const out = join(dir, 'out');
    const script = join(packageRoot(), 'benchmarks', 'finetune-quality.ts');
    const args = [...smallMatrix(2), '--joint'];
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args, '--out', out], { cwd: packageRoot(), stdio: 'ignore' });
    const partialOf = () => readdirSync(out).find((f) => f.endsWith('.partial.json'));
    const deadline = Date.now() + 180_000;
    while (!(existsSync(out) && partialOf()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL'); // killed after its first run
    await new Promise((r) => child.once('exit', r));
    const partial = join(out, partialOf()!);
    const kept = JSON.parse(readFileSync(partial, 'utf8')) as { runs: { seed: number }[] };
    expect(kept.runs.length).toBeGreaterThanOrEqual(1);
    expect(kept.runs.length).toBeLessThan(10); // the matrix had 10 runs
    const report = join(dir, 'report');
    const { json } = qualityScript(['--models', '', '--previous', partial], report);
    expect(json.runs).toHaveLength(kept.runs.length);
    expect(readdirSync(report).some((f) => f.endsWith('.partial.json'))).toBe(false);
  }, 240_000);
});

describe.skipIf(!haveShared)('fine-tuning runs (reference-mini, quick sizes)', () => {
  it('the quick speed report carries the fine-tuning step table: tokens/s and peak memory > 0', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mtl-bench-ft-step-'));
    runScript('finetune-step', ['--quick'], out);
    await writeSpeedReport(out, true);
    const report = readdirSync(out).find((f) => /^speed-\d{4}-\d{2}-\d{2}-quick\.md$/.test(f));
    expect(report).toBeDefined();
    const md = readFileSync(join(out, report!), 'utf8');
    const section = md.slice(md.indexOf('## Fine-tuning step'));
    expect(section).toMatch(/CPU: .+cores/);
    const rows = section
      .split('\n')
      .filter((l) => /^\| \d/.test(l))
      .map((l) => l.split('|').map((c) => c.trim()));
    expect(rows.map((r) => `${r[1]}x${r[2]}`)).toEqual(['1x64', '2x64']);
    for (const r of rows) {
      expect(Number(r[3])).toBeGreaterThan(0); // ours tok/s
      const [oursRss, torchRss] = r[9]!.split(' / ');
      expect(Number(oursRss)).toBeGreaterThan(0);
      // torch present: its numbers; absent: the columns say so
      if (r[4] === 'skipped') expect(torchRss).toBe('skipped');
      else {
        expect(Number(r[4])).toBeGreaterThan(0);
        expect(Number(torchRss)).toBeGreaterThan(0);
      }
    }
  }, 240_000);

  it('where the interpreter has no torch, the PyTorch columns say so and the run does not fail', () => {
    const out = mkdtempSync(join(tmpdir(), 'mtl-bench-ft-notorch-'));
    const fake = join(out, 'python-without-torch');
    writeFileSync(fake, `#!/bin/sh\necho "ModuleNotFoundError: No module named 'torch'" >&2\nexit 1\n`);
    chmodSync(fake, 0o755);
    const before = process.env.MTL_BENCH_PYTHON;
    process.env.MTL_BENCH_PYTHON = fake;
    try {
      runScript('finetune-step', ['--quick'], out);
    } finally {
      if (before === undefined) delete process.env.MTL_BENCH_PYTHON;
      else process.env.MTL_BENCH_PYTHON = before;
    }
    const file = readdirSync(out).find((f) => /^finetune-step-\d{4}-\d{2}-\d{2}-quick\.json$/.test(f))!;
    const json = JSON.parse(readFileSync(join(out, file), 'utf8')) as { torchSkipped: string; steps: FinetuneStepRow[] };
    expect(json.torchSkipped).toMatch(/No module named 'torch'/);
    expect(json.steps.map((r) => r.torch)).toEqual([null, null]);
    const md = readFileSync(join(out, file.replace(/\.json$/, '.md')), 'utf8');
    expect(md).toMatch(/\| 1 \| 64 \| \d+ \| skipped \| skipped \|/);
    expect(md).toContain("PyTorch side skipped: ModuleNotFoundError: No module named 'torch'");
  }, 240_000);

  it('mtl bench --suite finetune --quick writes a row per model and layer count with every task and a Δm per weighting', () => {
    const out = mkdtempSync(join(tmpdir(), 'mtl-bench-ft-quality-'));
    const r = mtl(['bench', '--suite', 'finetune', '--quick', '--encoders', referenceMini, '--steps', '3', '--out', out], {
      timeout: 300_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const file = readdirSync(out).find((f) => /^finetune-quality-\d{4}-\d{2}-\d{2}\.json$/.test(f));
    expect(file).toBeDefined();
    const json = JSON.parse(readFileSync(join(out, file!), 'utf8')) as {
      meta: { steps: number; seeds: number; layer: number | null; joint: boolean };
      summary: Record<string, unknown>[];
      runs: { layers: number; tasks: string[]; weighting: string | null }[];
    };
    expect(json.meta).toMatchObject({ steps: 3, seeds: 1, layer: 4, joint: true, weightings: ['static', 'uncertainty', 'dwa'] });
    // translation quality is cross-encoded over MLQE-PE's 7 pairs: a Pearson per pair
    const tq = (json.runs as unknown as { tasks: string[]; metrics: Record<string, number> }[]).find(
      (x) => x.tasks.join() === 'translation-quality',
    )!;
    const pairs = ['en-de', 'en-zh', 'et-en', 'ne-en', 'ro-en', 'ru-en', 'si-en'];
    for (const p of pairs) expect(Number.isFinite(tq.metrics[`translation-quality.pearson@${p}`])).toBe(true);
    expect(json.summary.map((s) => [s.model, s.layers])).toEqual([
      [referenceMini, 0],
      [referenceMini, 1],
    ]);
    for (const s of json.summary) {
      expect(s['sentiment.accuracy']).toMatchObject({ mean: expect.any(Number) });
      expect(s['translation-quality.pearson']).toMatchObject({ mean: expect.any(Number) });
      const dm = s.deltaM as Record<string, { mean: number }>;
      expect(Object.keys(dm)).toEqual(['static', 'uncertainty', 'dwa']);
      for (const w of Object.values(dm)) expect(Number.isFinite(w.mean)).toBe(true);
    }
    const joints = ['static', 'uncertainty', 'dwa'].map((w) => `sentiment+translation-quality(${w})`);
    expect(json.runs.map((x) => `${x.layers}:${x.tasks.join('+')}${x.weighting ? `(${x.weighting})` : ''}`)).toEqual([
      ...['0:sentiment', '0:translation-quality', ...joints.map((j) => `0:${j}`)],
      ...['1:sentiment', '1:translation-quality', ...joints.map((j) => `1:${j}`)],
    ]);
    // one Δm column per weighting
    const md = readFileSync(join(out, file!.replace(/\.json$/, '.md')), 'utf8');
    expect(md).toContain('| Δm joint vs single, static | Δm joint vs single, uncertainty | Δm joint vs single, dwa |');
  }, 300_000);
});
