/**
 * Saved models of older manifest versions load through named migrations (one function per version
 * step); a version this package has no migration for, or a newer one, is a clear error.
 */
import { describe, expect, it } from 'vitest';
import { MANIFEST_VERSION } from '../../src/training/format.js';
import { MANIFEST_MIGRATIONS, migrateManifest, v1ToV2 } from '../../src/training/manifest-migrations.js';
import { MultiTaskModelCore } from '../../src/training/model-core.js';
import { taskFromSpec } from '../../src/tasks/registry.js';
import type { SentimentTask } from '../../src/tasks/sentiment/index.js';
import type { SummarizationTask } from '../../src/tasks/summarization/index.js';
import type { TranslationQualityTask } from '../../src/tasks/translation-quality/index.js';

/** A version-1 manifest as models saved before the input options wrote it (the fields the migration reads). */
function v1Manifest() {
  return {
    format: 'mtl-nlp/multitask-model',
    formatVersion: 1,
    weights: { file: 'model.safetensors', sha256: 'x', bytes: 0, params: {} },
    tasks: [
      {
        type: 'sentiment',
        name: 'sentiment',
        config: { labels: ['negative', 'positive'], hidden: 8, dropout: 0.1, primaryMetric: 'accuracy' },
      },
      {
        type: 'translation-quality',
        name: 'tq',
        config: { hidden: 8, dropout: 0.1, targetMean: 0.5, targetStd: 2, pairs: ['en-de'], primaryMetric: 'pearson' },
      },
      {
        type: 'summarization',
        name: 'summarization',
        config: {
          hidden: 8,
          dropout: 0.1,
          maxSentences: 40,
          oracleSentences: 3,
          inference: { sentences: 3, trigramBlocking: true },
          primaryMetric: 'rouge2',
        },
      },
      { type: 'test-custom', name: 'custom', config: { anything: 1 } },
    ],
  };
}

describe('manifest migrations', () => {
  it('the chain reaches the current version, one named step per version', () => {
    expect(MANIFEST_VERSION).toBe(2);
    expect(MANIFEST_MIGRATIONS.map((m) => m.from)).toEqual([1]);
    expect(MANIFEST_MIGRATIONS[0]!.migrate).toBe(v1ToV2);
  });

  it('v1 → v2 spells out the input options of version 1 with the values those models used, and keeps what was saved', () => {
    const m = v1ToV2(v1Manifest()) as ReturnType<typeof v1Manifest>;
    expect(m.formatVersion).toBe(2);
    expect(m.tasks[0]!.config).toEqual({
      labels: ['negative', 'positive'],
      hidden: 8,
      dropout: 0.1,
      primaryMetric: 'accuracy',
      features: [],
      pooling: 'mean',
    });
    expect(m.tasks[1]!.config).toMatchObject({ input: 'siamese', features: [], targetMean: 0.5 });
    expect(m.tasks[2]!.config).toMatchObject({
      features: [],
      selection: 'independent',
      inference: { sentences: 3, trigramBlocking: true },
    });
    expect(m.tasks[3]!.config).toEqual({ anything: 1 }); // not a built-in task: untouched
    // a version-1 spec that already has the options keeps them
    const withOptions = v1Manifest();
    (withOptions.tasks[2]!.config as Record<string, unknown>).selection = 'conditional';
    expect((v1ToV2(withOptions) as ReturnType<typeof v1Manifest>).tasks[2]!.config).toMatchObject({ selection: 'conditional' });
    // the input is not modified
    expect(v1Manifest().tasks[0]!.config).not.toHaveProperty('pooling');
  });

  it('checkManifest migrates a version-1 manifest, and the tasks rebuild from it', () => {
    const m = MultiTaskModelCore.checkManifest(v1Manifest(), 'old/manifest.json');
    expect(m.formatVersion).toBe(MANIFEST_VERSION);
    const s = taskFromSpec(m.tasks[0]!) as SentimentTask;
    expect([s.pooling, s.features, s.labels]).toEqual(['mean', [], ['negative', 'positive']]);
    const tq = taskFromSpec(m.tasks[1]!) as TranslationQualityTask;
    expect([tq.input, tq.features, tq.isPrepared()]).toEqual(['siamese', [], true]);
    const summ = taskFromSpec(m.tasks[2]!) as SummarizationTask;
    expect([summ.selection, summ.features]).toEqual(['independent', []]);
  });

  it('a version without a migration, or newer than this package, is an error naming the file and the versions', () => {
    expect(() => migrateManifest({ ...v1Manifest(), formatVersion: 0 }, 'm.json')).toThrow(
      'm.json: format version 0 cannot be read: no migration from version 0 (this package reads 2)',
    );
    expect(() => MultiTaskModelCore.checkManifest({ ...v1Manifest(), formatVersion: 3 }, 'new/manifest.json')).toThrow(
      'new/manifest.json: format version 3 not supported (expected 2)',
    );
    expect(() => MultiTaskModelCore.checkManifest({ format: 'other' }, 'x.json')).toThrow('x.json: not a mtl-nlp/multitask-model manifest');
  });
});
