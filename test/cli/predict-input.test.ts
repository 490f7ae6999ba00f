/**
 * `mtl predict` input handling: the file's own line numbers, malformed JSONL refused, "no input",
 * invalid UTF-8 reported, control characters escaped in the TSV output.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inputLines, parseInputs } from '../../src/cli/commands/predict.js';
import type { DaScale } from '../../src/tasks/translation-quality/index.js';
import { mtl } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mtl-predict-'));
const model = join(tmp, 'model');
const noModel = join(tmp, 'no-model'); // input errors come before the model is opened

describe('predict input parsing (unit)', () => {
  it('keeps physical line numbers across blank lines and CRLF', () => {
    const lines = inputLines(Buffer.from('a\r\n\r\n  \nb\n'), 'f');
    expect(lines).toEqual([
      { text: 'a', line: 1 },
      { text: 'b', line: 4 },
    ]);
    expect(() => parseInputs('translation-quality', lines, 'f.tsv')).toThrow(/^f\.tsv:1: expected "source<TAB>translation"/);
    expect(parseInputs('translation-quality', [{ text: 'a\tb\t-0.5', line: 1 }], 'f')).toEqual([
      { source: 'a', translation: 'b', modelScore: -0.5 },
    ]);
    expect(() => parseInputs('translation-quality', [{ text: 'a\tb\tx', line: 3 }], 'f.tsv')).toThrow(
      /^f\.tsv:3: model_score "x" is not a number/,
    );
  });

  it('summarization: broken or wrong-shaped JSON is an error with file:line, plain text is a document', () => {
    const bad = [
      '{"sentences": ["A."',
      '{"sentences": "A."}',
      '{"sentences": [1, 2]}',
      '{"title": "x"}',
      '["A."]',
      '{"text": ""}',
      '{"sentences": []}',
    ];
    for (const b of bad) expect(() => parseInputs('summarization', [{ text: b, line: 7 }], 'd.jsonl'), b).toThrow(/^d\.jsonl:7: /);
    expect(parseInputs('summarization', [{ text: '{"sentences": ["A.", "B."]}', line: 1 }], 'd')).toEqual([{ sentences: ['A.', 'B.'] }]);
    expect(parseInputs('summarization', [{ text: 'One. Two.', line: 1 }], 'd')).toEqual([{ sentences: ['One.', 'Two.'] }]);
  });

  it('invalid UTF-8 is reported once with the first line affected', () => {
    const warnings: string[] = [];
    const lines = inputLines(
      Buffer.concat([Buffer.from('ok\n\nfine\nbad '), Buffer.from([0xff, 0x0a]), Buffer.from([0xc3, 0x28])]),
      'in.txt',
      (m) => warnings.push(m),
    );
    expect(lines.map((l) => l.line)).toEqual([1, 3, 4, 5]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^in\.txt:4: invalid UTF-8/);
  });
});

describe('binary input', () => {
  it('mostly NUL bytes or invalid UTF-8 is refused naming the input; a stray NUL or invalid byte is not', () => {
    // a PNG's signature and IHDR chunk, then zeroed image data
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]),
      Buffer.alloc(64),
    ]);
    expect(() => inputLines(png, 'img.png')).toThrow(
      /^img\.png: not a text file: \d+ % of its characters are NUL bytes \(the first at byte 8\); give UTF-8 text/,
    );
    const noise = Buffer.from(Array.from({ length: 2000 }, (_, i) => 0x80 + ((i * 7) % 0x7f)));
    expect(() => inputLines(noise, 'noise.dat')).toThrow(/^noise\.dat: not a text file: \d+ % of it is not valid UTF-8/);
    const utf16 = Buffer.from('\ufeffa good film\n', 'utf16le');
    expect(() => inputLines(utf16, 'u16.txt')).toThrow(/iconv -f UTF-16 -t UTF-8/);
    const warned: string[] = [];
    expect(inputLines(Buffer.from('caf\xe9 au lait\nfine\n', 'latin1'), 'cp1252.txt', (m) => warned.push(m))).toHaveLength(2);
    expect(warned).toHaveLength(1);
    expect(inputLines(Buffer.from('a fine film\nevil \u0000 film\n'), 'nul.txt')).toHaveLength(2);
  });

  it('mtl predict --input on a binary file: exit 1, the file named', () => {
    const f = join(tmp, 'model.bin');
    writeFileSync(f, Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 131) % 256)));
    const r = mtl(['predict', '--model', noModel, '--task', 'sentiment', '--input', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`mtl: ${f}: not a text file`);
    expect(r.stdout).toBe('');
  });
});

describe('mtl predict (CLI)', () => {
  beforeAll(() => {
    const r = mtl([
      '--quiet',
      'train',
      '--config',
      'tasks/multitask.yaml',
      '--sample',
      '--encoder',
      'fixture:bert',
      '--steps',
      '10',
      '--out',
      model,
    ]);
    expect(r.code, r.stderr).toBe(0);
  }, 300_000);

  it('an error on line 4 is reported as line 4 (blank lines before it)', () => {
    const f = join(tmp, 'qe.tsv');
    writeFileSync(f, 'Hello.\tHallo.\n\n\nno tab here\n');
    const r = mtl(['predict', '--model', noModel, '--task', 'translation-quality', '--input', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/qe\.tsv:4: expected "source<TAB>translation"/);
  });

  it('translation quality: the scores are named z-scores, and --scale da gives the 0–100 DA scale the model records', () => {
    const pairs = 'The museum opens at nine.\tDas Museum öffnet um neun.\t-0.3\nThe museum opens at nine.\tDer Hund schläft.\t-1.2\n';
    const z = mtl(['predict', '--model', model, '--task', 'translation-quality'], { input: pairs });
    expect(z.code, z.stderr).toBe(0);
    expect(z.stderr).toMatch(/scores are predicted z-scores of the DA rating .*--scale da for the 0–100 DA scale/);
    const da = mtl(['predict', '--model', model, '--task', 'translation-quality', '--scale', 'da'], { input: pairs });
    expect(da.code, da.stderr).toBe(0);
    // the manifest's line, fitted on the sample training rows' (z_mean, mean): checked against the TSV itself
    const manifest = JSON.parse(readFileSync(join(model, 'manifest.json'), 'utf8')) as {
      tasks: { name: string; config: { daScale?: DaScale } }[];
    };
    const scale = manifest.tasks.find((t) => t.name === 'translation-quality')!.config.daScale!;
    const rows = readFileSync('fixtures/data/translation-quality/train/en-de.tsv', 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t'));
    const xs = rows.map((r) => Number(r[6]));
    const ys = rows.map((r) => Number(r[4]));
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    expect(scale.n).toBe(rows.length);
    expect(scale.slope).toBeCloseTo(slope, 9);
    expect(scale.intercept).toBeCloseTo(my - slope * mx, 9);
    const zs = z.stdout
      .trim()
      .split('\n')
      .map((l) => Number(l.split('\t')[0]));
    const das = da.stdout
      .trim()
      .split('\n')
      .map((l) => Number(l.split('\t')[0]));
    zs.forEach((v, i) => expect(das[i]).toBeCloseTo(Math.min(100, Math.max(0, scale.intercept + scale.slope * v)), 1));
    for (const v of das) expect(v >= 0 && v <= 100).toBe(true);
    expect(mtl(['predict', '--model', model, '--task', 'sentiment', '--scale', 'da', 'good']).stderr).toMatch(
      /--scale applies to --task translation-quality/,
    );
  });

  it('summarization refuses a broken JSONL line instead of summarising it', () => {
    const f = join(tmp, 'docs.jsonl');
    writeFileSync(f, '{"sentences": ["The firm grew.", "Profits rose."]}\n\n{"sentences": ["The firm grew.", \n');
    const r = mtl(['predict', '--model', model, '--task', 'summarization', '--input', f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/docs\.jsonl:3: not valid JSON/);
  });

  it('empty file, blank-only file and closed stdin: "no input", exit 1', () => {
    const empty = join(tmp, 'empty.txt');
    writeFileSync(empty, '');
    const blank = join(tmp, 'blank.txt');
    writeFileSync(blank, '\n   \n\t\n');
    for (const [args, input, re] of [
      [['--input', empty], undefined, /empty\.txt: no input \(empty\)/],
      [['--input', blank], undefined, /blank\.txt: no input \(only blank lines\)/],
      [[], '', /stdin: no input/],
    ] as const) {
      const r = mtl(['predict', '--model', model, '--task', 'sentiment', ...args], { input });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(re);
    }
  });

  it('a missing --input file or a directory: one line naming the path', () => {
    const r = mtl(['predict', '--model', model, '--task', 'sentiment', '--input', join(tmp, 'nope.txt')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mtl: ${join(tmp, 'nope.txt')}: file not found\n`);
    const d = mtl(['predict', '--model', model, '--task', 'sentiment', '--input', tmp]);
    expect(d.stderr).toBe(`mtl: ${tmp}: is a directory, not a file\n`);
  });

  it('control characters in the input are escaped in the TSV output; invalid UTF-8 warns', () => {
    const f = join(tmp, 'ctl.txt');
    writeFileSync(f, Buffer.concat([Buffer.from('a fine film\nevil \u001b[2J\u0000 film '), Buffer.from([0xff]), Buffer.from('\n')]));
    const r = mtl(['predict', '--model', model, '--task', 'sentiment', '--input', f]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0000\u001b]/); // eslint-disable-line no-control-regex -- no NUL or ESC reaches the terminal
    const rows = r.stdout.trim().split('\n');
    expect(rows).toHaveLength(2);
    expect(rows[1]!.split('\t')).toHaveLength(3);
    expect(rows[1]).toContain('evil \\x1b[2J\\0 film \uFFFD');
    expect(r.stderr).toMatch(/warning: .*ctl\.txt:2: invalid UTF-8/);
    const q = mtl(['--quiet', 'predict', '--model', model, '--task', 'sentiment', '--input', f]);
    expect(q.stderr).toBe('');
  });
});
