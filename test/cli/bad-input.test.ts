/**
 * The CLI's bad-input cases: whatever a user can fix ends in exit 1 and one line `mtl: <reason>` on
 * stderr, never a stack trace or an error class prefix. The cases run the built CLI (dist/cli/bin.js)
 * as separate processes, several at once.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatError } from '../../src/cli/main.js';
import { DataError } from '../../src/data/errors.js';
import { ProviderUnavailableError } from '../../src/encoder/backend/fallback.js';
import { UserError } from '../../src/errors.js';
import { SamplingConfigError } from '../../src/sampling/types.js';
import { packageRoot } from '../../src/utils/paths.js';
import { nodeAsync, type CliResult } from './helpers.js';

const root = packageRoot();
const bin = join(root, 'dist/cli/bin.js');
const tmp = mkdtempSync(join(tmpdir(), 'mtl-bad-input-'));
const t = (name: string) => join(tmp, name);
const dev = join(root, 'fixtures/data/sentiment/dev.txt');

interface Case {
  name: string;
  args: string[];
  /** What the one line must say (the reason, and where known the file:line or flag). */
  reason: RegExp;
}

/** A training config like tasks/multitask.yaml, with its task configs found by absolute path. */
function trainingConfig(edit: (yaml: string) => string): string {
  const yaml = readFileSync(join(root, 'tasks/multitask.yaml'), 'utf8').replace(
    /config: ([\w-]+\.yaml)/g,
    (_, f: string) => `config: ${join(root, 'tasks', f)}`,
  );
  const out = edit(yaml);
  if (out === yaml) throw new Error('trainingConfig: the edit changed nothing (tasks/multitask.yaml changed?)');
  return out;
}

const multitask = join(root, 'tasks/multitask.yaml');
/** `mtl train` of the shipped multitask config's sentiment task on the samples, with `flags`, saving to t(out). */
const trainSentiment = (out: string, ...flags: string[]) => [
  'train',
  '--config',
  multitask,
  '--sample',
  '--tasks',
  'sentiment',
  ...flags,
  '--out',
  t(out),
];
/** `mtl eval` of the majority baseline on the sentiment data file `data`, with `flags`. */
const evalMajority = (data: string, ...flags: string[]) => [
  'eval',
  '--baseline',
  'majority',
  '--task',
  'sentiment',
  '--data',
  data,
  ...flags,
];

const CASES: Case[] = [
  // train
  {
    name: 'train: a missing config file',
    args: ['train', '--config', t('nosuch.yaml'), '--sample'],
    reason: /nosuch\.yaml: cannot read config/,
  },
  { name: 'train: a YAML syntax error', args: ['train', '--config', t('syntax.yaml'), '--sample'], reason: /syntax\.yaml:2: invalid YAML/ },
  {
    name: 'train: a non-number where a number is expected',
    args: ['train', '--config', t('epochs.yaml'), '--sample'],
    reason: /epochs\.yaml:\d+: training\.epochs: .*number/,
  },
  {
    name: 'train: an unknown task config',
    args: ['train', '--config', t('task.yaml'), '--sample'],
    reason: /task\.yaml:\d+: tasks\.0\.config: task config nosuch\.yaml not found/,
  },
  {
    name: 'train: --tasks names a task the config lacks',
    args: ['train', '--config', multitask, '--sample', '--tasks', 'nosuch', '--out', t('run-tasks')],
    reason: /no task named nosuch \(has sentiment, /,
  },
  {
    name: 'train: --finetune with more layers than the encoder has',
    args: trainSentiment('run-ft-layers', '--finetune', '99'),
    reason: /finetune\.layers = 99: the encoder .* has \d+ layers; fine-tune at most \d+/,
  },
  {
    name: 'train: --finetune with a task that reads another encoder layer',
    args: [
      'train',
      '--config',
      t('task-layer.yaml'),
      '--sample',
      '--tasks',
      'sentiment',
      '--encoder',
      'fixture:bert',
      '--dtype',
      'fp32',
      '--finetune',
      '1',
      '--out',
      t('run-ft-layer'),
    ],
    reason:
      /task "sentiment" reads encoder layer 1; with finetune the tasks read the fine-tuned top, so drop the task's layer or use finetune\.layers: 0/,
  },
  {
    name: 'train: --finetune with more layers than the --layer read',
    args: trainSentiment('run-ft-read', '--layer', '1', '--finetune', '2'),
    reason: /finetune\.layers = 2: the encoder .* is read at layer 1 of \d+; fine-tune at most 1 \(the layers up to the one read\)/,
  },
  {
    name: 'train: --layer beyond the encoder',
    args: trainSentiment('run-layer', '--layer', '99'),
    reason: /layer 99 is out of range for .*: it has \d+ transformer layers/,
  },
  {
    // refused before anything connects: nothing listens on port 1
    name: 'train: --queue with fine-tuning',
    args: trainSentiment('run-ft-queue', '--finetune', '1', '--queue', 'redis://127.0.0.1:1'),
    reason:
      /--queue with fine-tuning \(finetune\.layers = 1\): the workers encode with the frozen encoder.*drop --queue .* or train the frozen encoder with --finetune 0/,
  },
  {
    name: 'train: a missing --data-dir',
    args: ['train', '--config', multitask, '--data-dir', t('no-datasets'), '--out', t('run-data')],
    reason: /--data-dir .*no-datasets: folder not found/,
  },
  {
    name: 'train: an encoder folder without its ONNX file',
    args: trainSentiment('run-enc', '--encoder', t('empty-model')),
    reason: /onnx\/model(_\w+)?\.onnx not found in .*empty-model \(dtype .*Create it: optimum-cli export onnx/,
  },
  // eval
  {
    name: 'eval: a missing --data file',
    args: evalMajority(t('nosuch.txt')),
    reason: /--data .*nosuch\.txt: not found/,
  },
  {
    name: 'eval: an unknown task name',
    args: ['eval', '--baseline', 'majority', '--task', 'nosuchtask', '--data', t('bad-row.txt')],
    reason: /unknown task 'nosuchtask'/,
  },
  {
    name: 'eval: an unknown --baseline',
    args: ['eval', '--baseline', 'nosuch', '--task', 'sentiment', '--data', dev],
    reason: /baseline 'nosuch' .*\(known: majority, lexicon\)/,
  },
  {
    name: 'eval: neither --model nor --baseline',
    args: ['eval', '--task', 'sentiment', '--data', t('bad-row.txt')],
    reason: /give exactly one of --model DIR or --baseline NAME/,
  },
  {
    name: 'eval: a malformed data row (file:line)',
    args: evalMajority(t('bad-row.txt'), '--format', 'sst2', '--train', join(root, 'fixtures/data/sentiment/train.txt')),
    reason: /bad-row\.txt:2: expected "LABEL SENTENCE"/,
  },
  {
    name: 'eval: a bad --columns mapping',
    args: evalMajority(t('reviews.csv'), '--format', 'csv', '--columns', 'text=review,label'),
    reason: /--columns "text=review,label": expected field=column pairs/,
  },
  {
    name: 'eval: --columns names a field the task lacks',
    args: evalMajority(t('reviews.csv'), '--format', 'csv', '--columns', 'bogus=review'),
    reason: /--columns: task 'sentiment' has no field "bogus"/,
  },
  {
    name: 'eval: --columns on a fixed-column format',
    args: evalMajority(t('reviews.csv'), '--format', 'xlmt', '--columns', 'text=review'),
    reason: /--columns: .*reviews\.csv is read as xlmt \(given by --format\).*--format csv/,
  },
  {
    name: 'eval: a missing --model folder',
    args: ['eval', '--model', t('no-model'), '--task', 'sentiment', '--data', dev],
    reason: /--model .*no-model: folder not found/,
  },
  {
    name: 'eval: a corrupted manifest.json',
    args: ['eval', '--model', t('bad-model'), '--task', 'sentiment', '--data', dev],
    reason: /bad-model\/manifest\.json: not valid JSON/,
  },
  // predict
  {
    name: 'predict: a missing --model folder',
    args: ['predict', '--model', t('no-model'), '--task', 'sentiment', 'fine'],
    reason: /--model .*no-model: folder not found/,
  },
  {
    name: 'predict: a folder without manifest.json',
    args: ['predict', '--model', t('empty-model'), '--task', 'sentiment', 'fine'],
    reason: /--model .*empty-model: no manifest\.json .*mtl train --out/,
  },
  // encode
  {
    name: 'encode: an unknown fixture encoder',
    args: ['encode', '--model', 'fixture:nosuch', '--input', t('texts.txt'), '--output', t('v.jsonl')],
    reason: /unknown fixture encoder 'nosuch' \(known: bert, /,
  },
  {
    name: 'encode: a missing --input file',
    args: ['encode', '--model', 'fixture:bert', '--input', t('nosuch.txt'), '--output', t('v.jsonl')],
    reason: /nosuch\.txt: file not found/,
  },
  {
    name: 'encode: an --output of no known format',
    args: ['encode', '--model', 'fixture:bert', '--input', t('texts.txt'), '--output', t('v.csv')],
    reason: /--output .*v\.csv: must end in \.jsonl or \.npy/,
  },
  {
    name: 'encode: a missing encoder folder',
    args: ['encode', '--model', t('no-encoder'), '--input', t('texts.txt'), '--output', t('v.jsonl')],
    reason: /model folder .*no-encoder does not exist/,
  },
  // score
  {
    name: 'score: a missing --input file',
    args: ['score', 'rouge', '--input', t('nosuch.jsonl')],
    reason: /nosuch\.jsonl: file not found/,
  },
  {
    name: 'score: a line that is not JSON (file:line)',
    args: ['score', 'rouge', '--input', t('broken.jsonl')],
    reason: /broken\.jsonl:2: not valid JSON/,
  },
  {
    name: 'score: a non-number where a number is expected (file:line)',
    args: ['score', 'correlation', '--input', t('gold.jsonl')],
    reason: /gold\.jsonl:1: field "gold" must be a number/,
  },
  // pretrain
  {
    name: 'pretrain: an unknown --stage',
    args: ['pretrain', '--stage', 'bogus', '--work', t('pretrain')],
    reason: /--stage: unknown stage "bogus"/,
  },
];

/** The built CLI with `args`, as a separate process. */
const runCli = (args: string[]): Promise<CliResult> => nodeAsync([bin, ...args]);

/** Run every case, a few processes at a time (the CLI starts in about a second; the machine may be shared). */
async function runAll(cases: readonly Case[], parallel = 8): Promise<Map<string, CliResult>> {
  const out = new Map<string, CliResult>();
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++] as Case;
      out.set(c.name, await runCli(c.args));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return out;
}

function expectUserFacing(r: CliResult | undefined, reason: RegExp): void {
  expect(r).toBeDefined();
  const { code, stderr: all } = r as CliResult;
  expect(code, all).toBe(1);
  // warnings said before the failure (a guessed data format) are not the error; the error is one line
  const stderr = all.replace(/^mtl: warning: [^\n]*\n/gm, '');
  expect(stderr).toMatch(/^mtl: [^\n]+\n$/); // one line
  expect(stderr).toMatch(reason);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).not.toMatch(/^mtl: \w*Error: /);
  expect(stderr).not.toContain('--verbose');
}

let results = new Map<string, CliResult>();

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} not found: run \`npm run build\` first (the CLI tests run the built CLI)`);
  writeFileSync(t('syntax.yaml'), 'encoder: { model: mtl:mini\ntasks: [\n');
  writeFileSync(
    t('epochs.yaml'),
    trainingConfig((y) => y.replace(/epochs: \d+/, 'epochs: four')),
  );
  writeFileSync(
    t('task-layer.yaml'),
    trainingConfig((y) => y.replace(/config: (\S+sentiment\.yaml), lambda: 1/, 'config: $1, lambda: 1, layer: 1')),
  );
  writeFileSync(t('task.yaml'), 'encoder: { model: "mtl:mini" }\ntasks:\n  - { config: nosuch.yaml }\n');
  writeFileSync(t('bad-row.txt'), '1 a fine film\nnot-a-label\n');
  writeFileSync(t('reviews.csv'), 'review,stars\ngood,positive\n');
  writeFileSync(t('texts.txt'), 'one\ntwo\n');
  writeFileSync(t('broken.jsonl'), '{"prediction": "a b", "reference": "a b"}\n{"prediction": "a"\n');
  writeFileSync(t('gold.jsonl'), '{"prediction": 0.5, "gold": "high"}\n');
  mkdirSync(t('empty-model'));
  mkdirSync(t('bad-model'));
  writeFileSync(t('bad-model/manifest.json'), '{"format": "mtl-nlp\n');
  results = await runAll(CASES);
}, 120_000);

describe('the CLI on bad input: exit 1, one line "mtl: <reason>", no stack', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => expectUserFacing(results.get(c.name), c.reason));

  it('keeps usage errors (commander) at exit 2', async () => {
    const r = await runCli(['train', '--config', join(root, 'tasks/multitask.yaml'), '--epochs', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --epochs must be an integer, got 'abc'/);
  });

  it('would see a stack, a second line or a wrong exit code (the check can fail)', () => {
    expect(() => expectUserFacing({ code: 1, stdout: '', stderr: 'mtl: boom\n    at f (x.js:1:1)\n' }, /boom/)).toThrow();
    expect(() =>
      expectUserFacing({ code: 1, stdout: '', stderr: 'mtl: boom\n(run with --verbose for the stack trace)\n' }, /boom/),
    ).toThrow();
    expect(() => expectUserFacing({ code: 1, stdout: '', stderr: 'mtl: TypeError: boom\n' }, /boom/)).toThrow();
    expect(() => expectUserFacing({ code: 2, stdout: '', stderr: 'mtl: boom\n' }, /boom/)).toThrow();
    expect(() => expectUserFacing({ code: 1, stdout: '', stderr: 'mtl: boom\n' }, /boom/)).not.toThrow();
  });
});

describe('formatError decides by type', () => {
  it('treats a plain Error named FooError as a bug, not a user error', () => {
    class FooError extends Error {
      override name = 'FooError';
    }
    expect(formatError(new FooError('disk on fire'), false)).toBe('mtl: disk on fire\n(run with --verbose for the stack trace)\n');
    expect(formatError(new TypeError('x is undefined'), false)).toContain('--verbose');
  });

  it('prints a UserError and its subclasses as the message alone', () => {
    for (const err of [
      new UserError('bad'),
      new SamplingConfigError('bad'),
      new ProviderUnavailableError('bad'),
      new DataError('f.txt', 3, 'bad'),
    ]) {
      expect(err).toBeInstanceOf(UserError);
      expect(formatError(err, false)).toMatch(/^mtl: [^\n]*bad\n$/);
    }
    expect(new SamplingConfigError('x').name).toBe('SamplingConfigError');
  });
});
