import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTaskConfig } from '../../src/config/load.js';
import type { TaskConfig } from '../../src/config/schema.js';
import { DataError } from '../../src/data/errors.js';
import { idFraction, inDevSplit, loadTaskData, loadTaskDataResult } from '../../src/config/tasks.js';
import { packageRoot } from '../../src/utils/paths.js';

const config = (name: string): TaskConfig => loadTaskConfig(join(packageRoot(), 'tasks', `${name}.yaml`));
const SST = config('sentiment') as TaskConfig & { name: 'sentiment' };
const TWEETS = config('sentiment-tweets') as TaskConfig & { name: 'sentiment' };
const QE = config('translation-quality') as TaskConfig & { name: 'translation-quality' };
const BBC = config('summarization') as TaskConfig & { name: 'summarization' };

const countBy = <T>(xs: readonly T[], key: (x: T) => string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
};

describe('loadTaskData on the samples (fixtures/data)', () => {
  it('sentiment → { text, label }', () => {
    const train = loadTaskData(SST, { sample: true, split: 'train' });
    const dev = loadTaskData(SST, { sample: true, split: 'dev' });
    expect(train).toHaveLength(320);
    expect(dev).toHaveLength(80);
    expect(Object.keys(train[0] as object).sort()).toEqual(['label', 'text']);
    expect(new Set(train.map((e) => e.label))).toEqual(new Set(['negative', 'positive']));
    const r = loadTaskDataResult(SST, { sample: true, split: 'dev' });
    expect(r.path).toBe(join(packageRoot(), 'fixtures/data/sentiment/dev.txt'));
    expect(r.skipped).toBe(0);
  });

  it('translation quality → { source, translation, score, pair, modelScore }', () => {
    const train = loadTaskData(QE, { sample: true, split: 'train' });
    expect(train).toHaveLength(240);
    const e = train[0];
    expect(e).toMatchObject({ pair: 'en-de', id: '0' });
    expect(e?.source).toMatch(/^Rosenau/);
    expect(e?.translation).toMatch(/^Rosenau, eine Stadt/);
    expect(e?.score).toBeCloseTo(1.2940961883371773, 12);
    expect(e?.modelScore).toBeCloseTo(-0.0686646631005215, 12);
    const dev = loadTaskData(QE, { sample: true, split: 'dev' });
    expect(countBy(dev, (x) => x.pair ?? '')).toEqual({ 'en-de': 60, 'en-zh': 30 });
  });

  it('BBC → { sentences, summary (summary sentences joined by "\\n"), id }, hash split without overlap', () => {
    const train = loadTaskData(BBC, { sample: true, split: 'train' });
    const dev = loadTaskData(BBC, { sample: true, split: 'dev' });
    expect(train.length + dev.length).toBe(36);
    expect(dev.length).toBeGreaterThan(0);
    const ids = new Set(train.map((e) => e.id));
    expect(dev.some((e) => ids.has(e.id))).toBe(false);
    for (const e of dev) expect(inDevSplit(e.id as string, 0.25)).toBe(true);
    for (const e of train) expect(inDevSplit(e.id as string, 0.25)).toBe(false);
    const d = train[0];
    expect(Object.keys(d as object).sort()).toEqual(['id', 'sentences', 'summary']);
    expect(d?.sentences.length).toBeGreaterThan(3);
    // the summary's sentences are article sentences, one per line
    const lines = (d?.summary as string).split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(d?.sentences.join(' ')).toContain(l);
    // deterministic
    expect(loadTaskData(BBC, { sample: true, split: 'dev' })).toEqual(dev);
  });

  it('limit keeps a prefix; an unknown label is a DataError; a bad split is an error', () => {
    const limited = { ...SST, sample: { ...SST.sample, train: { ...SST.sample.train, limit: 7 } } };
    expect(loadTaskData(limited, { sample: true, split: 'train' })).toEqual(
      loadTaskData(SST, { sample: true, split: 'train' }).slice(0, 7),
    );
    expect(() => loadTaskData({ ...SST, labels: ['negative', 'neutral'] }, { sample: true, split: 'dev' })).toThrow(DataError);
    expect(() => loadTaskData({ ...SST, labels: ['negative', 'neutral'] }, { sample: true, split: 'dev' })).toThrow(
      /"positive" is not in the label map/,
    );
    expect(() => loadTaskData(SST, { sample: true, split: 'test' as 'dev' })).toThrow(/split must be/);
  });

  it('idFraction is the first 32 bits of sha256(id) / 2³² (values from Python hashlib: a hash change fails here)', () => {
    // python3 -c "import hashlib; print(int.from_bytes(hashlib.sha256(b'business/001').digest()[:4], 'big') / 2**32)"
    expect(idFraction('business/001')).toBe(0.3961870768107474);
    expect(idFraction('tech/010')).toBe(0.6061864644289017);
    expect(idFraction('sport/199')).toBe(0.22643709322437644);
    expect(idFraction('a')).toBe(0.7913742703385651);
    // a 10 % dev split keeps neither of these ids in dev, a 25 % split keeps sport/199 only
    expect(['business/001', 'tech/010', 'sport/199'].map((id) => inDevSplit(id, 0.1))).toEqual([false, false, false]);
    expect(['business/001', 'tech/010', 'sport/199'].map((id) => inDevSplit(id, 0.25))).toEqual([false, false, true]);
  });
});

describe('loadTaskData on the real data (../shared/datasets)', () => {
  it('SST-2: 6,920 train / 872 dev', () => {
    expect(loadTaskData(SST, { split: 'train' })).toHaveLength(6920);
    expect(loadTaskData(SST, { split: 'dev' })).toHaveLength(872);
  });

  it('XLM-T tweets: 1,839 train / 324 dev per language, labels in the 3-class map', () => {
    const train = loadTaskData(TWEETS, { split: 'train' });
    const dev = loadTaskData(TWEETS, { split: 'dev' });
    expect(train).toHaveLength(8 * 1839);
    expect(dev).toHaveLength(8 * 324);
    expect(new Set(dev.map((e) => e.label))).toEqual(new Set(['negative', 'neutral', 'positive']));
    expect(Object.keys(dev[0] as object).sort()).toEqual(['label', 'text']);
  });

  it('MLQE-PE: 7,000 train and 1,000 dev segments per pair', () => {
    const train = loadTaskData(QE, { split: 'train' });
    const perPair = countBy(train, (e) => e.pair ?? '');
    expect(perPair).toEqual(Object.fromEntries(['en-de', 'en-zh', 'et-en', 'ne-en', 'ro-en', 'ru-en', 'si-en'].map((p) => [p, 7000])));
    expect(Object.values(countBy(loadTaskData(QE, { split: 'dev' }), (e) => e.pair ?? ''))).toEqual(new Array(7).fill(1000));
    expect(train.every((e) => Number.isFinite(e.score) && Number.isFinite(e.modelScore))).toBe(true);
  });

  it('BBC: 2,004 documents split into train / dev (10%) without overlap, deterministically', () => {
    const train = loadTaskData(BBC, { split: 'train' });
    const dev = loadTaskData(BBC, { split: 'dev' });
    expect(train.length + dev.length).toBe(2004);
    expect(dev.length / 2004).toBeGreaterThan(0.07);
    expect(dev.length / 2004).toBeLessThan(0.13);
    // every category is represented in dev in about the same proportion
    for (const cat of ['business', 'entertainment', 'politics', 'sport', 'tech']) {
      const d = dev.filter((e) => e.id!.startsWith(cat)).length;
      const n = d + train.filter((e) => e.id!.startsWith(cat)).length;
      expect(d / n, cat).toBeGreaterThan(0.05);
      expect(d / n, cat).toBeLessThan(0.16);
    }
    const ids = new Set(train.map((e) => e.id));
    expect(ids.size).toBe(train.length);
    expect(dev.some((e) => ids.has(e.id))).toBe(false);
    // membership is a pure function of the id
    expect(dev.every((e) => inDevSplit(e.id as string, 0.1))).toBe(true);
    expect(train.every((e) => !inDevSplit(e.id as string, 0.1))).toBe(true);
    expect(train.every((e) => e.sentences.length > 0 && typeof e.summary === 'string' && e.summary.length > 0)).toBe(true);
  });

  it('SciTLDR → { sentences: source, summary: targets }', () => {
    const cfg: TaskConfig & { name: 'summarization' } = {
      ...BBC,
      data: {
        train: { format: 'scitldr', path: 'summarization/scitldr-a/train.jsonl', mode: 'strict' },
        dev: { format: 'scitldr', path: 'summarization/scitldr-a/dev.jsonl', mode: 'strict' },
      },
    };
    const dev = loadTaskData(cfg, { split: 'dev' });
    expect(dev).toHaveLength(619);
    expect(Array.isArray(dev[0]?.summary)).toBe(true);
    expect(dev.some((e) => (e.summary as string[]).length > 1)).toBe(true);
    expect(dev[0]?.sentences.length).toBeGreaterThan(0);
  });
});
