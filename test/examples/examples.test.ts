/**
 * The notebook-style examples (examples/NN-*.ts): each is valid percent format (Jupytext / VS Code)
 * and runs top to bottom in quick mode as its own process (`node --import tsx examples/NN.ts
 * --quick`, cwd = repo root), exiting 0 with the outputs a notebook would show. Plots go to a
 * temporary folder ($MTL_EXAMPLES_OUT) so a user's examples/output is left alone. The runs are
 * sequential (a few tens of seconds each on 2 cores).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/utils/paths.js';

const ROOT = packageRoot();
const EXAMPLES = join(ROOT, 'examples');
const OUT = mkdtempSync(join(tmpdir(), 'mtl-examples-'));
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const exampleFiles = readdirSync(EXAMPLES)
  .filter((f) => /^\d\d-[a-z0-9-]+\.ts$/.test(f))
  .sort();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

async function runExample(file: string, how: 'arg' | 'env' = 'arg'): Promise<Run> {
  const started = Date.now();
  const args = ['--import', 'tsx', join('examples', file), ...(how === 'arg' ? ['--quick'] : [])];
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', MTL_EXAMPLES_OUT: OUT };
  if (how === 'env') env.MTL_EXAMPLES_QUICK = '1';
  else delete env.MTL_EXAMPLES_QUICK;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, {
      cwd: ROOT,
      env,
      timeout: 150_000,
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr, ms: Date.now() - started };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? String(err),
      ms: Date.now() - started,
    };
  }
}

/** Exit 0, with stderr in the failure message otherwise. */
function expectSuccess(r: Run): void {
  expect(r.code, `exit code ${r.code}\n--- stderr ---\n${r.stderr.slice(-4000)}\n--- stdout ---\n${r.stdout.slice(-2000)}`).toBe(0);
}

function expectPlot(base: string): void {
  for (const ext of ['svg', 'png']) expect(existsSync(join(OUT, `${base}.${ext}`)), `${base}.${ext} written`).toBe(true);
  const png = readFileSync(join(OUT, `${base}.png`));
  expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  expect(png.length).toBeGreaterThan(1000);
  expect(readFileSync(join(OUT, `${base}.svg`), 'utf8')).toContain('<svg');
}

/** A Markdown table row whose first cell is `first`. */
const tableRow = (first: string) => new RegExp(`^\\| ${first.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\|`, 'm');

describe('examples: percent format', () => {
  it('finds the six examples', () => {
    expect(exampleFiles).toEqual([
      '01-quick-start.ts',
      '02-weighting-strategies.ts',
      '03-translation-quality.ts',
      '04-summarization.ts',
      '05-pretrained-model.ts',
      '08-custom-task.ts',
    ]);
  });

  it('use the public API only: every module they import is `mtl-nlp`, node:, their own common.ts, or a runtime whose env they set', () => {
    for (const file of [...exampleFiles, 'common.ts', '06-browser/main.ts']) {
      const text = readFileSync(join(EXAMPLES, file), 'utf8');
      const specs = [...text.matchAll(/^(?:import|export)[^;]*?from '([^']+)'/gms)].map((m) => m[1]!);
      expect(specs.length, file).toBeGreaterThan(0);
      const internal = specs.filter(
        (x) =>
          !(
            x === 'mtl-nlp' ||
            x.startsWith('mtl-nlp/') ||
            x.startsWith('node:') ||
            x === './common.js' ||
            x === '@huggingface/transformers' ||
            x.startsWith('onnxruntime-web')
          ),
      );
      expect(internal, file).toEqual([]);
    }
  });

  it.each(exampleFiles)('%s: cells start with "// %%", the first is markdown, markdown lines are comments', (file) => {
    const lines = readFileSync(join(EXAMPLES, file), 'utf8').split(/\r?\n/);
    const marker = /^\/\/ %%( .*)?$/;
    const first = lines.findIndex((l) => l.trim() !== '');
    expect(lines[first], 'first line').toBe('// %% [markdown]');
    const cells: { markdown: boolean; body: string[]; line: number }[] = [];
    for (const [i, line] of lines.entries()) {
      if (marker.test(line)) cells.push({ markdown: /\[markdown\]/.test(line), body: [], line: i + 1 });
      else if (line.trim() !== '') {
        expect(cells.length, `line ${i + 1} is outside any cell`).toBeGreaterThan(0);
        cells.at(-1)!.body.push(line);
      }
      // a cell marker must be exactly "// %%" or "// %% [markdown]" (no typos such as "//%%")
      if (/^\s*\/\/\s*%%/.test(line)) expect(line, `line ${i + 1}`).toMatch(/^\/\/ %%( \[markdown\])?$/);
    }
    expect(cells.filter((c) => c.markdown).length).toBeGreaterThanOrEqual(3);
    expect(cells.filter((c) => !c.markdown).length).toBeGreaterThanOrEqual(3);
    for (const c of cells) {
      expect(c.body.length, `cell at line ${c.line} is empty`).toBeGreaterThan(0);
      if (c.markdown) for (const l of c.body) expect(l, `markdown cell at line ${c.line}`).toMatch(/^\/\/( |$)/);
      else
        expect(
          c.body.every((l) => l.startsWith('//')),
          `code cell at line ${c.line} holds only comments`,
        ).toBe(false);
    }
  });
});

describe('examples: quick mode runs', { timeout: 180_000 }, () => {
  it('01-quick-start: report, plot, predictions for the three tasks', async () => {
    const r = await runExample('01-quick-start.ts');
    expectSuccess(r);
    expect(r.stdout).toContain('(quick mode)');
    expect(r.stdout).toContain('## Training report');
    for (const t of ['sentiment', 'translation-quality', 'summarization'])
      expect(r.stdout).toMatch(new RegExp(`^### ${t} \\(dev, n=\\d+`, 'm'));
    for (const b of ['majority', 'lexicon', 'model-scores', 'length-ratio', 'lead3', 'textrank']) expect(r.stdout).toMatch(tableRow(b));
    expect(r.stdout).toMatch(/^\| a warm , funny and beautifully acted film \. \| (negative|positive) \| 0\.\d{3} \|$/m);
    expect(r.stdout).toMatch(/^\| The museum opens at nine in the morning\. \| Der Hund schläft im Garten\. \| -?\d+\.\d{3} \|$/m);
    expect(r.stdout).toContain('summary:\n');
    // the words say what the numbers show, whichever way they come out
    expect(r.stdout).toMatch(
      /\(cosine similarities: the two film reviews are (NOT )?closer to each other \(-?\d\.\d{3}\) than to the budget sentence/,
    );
    for (const t of ['sentiment', 'translation-quality', 'summarization'])
      expect(r.stdout).toMatch(
        new RegExp(
          `^${t}: \\S+ -?\\d+\\.\\d{3} vs \\S+ -?\\d+\\.\\d{3} on \\d+ dev (rows|documents): the model (beats|does NOT beat) its strongest baseline here$`,
          'm',
        ),
      );
    expect(r.stdout).toMatch(/The faithful translation is ranked first\.|above the faithful translation/);
    expect(r.stdout).not.toContain('random weights');
    expectPlot('01-learning-curves');
    expect(existsSync(join(OUT, '01-quick-start-model', 'manifest.json'))).toBe(true);
  });

  it('02-weighting-strategies: a row per strategy, metric bars and λ plots', async () => {
    const r = await runExample('02-weighting-strategies.ts');
    expectSuccess(r);
    expect(r.stdout).toMatch(/^\| strategy \| sent\. acc \|/m);
    for (const s of ['static 1/0.5/1', 'static 0.5/1/1', 'static 1/1/0.5', 'equal', 'uncertainty', 'dwa', 'gradnorm', 'pcgrad'])
      expect(r.stdout).toMatch(tableRow(s));
    // static runs keep their λ; gradnorm moves them
    expect(r.stdout).toMatch(/^\| static 1\/0\.5\/1 \|.*\| 1\.00 \/ 0\.50 \/ 1\.00 \|$/m);
    expect(r.stdout).toMatch(/^λ range, gradnorm: /m);
    // the words say whether the spread between strategies exceeds one run's noise, as the numbers come out
    for (const [task, metric] of [
      ['sentiment', 'accuracy'],
      ['translation-quality', 'pearson'],
    ]) {
      const m = new RegExp(
        `^${task} ${metric}: strategies span (-?\\d\\.\\d{3})–(-?\\d\\.\\d{3}) \\(spread (\\d\\.\\d{3})\\); sampling noise of one run on \\d+ dev rows ±(\\d\\.\\d{3}): the spread is (larger than|within) that noise$`,
        'm',
      ).exec(r.stdout);
      expect(m, `${task} noise line`).not.toBeNull();
      const [lo, hi, spread, band] = m!.slice(1, 5).map(Number) as [number, number, number, number];
      expect(spread).toBeCloseTo(hi - lo, 2);
      if (Math.abs(spread - band) > 0.002) expect(m![5]).toBe(spread > band ? 'larger than' : 'within');
    }
    expect(r.stdout).not.toContain('random weights');
    expectPlot('02-dev-metrics');
    expectPlot('02-lambdas-gradnorm');
  });

  it('03-translation-quality: per-pair correlations next to baselines and OpenKiwi references', async () => {
    const r = await runExample('03-translation-quality.ts');
    expectSuccess(r);
    expect(r.stdout).toMatch(/^\| pair \| dev n \| model r \| model ρ \| model τ \| model-scores r \|.*\| OpenKiwi r \(test, ref\.\) \|$/m);
    // the samples: en-de and en-zh in dev; OpenKiwi references from the datasets README
    expect(r.stdout).toMatch(/^\| en-de \| \d+ \|( -?\d\.\d{3} \|){9} 0\.146 \|$/m);
    expect(r.stdout).toMatch(/^\| en-zh \| \d+ \|( -?\d\.\d{3} \|){9} 0\.168 \|$/m);
    expect(r.stdout).toMatch(tableRow('mean over pairs'));
    expect(r.stdout).toContain('test split');
    for (const b of ['model-scores', 'length-ratio'])
      expect(r.stdout).toMatch(new RegExp(`^model vs ${b}: higher Pearson r on \\d+ of \\d+ pairs \\(.+\\)$`, 'm'));
    // the ranking sentence agrees with the two printed scores
    const [good, broken] = [...r.stdout.matchAll(/^\| The weather will improve tomorrow\. \| .+ \| (-?\d+\.\d{3}) \|$/gm)].map((m) =>
      Number(m[1]),
    );
    expect(broken).toBeDefined();
    expect(r.stdout).toContain(
      good! > broken!
        ? 'The complete translation scores higher than the broken one.'
        : 'The model scores the broken translation as high as or higher',
    );
    expectPlot('03-pearson-per-pair');
    expectPlot('03-predicted-vs-gold');
  });

  it('04-summarization: ROUGE lines for the model and the baselines, one article up close', async () => {
    const r = await runExample('04-summarization.ts');
    expectSuccess(r);
    for (const s of ['model', 'LEAD-3', 'TextRank', 'oracle (upper bound)']) {
      expect(r.stdout).toMatch(
        new RegExp(
          `^${s.replace(/[()]/g, '\\$&')}\\s+ROUGE-1 \\d+\\.\\d\\d  ROUGE-2 \\d+\\.\\d\\d  ROUGE-L \\d+\\.\\d\\d  ROUGE-Lsum \\d+\\.\\d\\d$`,
          'm',
        ),
      );
    }
    expect(r.stdout).toMatch(/^\| system \| rouge1 \| rouge2 \| rougeL \| rougeLsum \|$/m);
    expect(r.stdout).toMatch(/^\| # \| score \| model \| L \| T \| R \| sentence \|$/m);
    expect(r.stdout).toContain('reference summary:\n');
    expect(r.stdout).toMatch(/^LEAD-3\s+R-1 \d+\.\d\d {2}R-2 \d+\.\d\d {2}R-Lsum \d+\.\d\d$/m);
    for (const b of ['LEAD-3', 'TextRank']) {
      const m = new RegExp(
        `^model vs ${b}: ROUGE-2 (\\d+\\.\\d\\d) vs (\\d+\\.\\d\\d) on \\d+ dev articles: the model (beats|does NOT beat) ${b} here$`,
        'm',
      ).exec(r.stdout);
      expect(m, b).not.toBeNull();
      if (Number(m![1]) !== Number(m![2])) expect(m![3]).toBe(Number(m![1]) > Number(m![2]) ? 'beats' : 'does NOT beat');
    }
    expectPlot('04-rouge');
  });

  it('08-custom-task: a task written in the notebook trains next to summarization, reloads once registered and predicts the same', async () => {
    const r = await runExample('08-custom-task.ts');
    expectSuccess(r);
    expect(r.stdout).toContain('(quick mode)');
    expect(r.stdout).toMatch(/^topic accuracy \(dev\): [01]\.\d{3} · summarization ROUGE-2 \(dev\): \d+\.\d\d$/m);
    expect(r.stdout).toMatch(/reloaded: tasks topic, summarization$/m);
    const maj =
      /^topic: accuracy (\d\.\d{3}) vs majority class \([a-z]+\) (\d\.\d{3}) on \d+ dev headlines: the model (beats|does NOT beat) it$/m.exec(
        r.stdout,
      );
    expect(maj).not.toBeNull();
    if (maj![1] !== maj![2]) expect(maj![3]).toBe(Number(maj![1]) > Number(maj![2]) ? 'beats' : 'does NOT beat');
    expect(r.stdout).toMatch(/^[0-3] of 3 headlines get the topic a reader would give \(business, entertainment, tech\)$/m);
    expect(r.stdout).toMatch(/^\| headline \| topic \| top 2 \|$/m);
    expect(r.stdout).toMatch(/^\| Shares slide as oil prices climb \| [a-z]+ \| [a-z]+ \d\.\d\d · [a-z]+ \d\.\d\d \|$/m);
    expect(r.stdout).toContain('the reloaded model predicts as the trained one: true');
    expect(r.stdout).toMatch(/^summary \(2 sentences\):\n.+\n.+$/m);
    expect(existsSync(join(OUT, '08-custom-task-model', 'manifest.json'))).toBe(true);
  });

  it('05-pretrained-model (MTL_EXAMPLES_QUICK=1): trains on hub models, or says in one line that it is skipped offline', async () => {
    const r = await runExample('05-pretrained-model.ts', 'env');
    expectSuccess(r);
    expect(r.stdout).toContain('(quick mode)');
    const skipped = r.stdout.split('\n').filter((l) => l.startsWith('05-pretrained-model: skipped (offline): '));
    if (skipped.length) {
      expect(skipped).toHaveLength(1);
      expect(skipped[0]).toMatch(/not in the local cache/);
      expect(r.stdout).not.toContain('## Training report');
    } else {
      expect(r.stdout).toContain('## Training report');
      expect(r.stdout).toMatch(/Translation quality, Pearson r on dev/);
    }
  });
});
