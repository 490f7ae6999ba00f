import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/encoder/index.js';
import { buildProgram } from '../../src/cli/main.js';
import { mtl } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mtl-cli-'));

describe('mtl basics', () => {
  it('--help lists every command and exits 0', () => {
    const r = mtl(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['fixtures', 'encode', 'train', 'eval', 'predict', 'score', 'bench', 'demo']) expect(r.stdout).toContain(c);
  });

  it('each command has --help', () => {
    const program = buildProgram();
    for (const c of ['train', 'eval', 'predict', 'encode', 'bench', 'fixtures', 'demo', 'score']) {
      const cmd = program.commands.find((x) => x.name() === c);
      expect(cmd?.helpInformation(), c).toContain(`Usage: mtl ${c}`);
    }
    expect(mtl(['train', '--help']).code).toBe(0);
  });

  it('usage errors exit 2, user errors exit 1 with one line and no stack', () => {
    expect(mtl(['frobnicate']).code).toBe(2);
    expect(mtl(['score', 'rouge']).code).toBe(2); // missing --input
    const r = mtl(['score', 'rouge', '--input', join(tmp, 'missing.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')[0]).toMatch(/^mtl: .*missing\.jsonl: file not found$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('mtl score', () => {
  it("rouge reproduces rouge-score's documented example", () => {
    const f = join(tmp, 'rouge.jsonl');
    writeFileSync(
      f,
      JSON.stringify({ prediction: 'The quick brown dog jumps on the log.', reference: 'The quick brown fox jumps over the lazy dog' }) +
        '\n',
    );
    const r = mtl(['score', 'rouge', '--input', f, '--json']);
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout) as Record<string, number>;
    // rouge-score README: rouge1 F 0.7058823529411765, rougeL F 0.5882352941176471
    expect(m.rouge1).toBeCloseTo(70.58823529411765, 9);
    expect(m.rougeL).toBeCloseTo(58.82352941176471, 9);
  });

  it('correlation and classification, and a bad line named by number', () => {
    const c = join(tmp, 'corr.jsonl');
    writeFileSync(c, [1, 2, 3, 4].map((g, i) => JSON.stringify({ prediction: [2, 4, 5, 9][i], gold: g })).join('\n'));
    const rc = mtl(['score', 'correlation', '--input', c, '--json']);
    expect(rc.code).toBe(0);
    const m = JSON.parse(rc.stdout) as Record<string, number>;
    expect(m.spearman).toBeCloseTo(1, 12); // monotone
    expect(m.kendall).toBeCloseTo(1, 12);
    const k = join(tmp, 'cls.jsonl');
    writeFileSync(k, ['a', 'b', 'a', 'b'].map((g, i) => JSON.stringify({ prediction: ['a', 'a', 'a', 'b'][i], gold: g })).join('\n'));
    const rk = mtl(['score', 'classification', '--input', k]);
    expect(rk.code).toBe(0);
    expect(rk.stdout).toMatch(/accuracy 0\.7500/);
    writeFileSync(k, '{"prediction": "a", "gold": "a"}\n{"prediction": 3.5\n');
    const bad = mtl(['score', 'classification', '--input', k]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/cls\.jsonl:2: not valid JSON/);
  });
});

describe('mtl train --seed', () => {
  it('overrides training.seed (the manifest records it); a seed that is not an integer is refused', () => {
    const out = join(tmp, 'seeded');
    const r = mtl([
      '--quiet',
      'train',
      '--config',
      'tasks/multitask.yaml',
      '--sample',
      '--encoder',
      'fixture:bert',
      '--tasks',
      'sentiment',
      '--steps',
      '2',
      '--seed',
      '7',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { seed: number }).seed).toBe(7);
    const bad = mtl(['train', '--config', 'tasks/multitask.yaml', '--seed', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--seed must be an integer, got 'x'/);
  }, 120_000);
});

describe('mtl fixtures, encode, train, predict, eval (on the samples)', () => {
  const model = join(tmp, 'model');
  beforeAll(() => {
    const r = mtl([
      '--quiet',
      'train',
      '--config',
      'tasks/multitask.yaml',
      '--sample',
      '--encoder',
      'fixture:xlm-roberta',
      '--steps',
      '40',
      '--out',
      model,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
  }, 300_000);

  it('fixtures writes a Hugging Face folder', () => {
    const r = mtl(['fixtures', '--out', join(tmp, 'fx'), '--variant', 'distilbert']);
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['config.json', 'tokenizer.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx'])
      expect(existsSync(join(tmp, 'fx', 'distilbert', f)), f).toBe(true);
  });

  it('encode writes an .npy matrix with one row per line', () => {
    const input = join(tmp, 'texts.txt');
    writeFileSync(input, 'a good film\nthe worst service\n\u{1F600}\n');
    const out = join(tmp, 'vectors.npy');
    const r = mtl(['--quiet', 'encode', '--model', 'fixture:bert', '--input', input, '--output', out]);
    expect(r.code, r.stderr).toBe(0);
    const arr = decodeNpy(readFileSync(out));
    expect(arr.dims).toEqual([3, 32]);
    expect(arr.data.every(Number.isFinite)).toBe(true);
  });

  it('train saved a model; predict answers for every task', () => {
    expect(existsSync(join(model, 'manifest.json'))).toBe(true);
    const s = mtl(['predict', '--model', model, '--task', 'sentiment', '--json', 'a fine film .', 'a dull film .']);
    expect(s.code, s.stderr).toBe(0);
    const lines = s.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { prediction: { label: string; probabilities: Record<string, number> } });
    expect(lines).toHaveLength(2);
    for (const l of lines) {
      expect(['negative', 'positive']).toContain(l.prediction.label);
      const sum = Object.values(l.prediction.probabilities).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 5);
    }
    // the default translation-quality config uses the MT system's score: a third column
    const q = mtl(['predict', '--model', model, '--task', 'translation-quality'], { input: 'Hello world.\tHallo Welt.\t-0.4\n' });
    expect(q.code, q.stderr).toBe(0);
    expect(Number(q.stdout.split('\t')[0])).not.toBeNaN();
    const doc = 'The firm grew fast. Its profits rose. The chief executive left. Shares fell. Analysts were surprised.';
    const m = mtl(['predict', '--model', model, '--task', 'summarization', '--sentences', '2', doc]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout.trim().split(/(?<=\.) /)).toHaveLength(2);
    const bad = mtl(['predict', '--model', model, '--task', 'translation-quality', 'no tab here']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/argument:1: expected "source<TAB>translation"/);
  });

  it('eval scores the model and the baselines with the same evaluator', () => {
    const data = 'fixtures/data/sentiment/dev.txt';
    const m = mtl(['eval', '--model', model, '--task', 'sentiment', '--data', data, '--json']);
    expect(m.code, m.stderr).toBe(0);
    const rm = JSON.parse(m.stdout) as { n: number; metrics: Record<string, number>; confusion: { matrix: number[][] } };
    expect(rm.n).toBe(80);
    expect(rm.confusion.matrix.flat().reduce((a, b) => a + b, 0)).toBe(80);
    const b = mtl([
      'eval',
      '--baseline',
      'majority',
      '--task',
      'sentiment',
      '--data',
      data,
      '--train',
      'fixtures/data/sentiment/train.txt',
      '--json',
    ]);
    expect(b.code, b.stderr).toBe(0);
    // the sample dev set is balanced 40/40: majority accuracy is exactly 0.5
    expect((JSON.parse(b.stdout) as { metrics: Record<string, number> }).metrics.accuracy).toBe(0.5);
    const t = mtl(['eval', '--baseline', 'lead3', '--task', 'summarization', '--data', 'fixtures/data/summarization']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/\| lead3 \| \d+\.\d+ \|/);
    const q = mtl([
      'eval',
      '--baseline',
      'model-scores',
      '--task',
      'translation-quality',
      '--data',
      'fixtures/data/translation-quality/dev',
    ]);
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout).toContain('en-zh');
    const wrong = mtl(['eval', '--baseline', 'lead3', '--task', 'sentiment', '--data', data]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/baseline 'lead3' does not apply to task 'sentiment'/);
  });
});
