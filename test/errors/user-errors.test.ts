/**
 * Every error a user can fix is a UserError (the CLI prints it as one line, exit 1). Two checks:
 * the option-parsing and config files throw no plain Error/TypeError/RangeError at all, and
 * representative library calls with a bad folder, manifest, option or value throw a UserError
 * whose message names the file or field.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTask } from '../../src/config/tasks.js';
import { Encoder } from '../../src/encoder/index.js';
import { UserError } from '../../src/errors.js';
import { Float32AdamW } from '../../src/finetune/index.js';
import { sentimentTask } from '../../src/tasks/sentiment/index.js';
import { selectSentences } from '../../src/tasks/summarization/index.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { FeatureStore } from '../../src/training/features.js';
import { packageRoot } from '../../src/utils/paths.js';

const root = packageRoot();
const tmp = mkdtempSync(join(tmpdir(), 'mtl-user-errors-'));

/** `throw new Error(`, `new TypeError(` or `new RangeError(` sites in a source text, as "line: text". */
export function plainThrows(text: string): string[] {
  return text.split('\n').flatMap((l, i) => (/\bnew (Error|TypeError|RangeError)\(/.test(l) ? [`${i + 1}: ${l.trim()}`] : []));
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Files that only check what the user gave (options, configs, flags): none of their errors is a bug. */
function optionFiles(): string[] {
  const src = join(root, 'src');
  const taskConfigs = readdirSync(join(src, 'tasks'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(src, 'tasks', e.name, 'config.ts'));
  return [
    ...taskConfigs,
    join(src, 'tasks/options.ts'),
    join(src, 'tasks/summarization/selection.ts'),
    join(src, 'training/model-options.ts'),
    join(src, 'training/callbacks.ts'),
    join(src, 'training/checkpoint.ts'),
    join(src, 'encoder/load.ts'),
    join(src, 'encoder/model-files.ts'),
    join(src, 'encoder/resolve-node.ts'),
    join(src, 'config/load.ts'),
    join(src, 'config/tasks.ts'),
    ...tsFiles(join(src, 'cli/commands')),
    join(src, 'cli/global-options.ts'),
    join(src, 'cli/input.ts'),
  ];
}

async function userError(p: Promise<unknown> | (() => unknown)): Promise<UserError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected a UserError, but the call succeeded');
}

describe('user-fixable errors are UserErrors', () => {
  it('option, config and CLI option files throw no plain Error, TypeError or RangeError', () => {
    const files = optionFiles();
    expect(files.length).toBeGreaterThan(15);
    const found = files.flatMap((f) => plainThrows(readFileSync(f, 'utf8')).map((s) => `src/${relative(join(root, 'src'), f)}:${s}`));
    expect(found).toEqual([]);
  });

  it('the scan would see a plain throw (the check can fail)', () => {
    expect(
      plainThrows("const a = 1;\n  if (x) throw new Error(`bad ${x}`);\nthrow new UserError('ok');\nreturn new RangeError('r');"),
    ).toEqual(['2: if (x) throw new Error(`bad ${x}`);', "4: return new RangeError('r');"]);
  });

  it('Encoder.load on a missing folder names the folder', async () => {
    const e = await userError(Encoder.load(join(tmp, 'no-encoder')));
    expect(e.message).toMatch(/model folder .*no-encoder does not exist/);
  });

  it('Encoder.load with a bad option names the option', async () => {
    const e = await userError(Encoder.load('mtl:mini', { pooling: 'maximum' as never }));
    expect(e.message).toMatch(/unknown pooling 'maximum' \(expected /);
    const w = await userError(Encoder.load('mtl:mini', { maxBatchSize: 0 }));
    expect(w.message).toMatch(/maxBatchSize must be a positive integer, got 0/);
  });

  it('MultiTaskModel.fromPretrained on a corrupted or missing manifest names the file', async () => {
    const bad = join(tmp, 'bad-model');
    mkdirSync(bad);
    writeFileSync(join(bad, 'manifest.json'), '{"format": "mtl-nlp\n');
    const e = await userError(MultiTaskModel.fromPretrained(bad));
    expect(e.message).toMatch(/bad-model\/manifest\.json: not valid JSON .*retrain/);
    const empty = join(tmp, 'empty-model');
    mkdirSync(empty);
    expect((await userError(MultiTaskModel.fromPretrained(empty))).message).toMatch(/empty-model\/manifest\.json: missing/);
  });

  it('a bad task option names the task and the option', async () => {
    const e = await userError(() => sentimentTask({ name: 'mood', pooling: 'max' as never }));
    expect(e.message).toMatch(/^task "mood": pooling must be one of /);
    const t = await userError(() => createTask({ name: 'nosuch', loss: 'mse' } as never));
    expect(t.message).toMatch(/unknown task "nosuch" \(known: /);
    const s = await userError(() => selectSentences(['a b', 'c d'], [0.5, 0.2], { sentences: 0 }));
    expect(s.message).toMatch(/sentences must be a positive integer, got 0/);
  });

  it('bad training and finetune values name the field', async () => {
    const shared = MultiTaskModel.create({
      encoder: { dim: 4 },
      tasks: [sentimentTask({ name: 'a' })],
      sharedLayers: { depth: 1, width: 8, dropout: 1.5 },
      log: false,
    });
    expect((await userError(shared)).message).toMatch(/sharedLayers\.dropout must be in \[0, 1\), got 1\.5/);
    expect((await userError(() => new Float32AdamW({ lr: -1 }))).message).toMatch(/AdamW: lr = -1 is out of range/);
    expect((await userError(() => new FeatureStore(0))).message).toMatch(/FeatureStore: dim must be a positive integer/);
    expect(
      (
        await userError(() =>
          MultiTaskModel.create({ encoder: { dim: 4 }, tasks: [sentimentTask({ name: 'a' }), sentimentTask({ name: 'a' })], log: false }),
        )
      ).message,
    ).toMatch(/duplicate task name "a"/);
  });

  it('an internal invariant stays a plain Error (the type check can fail)', async () => {
    await expect(
      userError(() => {
        throw new Error('head not built');
      }),
    ).rejects.toThrow();
  });
});
