/**
 * From a saved folder to predictions in one call (fromPretrained), typed predict by task name,
 * cancellation and progress of predict/evaluate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder } from '../../src/encoder/index.js';
import { UserError } from '../../src/errors.js';
import { initBackend } from '../../src/training/backend.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { SentimentTask } from '../../src/tasks/sentiment/index.js';
import { SummarizationTask } from '../../src/tasks/summarization/index.js';
import { TranslationQualityTask } from '../../src/tasks/translation-quality/index.js';
import type { Progress } from '../../src/utils/progress.js';
import { FakeEncoder } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'mtl-pretrained-'));
beforeAll(async () => {
  await initBackend('wasm', { log: false });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sentiment = ['a warm , funny film .', 'dull and far too long .', 'one of the best of the year .', 'a mess .'].map((text, i) => ({
  text,
  label: i % 2 ? 'negative' : 'positive',
}));
const pairs = [
  { source: 'The museum opens at nine.', translation: 'Das Museum öffnet um neun.', score: 0.4 },
  { source: 'It rained all day.', translation: 'Es regnete den ganzen Tag.', score: 0.6 },
  { source: 'He left early.', translation: 'Er kam spät.', score: -1.2 },
];
const docs = [
  {
    sentences: ['Markets fell on Monday.', 'Oil prices rose sharply.', 'Analysts expect a rebound.', 'The weather was mild.'],
    summary: 'Markets fell on Monday.\nOil prices rose sharply.',
  },
];

async function trainedOn(encoder: Encoder | FakeEncoder, dir: string): Promise<MultiTaskModel> {
  const model = await MultiTaskModel.create({
    encoder,
    tasks: [
      new SentimentTask({ name: 'sentiment' }),
      new TranslationQualityTask({ name: 'translation-quality' }),
      new SummarizationTask({ name: 'summarization', inference: { sentences: 2 } }),
    ],
    sharedLayers: { depth: 1, width: 16 },
    seed: 1,
    log: false,
  });
  await model.fit(
    { sentiment: { train: sentiment }, 'translation-quality': { train: pairs }, summarization: { train: docs } },
    { steps: 3, batchSize: 4, log: false },
  );
  await model.save(dir);
  return model;
}

describe('MultiTaskModel.fromPretrained', () => {
  it('opens the encoder the manifest names (fixture:bert), checks it, and predicts like the trained model', async () => {
    const encoder = await Encoder.load('fixture:bert', { device: 'cpu' });
    const dir = join(root, 'fixture-model');
    const trained = await trainedOn(encoder, dir);
    const expected = await trained.predict('sentiment', ['a warm , funny film .', 'a mess .']);
    const loaded = await MultiTaskModel.fromPretrained(dir);
    expect(loaded.encoder?.info.sha256).toBe(encoder.info.sha256);
    const got = await loaded.predict('sentiment', ['a warm , funny film .', 'a mess .']);
    expect(got.map((p) => p.label)).toEqual(expected.map((p) => p.label));
    for (const [i, p] of got.entries()) expect(Math.abs(p.score - expected[i]!.score)).toBeLessThan(1e-6);
    // the three input shapes: a text, a pair, a document (as a string or its sentences)
    const [q] = await loaded.predict('translation-quality', [{ source: 'It rained.', translation: 'Es regnete.' }]);
    expect(Number.isFinite(q)).toBe(true);
    const [fromString] = await loaded.predict('summarization', ['Markets fell on Monday. Oil prices rose sharply. The weather was mild.']);
    const [fromSentences] = await loaded.predict('summarization', [
      ['Markets fell on Monday.', 'Oil prices rose sharply.', 'The weather was mild.'],
    ]);
    expect(fromString!.scores).toEqual(fromSentences!.scores);
    expect(fromSentences!.sentences).toHaveLength(2);
    for (const m of [trained, loaded]) m.dispose();
    await loaded.encoder?.dispose();
    await encoder.dispose();
  });

  it('an encoder read at an inner layer: the manifest records it, fromPretrained reopens that layer, another layer is refused', async () => {
    const encoder = await Encoder.load('fixture:bert', { device: 'cpu', layer: 1 });
    expect(encoder.info.layer).toEqual({ index: 1, of: 2 });
    const dir = join(root, 'layer-model');
    const trained = await trainedOn(encoder, dir);
    const texts = ['a warm , funny film .', 'a mess .'];
    const expected = await trained.predict('sentiment', texts);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { encoder: { layer?: number } };
    expect(manifest.encoder.layer).toBe(1);
    const loaded = await MultiTaskModel.fromPretrained(dir);
    expect(loaded.encoder?.info.layer).toEqual({ index: 1, of: 2 });
    const got = await loaded.predict('sentiment', texts);
    for (const [i, p] of got.entries()) expect(Math.abs(p.score - expected[i]!.score)).toBeLessThan(1e-6);
    const whole = await Encoder.load('fixture:bert', { device: 'cpu' });
    await expect(MultiTaskModel.fromPretrained(dir, { encoder: whole })).rejects.toThrow(
      /encoder mismatch: .* trained on features of layer 1 of .*, but the given encoder reads the last layer; load the encoder with \{ layer: 1 \}/,
    );
    // the last layer named explicitly is the whole model: a model trained without the option accepts it
    const last = await Encoder.load('fixture:bert', { device: 'cpu', layer: -1 });
    const dir2 = join(root, 'last-layer-model');
    (await trainedOn(whole, dir2)).dispose();
    const reopened = await MultiTaskModel.fromPretrained(dir2, { encoder: last });
    expect(await reopened.predict('sentiment', texts)).toHaveLength(2);
    for (const m of [trained, loaded, reopened]) m.dispose();
    await Promise.all([loaded.encoder?.dispose(), encoder.dispose(), whole.dispose(), last.dispose()]);
  });

  it('fails at once, saying how to pass an encoder, when the recorded one cannot be opened; null loads the weights alone', async () => {
    const dir = join(root, 'fake-model');
    const trained = await trainedOn(new FakeEncoder(16), dir);
    trained.dispose();
    const err = await MultiTaskModel.fromPretrained(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(String(err)).toMatch(/manifest\.json: the encoder this model was trained with \(fake\/encoder\) could not be opened/);
    expect(String(err)).toMatch(/\{ encoder: <Encoder or id\/folder> \}.*\{ encoder: null \}/);
    const weightsOnly = await MultiTaskModel.fromPretrained(dir, { encoder: null });
    expect(weightsOnly.encoder).toBeNull();
    expect(weightsOnly.taskNames).toEqual(['sentiment', 'translation-quality', 'summarization']);
    // with the same encoder object it predicts
    const withEncoder = await MultiTaskModel.fromPretrained(dir, { encoder: new FakeEncoder(16) });
    expect(await withEncoder.predict('sentiment', ['a mess .'])).toHaveLength(1);
    // another encoder (another sha256) is refused
    await expect(MultiTaskModel.fromPretrained(dir, { encoder: new FakeEncoder(16, 'b'.repeat(64)) })).rejects.toThrow(/encoder mismatch/);
    weightsOnly.dispose();
    withEncoder.dispose();
  });
});

describe('predict: types by task name, cancellation, progress', () => {
  it('rejects a wrong input at compile time (checked by the typecheck test) and at run time cancels and reports progress', async () => {
    const dir = join(root, 'typed');
    const model = await trainedOn(new FakeEncoder(16), dir);
    if (false as boolean) {
      // @ts-expect-error translation quality takes { source, translation }, not a string
      await model.predict('translation-quality', ['just a text']);
      // @ts-expect-error sentiment takes texts or { text }
      await model.predict('sentiment', [{ source: 'a', translation: 'b' }]);
      // @ts-expect-error a sentiment prediction has no `summary`
      void (await model.predict('sentiment', ['x']))[0]!.summary;
    }
    const events: Progress[] = [];
    const texts = Array.from({ length: 10 }, (_, i) => `text number ${i}`);
    const out = await model.predict('sentiment', texts, { batchSize: 4, onProgress: (p) => events.push(p) });
    expect(out).toHaveLength(10);
    const predict = events.filter((e) => e.phase === 'predict').map((e) => e.done);
    expect(predict).toEqual([4, 8, 10]);
    expect(events.every((e) => e.total === 10)).toBe(true);
    const ac = new AbortController();
    ac.abort();
    await expect(model.predict('sentiment', texts, { signal: ac.signal })).rejects.toThrow(/aborted/);
    await expect(model.evaluate({ sentiment }, { signal: ac.signal })).rejects.toThrow(/aborted/);
    // aborting while predicting: the next batch boundary stops it
    const mid = new AbortController();
    const partial = model.predict('sentiment', texts, {
      batchSize: 2,
      onProgress: (p) => (p.phase === 'predict' && p.done >= 4 ? mid.abort() : undefined),
      signal: mid.signal,
    });
    await expect(partial).rejects.toThrow(/aborted/);
    model.dispose();
  });

  it('Encoder.encode honours an AbortSignal and reports phase "encode"', async () => {
    const encoder = await Encoder.load('fixture:bert', { device: 'cpu' });
    const ac = new AbortController();
    ac.abort();
    await expect(encoder.encode(['a', 'b'], { signal: ac.signal })).rejects.toThrow(/aborted/);
    const seen: string[] = [];
    await encoder.encode(['a', 'b'], { onProgress: (p) => seen.push(`${p.phase}:${p.done}/${p.total}`) });
    expect(seen.at(-1)).toBe('encode:2/2');
    await encoder.dispose();
  });
});
