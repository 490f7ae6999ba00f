import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTaskConfig, loadTrainingConfig, shippedConfigs } from '../../src/config/load.js';
import { packageRoot } from '../../src/utils/paths.js';

const tasksDir = join(packageRoot(), 'tasks');

describe('declarative configs', () => {
  it('every task file in tasks/ validates', () => {
    const files = readdirSync(tasksDir).filter((f) => f.endsWith('.yaml') && !f.startsWith('multitask'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const cfg = loadTaskConfig(join(tasksDir, f));
      expect(cfg.metrics).toContain(cfg.primaryMetric);
    }
  });

  it('the multitask config resolves the three tasks with their lambdas', () => {
    const cfg = loadTrainingConfig(join(tasksDir, 'multitask.yaml'));
    expect(cfg.taskConfigs.map((t) => t.name)).toEqual(['sentiment', 'translation-quality', 'summarization']);
    expect(cfg.taskConfigs.every((t) => t.lambda === 1)).toBe(true);
    expect(cfg.training.sampling).toEqual({ type: 'temperature', T: 2 });
  });

  it('the fine-tuning config is the multitask config read at layer 4 with 2 layers fine-tuned, proportional sampling, summarization batches of 8 and 2 epochs', () => {
    const base = loadTrainingConfig(join(tasksDir, 'multitask.yaml'));
    const ft = loadTrainingConfig(join(tasksDir, 'multitask-finetune.yaml'));
    // the same tasks, heads, λ, shared layers, architecture and optimizer: only what fine-tuning needs differs
    expect(ft.taskConfigs.map(({ batchSize: _, ...t }) => t)).toEqual(base.taskConfigs);
    expect(ft.taskConfigs.map((t) => t.batchSize)).toEqual([undefined, undefined, 8]);
    expect(base.taskConfigs.every((t) => t.batchSize === undefined)).toBe(true);
    expect({ ...ft.encoder, finetune: undefined, layer: undefined }).toEqual({ ...base.encoder, finetune: undefined });
    expect(base.encoder.layer).toBeUndefined();
    expect(ft.encoder.layer).toBe(4);
    expect(ft.architecture).toEqual(base.architecture);
    expect(ft.sharedLayers).toEqual(base.sharedLayers);
    expect(ft.training.optimizer).toEqual(base.training.optimizer);
    expect(ft.encoder.finetune).toMatchObject({ layers: 2, lr: 3e-4, cacheMB: 6144 });
    expect(ft.training.sampling).toEqual({ type: 'proportional' });
    expect(ft.training.epochs).toBe(2);
  });

  it('a wrong field type names the file, the line and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtl-config-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'name: sentiment',
        'labels: [negative, positive]',
        'data:',
        '  train: { format: sst2, path: a }',
        '  dev: { format: sst2, path: b }',
        'sample:',
        '  train: { format: sst2, path: a }',
        '  dev: { format: sst2, path: b }',
        'head: { hidden: many }',
        'loss: cross-entropy',
        'metrics: [accuracy]',
        'primaryMetric: accuracy',
      ].join('\n'),
    );
    expect(() => loadTaskConfig(file)).toThrowError(new RegExp(`bad\\.yaml:9: head\\.hidden: .*number`));
  });

  it('an unknown key and invalid YAML are reported with their line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtl-config-'));
    const file = join(dir, 'multi.yaml');
    writeFileSync(file, 'encoder: { model: x }\ntasks:\n  - { config: a.yaml }\nbogus: 1\n');
    expect(() => loadTrainingConfig(file)).toThrowError(/multi\.yaml:4: .*bogus/);
    writeFileSync(file, 'encoder: [unclosed\n');
    expect(() => loadTrainingConfig(file)).toThrowError(/multi\.yaml:\d+: invalid YAML/);
  });
});

describe('shipped configs by name', () => {
  it("loadTaskConfig('sentiment') is the package's tasks/sentiment.yaml, from any working folder; paths still work", () => {
    const load = loadTaskConfig;
    expect(load('sentiment')).toEqual(load(join(packageRoot(), 'tasks', 'sentiment.yaml')));
    expect(loadTrainingConfig('multitask').file).toBe(join(packageRoot(), 'tasks', 'multitask.yaml'));
    expect(shippedConfigs()).toEqual(expect.arrayContaining(['multitask', 'sentiment', 'summarization', 'translation-quality']));
    expect(() => load('sentimental')).toThrow(
      /^sentimental: no such config file, and not the name of a config shipped in the package \(.*sentiment.*\)/,
    );
    // a path that does not exist is a path, not a name
    expect(() => load('nope/sentiment.yaml')).toThrow(/nope\/sentiment\.yaml: cannot read config \(ENOENT\)/);
  });
});
