/**
 * A fine-tuned encoder across checkpoints and saved models (src/training/finetune*.ts): a resumed run
 * ends where an uninterrupted one does; save() writes the encoder into the model folder and
 * fromPretrained predicts with it as a plain frozen encoder, as the training-time model did; bad
 * settings are refused with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { ensureFixture } from '../../src/generators/index.js';
import { decodeModel, encodeModel } from '../../src/onnx/proto.js';
import { quantizeDynamicBytes } from '../../src/generators/quantize.js';
import { env } from '../../src/utils/env.js';
import { Encoder } from '../../src/encoder/index.js';
import { UserError } from '../../src/errors.js';
import { initBackend } from '../../src/training/backend.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { SentimentTask } from '../../src/tasks/sentiment/index.js';
import { TranslationQualityTask } from '../../src/tasks/translation-quality/index.js';

const words = ['good', 'bad', 'film', 'plot', 'warm', 'dull', 'long', 'best', 'mess', 'year', 'funny', 'slow'];
const texts = Array.from({ length: 24 }, (_, i) => `${words[i % 12]} ${words[(i * 5 + 1) % 12]} ${words[(i * 7 + 3) % 12]} ${i}`);
const sentiment = texts.map((text, i) => ({ text, label: i % 3 === 0 ? 'negative' : 'positive' }));
const pairs = texts.slice(0, 12).map((source, i) => ({ source, translation: texts[(i + 5) % 24] as string, score: (i % 4) - 1.5 }));
const data = { sentiment: { train: sentiment, dev: sentiment.slice(0, 6) }, tq: { train: pairs } };

const root = mkdtempSync(join(tmpdir(), 'mtl-finetune-'));
let fp32: Encoder;
beforeAll(async () => {
  await initBackend('wasm', { log: false });
  fp32 = await Encoder.load('fixture:bert', { dtype: 'fp32' });
});
afterAll(async () => {
  await fp32.dispose();
  rmSync(root, { recursive: true, force: true });
});

const tasks = () => [
  new SentimentTask({ name: 'sentiment', hidden: 16 }),
  new TranslationQualityTask({ name: 'tq', input: 'cross+siamese' }),
];
const create = (encoder: Encoder, layers = 1) =>
  MultiTaskModel.create({
    encoder,
    tasks: tasks(),
    sharedLayers: { depth: 1, width: 16 },
    seed: 5,
    log: false,
    finetune: { layers, lr: 1e-3, dropout: 0.1 },
  });

/** Every file under an encoder folder with its sha256 (what the manifest must list). */
function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const p = join(dir, f);
    if (statSync(p).isFile()) out[f.split(sep).join('/')] = createHash('sha256').update(readFileSync(p)).digest('hex');
  }
  return out;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('fine-tuning: checkpoints and resume', () => {
  it('N steps in one go equal N/2, a resume and N/2: the top, its AdamW state and dropout draws, and the heads, within 1e-6', async () => {
    const fit = { steps: 6, batchSize: 8, log: false as const, evalEvery: 3, weighting: { type: 'pcgrad' as const } };
    const a = await create(fp32);
    await a.fit(data, fit);
    const dir = join(root, 'ckpt');
    const b1 = await create(fp32);
    const h1 = await b1.fit(data, { ...fit, checkpoints: { dir, every: 3 }, onProgress: (e) => (e.step === 3 ? 'stop' : undefined) });
    expect(h1.completedSteps).toBe(3);
    b1.dispose();
    const b = await create(fp32);
    const h = await b.fit(data, { ...fit, checkpoints: { dir, every: 3 }, resume: true });
    expect(h.resumedFrom).toBe(3);
    const wa = a.finetune!.top.weights();
    const wb = b.finetune!.top.weights();
    for (const [k, v] of wa) expect(maxDiff(v, wb.get(k)!), k).toBeLessThan(1e-6);
    expect(b.finetune!.top.draws).toBe(a.finetune!.top.draws);
    expect(b.finetune!.steps).toBe(6);
    for (const p of a.store.list()) {
      const q = b.store.list().find((x) => x.name === p.name)!;
      expect(maxDiff(p.variable.dataSync(), q.variable.dataSync()), p.name).toBeLessThan(1e-6);
    }
    // another fine-tuning setting (or none) is refused, naming it
    const other = await MultiTaskModel.create({
      encoder: fp32,
      tasks: tasks(),
      sharedLayers: { depth: 1, width: 16 },
      seed: 5,
      log: false,
      finetune: { layers: 2, lr: 1e-3, dropout: 0.1 },
    });
    await expect(other.fit(data, { ...fit, checkpoints: { dir, every: 3 }, resume: true })).rejects.toThrow(
      /resume: checkpoint .* used a different finetune \(\{.*"layers":1\}\)/,
    );
    other.dispose();
    // and the resumed top really did train on from the checkpoint, not from the source weights
    const fresh = (await create(fp32)).finetune!.top.weights();
    expect(Math.max(...[...wb].map(([k, v]) => maxDiff(v, fresh.get(k)!)))).toBeGreaterThan(1e-4);
    a.dispose();
    b.dispose();
  }, 60_000);
});

describe('fine-tuning: early stopping', () => {
  it("restores the top's weights of the best evaluation with the heads', and evaluates with them", async () => {
    const m = await create(fp32);
    const seen = new Map<number, Map<string, Float32Array>>();
    const h = await m.fit(data, {
      steps: 6,
      batchSize: 8,
      log: false,
      evalEvery: 1,
      earlyStopping: { metric: 'sentiment.loss', patience: 1, minDelta: 10 }, // only the first evaluation counts as an improvement
      callbacks: [{ onStepEnd: (run) => void seen.set(run.step, m.finetune!.top.weights()) }],
    });
    expect(h.stopReason).toBe('early-stopping');
    expect(h.best?.step).toBe(1);
    const now = m.finetune!.top.weights();
    for (const [k, v] of seen.get(1)!) expect(maxDiff(v, now.get(k)!), k).toBe(0);
    expect(Math.max(...[...seen.get(2)!].map(([k, v]) => maxDiff(v, now.get(k)!)))).toBeGreaterThan(0);
    const again = await m.evaluate({ sentiment: data.sentiment.dev });
    expect(Math.abs(again.sentiment!.loss! - h.evals[0]!.metrics.sentiment!.loss!)).toBeLessThan(1e-6);
    m.dispose();
  }, 60_000);
});

describe('fine-tuning: saved models', () => {
  it('save() writes the encoder (fp32 + q8, tokenizer) into the model folder; fromPretrained predicts as the training-time model within 1e-4', async () => {
    const m = await create(fp32);
    await m.fit(data, { steps: 4, batchSize: 8, log: false });
    const inputs = texts.slice(0, 8);
    const tqInputs = pairs.slice(0, 5).map(({ source, translation }) => ({ source, translation }));
    const before = await m.predict('sentiment', inputs);
    const beforeTq = await m.predict<number>('tq', tqInputs);
    const dir = join(root, 'saved');
    await m.save(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.encoder.path).toBe('encoder');
    expect(manifest.training.finetune.layers).toBe(1);
    for (const f of ['onnx/model.onnx', 'onnx/model_quantized.onnx', 'tokenizer.json', 'config.json'])
      expect(existsSync(join(dir, 'encoder', f)), f).toBe(true);
    expect(manifest.encoder.sha256).toBe(
      createHash('sha256')
        .update(readFileSync(join(dir, 'encoder', 'onnx', 'model.onnx')))
        .digest('hex'),
    );
    expect(manifest.encoder.sha256).not.toBe(fp32.info.sha256);
    expect(manifest.encoder.dtype).toBe('fp32');
    expect(manifest.encoder.files).toEqual(filesOf(join(dir, 'encoder')));
    expect(manifest.encoder.files['onnx/model.onnx']).toBe(manifest.encoder.sha256);

    const loaded = await MultiTaskModel.fromPretrained(dir);
    expect(loaded.finetune).toBeNull();
    const after = await loaded.predict('sentiment', inputs);
    for (let i = 0; i < inputs.length; i++) {
      expect(after[i]!.label).toBe(before[i]!.label);
      expect(Math.abs(after[i]!.score - before[i]!.score)).toBeLessThan(1e-4);
    }
    const afterTq = await loaded.predict<number>('tq', tqInputs);
    expect(maxDiff(afterTq as number[], beforeTq as number[])).toBeLessThan(1e-4);
    // the q8 file is a working encoder of the same model (quantisation error only)
    const q8 = await Encoder.load(join(dir, 'encoder'), { dtype: 'q8' });
    const f32 = await Encoder.load(join(dir, 'encoder'), { dtype: 'fp32' });
    expect(maxDiff((await q8.encode(inputs)).data, (await f32.encode(inputs)).data)).toBeLessThan(0.1);
    await Promise.all([q8.dispose(), f32.dispose(), loaded.encoder?.dispose()]);
    m.dispose();
    loaded.dispose();
  }, 60_000);
});

describe('fine-tuning an encoder read at an inner layer', () => {
  it('read at the last layer (layer -1, `mtl train --layer -1`), it trains the top layers as without the option', async () => {
    const last = await Encoder.load('fixture:bert', { dtype: 'fp32', layer: -1 });
    const m = await create(last, 1);
    expect(m.finetune?.summary()).toMatchObject({ layers: 1, of: 2, read: 2 });
    expect(m.finetune?.top.layers.map((l) => l.index)).toEqual([1]);
    m.dispose();
    await last.dispose();
  }, 60_000);

  it('trains the layers up to the one read; saves that cut as a complete encoder (config says its layers); reloads and predicts the same', async () => {
    const cut = await Encoder.load('fixture:bert', { dtype: 'fp32', layer: 1 });
    const m = await create(cut, 1);
    expect(m.finetune?.summary()).toMatchObject({ layers: 1, of: 2, read: 1 });
    expect(m.finetune?.top.layers.map((l) => l.index)).toEqual([0]);
    // before any step the rebuilt layer 1 gives what the ONNX graph cut at layer 1 gives (eval mode)
    const inputs = texts.slice(0, 8);
    const frozen = await cut.encode(inputs);
    expect(maxDiff((await m.encoder!.encode(inputs)).data, frozen.data)).toBeLessThan(1e-4);
    await m.fit(data, { steps: 4, batchSize: 8, log: false });
    const moved = maxDiff((await m.encoder!.encode(inputs)).data, frozen.data);
    expect(moved).toBeGreaterThan(1e-3);
    const before = await m.predict('sentiment', inputs);
    const dir = join(root, 'saved-inner');
    await m.save(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.encoder.layer).toBeNull();
    const config = JSON.parse(readFileSync(join(dir, 'encoder', 'config.json'), 'utf8'));
    const source = JSON.parse(readFileSync(join(await ensureFixture('bert'), 'config.json'), 'utf8'));
    expect(source.num_hidden_layers).toBe(2);
    expect(config.num_hidden_layers).toBe(1);
    expect(manifest.encoder.files['config.json']).toBe(filesOf(join(dir, 'encoder'))['config.json']);
    const loaded = await MultiTaskModel.fromPretrained(dir);
    // the saved graph is one layer deep: its own layer count, read at its last layer
    expect(loaded.encoder?.info.layer?.of ?? 1).toBe(1);
    const after = await loaded.predict('sentiment', inputs);
    for (let i = 0; i < inputs.length; i++) {
      expect(after[i]!.label).toBe(before[i]!.label);
      expect(Math.abs(after[i]!.score - before[i]!.score)).toBeLessThan(1e-4);
    }
    await loaded.encoder?.dispose();
    loaded.dispose();
    m.dispose();
    await cut.dispose();
  }, 60_000);
});

/**
 * A q8 source's saved model vs the training-time path (q8 bottom, fp32 top), on the bert fixture:
 * the fp32 file (the manifest's) differs by the bottom's int8 activation rounding only: measured
 * 1.6e-2 on the vectors, 3.2e-3 on probabilities, 1.2e-2 on scores (Q8_TOL); the q8 file also loses the part of
 * the update below an int8 step (0.1 on the vectors, 3e-2 / 0.23 on probabilities / scores: Q8_FILE_TOL).
 */
const Q8_TOL = 3e-2;
const Q8_FILE_TOL = 0.5;

describe('fine-tuning: a q8-only source', () => {
  it('save() writes an fp32 encoder (the manifest names it) and a q8 one; fromPretrained predicts as the training-time model', async () => {
    // the fixture's folder with only its q8 file, as mtl:mini ships
    const fixture = await ensureFixture('bert');
    const src = join(root, 'q8-only');
    mkdirSync(join(src, 'onnx'), { recursive: true });
    for (const f of readdirSync(fixture)) if (f.endsWith('.json') || f.endsWith('.txt')) copyFileSync(join(fixture, f), join(src, f));
    copyFileSync(join(fixture, 'onnx', 'model_quantized.onnx'), join(src, 'onnx', 'model_quantized.onnx'));
    const q8 = await Encoder.load(src, { dtype: 'q8' });
    const m = await create(q8);
    await m.fit(data, { steps: 4, batchSize: 8, log: false });
    const inputs = texts.slice(0, 8);
    const tqInputs = pairs.slice(0, 5).map(({ source, translation }) => ({ source, translation }));
    const before = await m.predict('sentiment', inputs);
    const beforeTq = (await m.predict<number>('tq', tqInputs)) as number[];
    const trainedVectors = (await m.finetune!.asEncoder().encode(inputs)).data;
    const dir = join(root, 'saved-q8');
    await m.save(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.encoder.dtype).toBe('fp32');
    expect(manifest.encoder.files).toEqual(filesOf(join(dir, 'encoder')));
    expect(Object.keys(manifest.encoder.files)).toEqual(
      expect.arrayContaining(['onnx/model.onnx', 'onnx/model_quantized.onnx', 'tokenizer.json', 'config.json']),
    );
    expect(manifest.encoder.sha256).toBe(manifest.encoder.files['onnx/model.onnx']);

    const probs = (p: typeof before) => p.flatMap((x) => Object.values(x.probabilities));
    const compare = async (model: MultiTaskModel, what: string) => {
      const d = {
        vectors: maxDiff((await model.encoder!.encode(inputs)).data, trainedVectors),
        sentiment: maxDiff(probs(await model.predict('sentiment', inputs)), probs(before)),
        tq: maxDiff((await model.predict<number>('tq', tqInputs)) as number[], beforeTq),
      };
      console.info(`q8-only source, ${what} vs the training-time path: max |diff| ${JSON.stringify(d)}`);
      return d;
    };
    const loaded = await MultiTaskModel.fromPretrained(dir);
    expect(loaded.encoder?.info.dtype).toBe('fp32');
    const f = await compare(loaded, 'saved (fp32 file)');
    expect(Math.max(f.sentiment, f.tq)).toBeLessThanOrEqual(Q8_TOL);
    // the saved file carries the update: the source encoder (untrained top) is much further off
    const stale = maxDiff((await q8.encode(inputs)).data, trainedVectors);
    expect(f.vectors).toBeLessThan(stale / 4);

    // the q8 file, passed explicitly (the manifest lists it, so the model accepts it)
    const q8File = await Encoder.load(join(dir, 'encoder'), { dtype: 'q8' });
    const withQ8 = await MultiTaskModel.fromPretrained(dir, { encoder: q8File });
    const q = await compare(withQ8, 'saved q8 file');
    expect(Math.max(q.sentiment, q.tq)).toBeLessThanOrEqual(Q8_FILE_TOL);
    expect(q.vectors).toBeLessThan(stale);
    expect(f.vectors).toBeLessThan(q.vectors); // why the manifest names the fp32 file
    // the source's own encoder is not one of the saved files: refused
    await expect(MultiTaskModel.fromPretrained(dir, { encoder: q8 })).rejects.toThrow(
      /encoder mismatch: .*trained on features of .*encoder/,
    );
    await Promise.all([q8File.dispose(), loaded.encoder?.dispose(), q8.dispose()]);
    m.dispose();
    loaded.dispose();
    withQ8.dispose();
  }, 60_000);
});

describe('fine-tuning: a q8 source whose int8 weights cannot be written back', () => {
  it('saves anyway: the q8 file is the fp32 one quantized afresh, with a notice naming the weight', async () => {
    // the fixture's q8 graph where layer 1's key MatMul reads the query's weight scale (shared)
    const fixture = await ensureFixture('bert');
    const src = join(root, 'q8-shared');
    mkdirSync(join(src, 'onnx'), { recursive: true });
    for (const f of readdirSync(fixture)) if (f.endsWith('.json') || f.endsWith('.txt')) copyFileSync(join(fixture, f), join(src, f));
    const graph = decodeModel(new Uint8Array(readFileSync(join(fixture, 'onnx', 'model_quantized.onnx'))));
    const q = graph.graph!.initializer!.find((t) => /layer\.1\..*query.*_quantized$/.test(t.name!))!.name!.replace(/_quantized$/, '');
    const k = q.replace('query', 'key');
    const mul = graph.graph!.node!.find((n) => n.opType === 'Mul' && n.input!.includes(`${k}_scale`))!;
    mul.input = mul.input!.map((i) => (i === `${k}_scale` ? `${q}_scale` : i));
    writeFileSync(join(src, 'onnx', 'model_quantized.onnx'), encodeModel(graph));
    const enc = await Encoder.load(src, { dtype: 'q8' });
    const m = await create(enc);
    await m.fit(data, { steps: 1, batchSize: 8, log: false });
    const warnings: string[] = [];
    env.logger = { info: () => undefined, warn: (w) => void warnings.push(w) };
    try {
      await m.save(join(root, 'saved-shared'));
    } finally {
      env.logger = null;
    }
    expect(warnings).toEqual([
      expect.stringMatching(
        /cannot write layer\.1\.q\.weight back into its int8 weight .* is read by 2 nodes.*its q8 file is the fp32 one quantized/,
      ),
    ]);
    const saved = join(root, 'saved-shared', 'encoder', 'onnx');
    const fp32 = new Uint8Array(readFileSync(join(saved, 'model.onnx')));
    expect(Buffer.from(readFileSync(join(saved, 'model_quantized.onnx'))).equals(Buffer.from(quantizeDynamicBytes(fp32).bytes))).toBe(true);
    const loaded = await MultiTaskModel.fromPretrained(join(root, 'saved-shared'));
    expect((await loaded.predict('sentiment', texts.slice(0, 2))).length).toBe(2);
    await Promise.all([loaded.encoder?.dispose(), enc.dispose()]);
    loaded.dispose();
    m.dispose();
  }, 60_000);
});

describe('fine-tuning: refusals', () => {
  it('more layers than the encoder has or than it reads up to, a negative count, no encoder', async () => {
    await expect(create(fp32, 3)).rejects.toThrow(/finetune\.layers = 3: the encoder .* has 2 layers; fine-tune at most 2/);
    await expect(create(fp32, -1)).rejects.toThrow(/finetune\.layers = -1: must be an integer ≥ 0/);
    await expect(create(fp32, 3)).rejects.toBeInstanceOf(UserError);
    const cut = await Encoder.load('fixture:bert', { dtype: 'fp32', layer: 1 });
    await expect(create(cut, 2)).rejects.toThrow(
      /finetune\.layers = 2: the encoder .* is read at layer 1 of 2; fine-tune at most 1 \(the layers up to the one read\)/,
    );
    await cut.dispose();
    await expect(MultiTaskModel.create({ encoder: { dim: 32 }, tasks: tasks(), log: false, finetune: { layers: 1 } })).rejects.toThrow(
      /fine-tuning needs an Encoder/,
    );
    await expect(MultiTaskModel.create({ encoder: fp32, tasks: tasks(), log: false, finetune: { layers: 1, lr: 0 } })).rejects.toThrow(
      /finetune\.lr = 0: must be > 0/,
    );
  }, 60_000);

  it('an encoder whose layers the rebuild does not know (tanh GELU), naming the file, the layer and the reason', async () => {
    const fixture = await ensureFixture('bert');
    const dir = join(root, 'tanh');
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    for (const f of readdirSync(fixture)) if (f.endsWith('.json') || f.endsWith('.txt')) copyFileSync(join(fixture, f), join(dir, f));
    const model = decodeModel(new Uint8Array(readFileSync(join(fixture, 'onnx', 'model.onnx'))));
    for (const n of model.graph!.node!) if (n.opType === 'Erf' && n.name!.includes('layer/1/')) n.opType = 'Tanh';
    writeFileSync(join(dir, 'onnx', 'model.onnx'), encodeModel(model));
    const tanh = await Encoder.load(dir, { dtype: 'fp32' });
    await expect(create(tanh, 1)).rejects.toThrow(
      /finetune\.layers = 1: .*tanh[/\\]onnx[/\\]model\.onnx: layer 1 cannot be made trainable: its GELU is the tanh approximation; only the exact erf GELU is rebuilt\. .*train this model frozen, or fine-tune fewer layers/,
    );
    await expect(create(tanh, 1)).rejects.toBeInstanceOf(UserError);
    // frozen, it trains as any encoder
    const frozen = await create(tanh, 0);
    expect(frozen.finetune).toBeNull();
    frozen.dispose();
    await tanh.dispose();
  }, 60_000);

  it('a task that reads another encoder layer than the fine-tuned top, at fit', async () => {
    const m = await MultiTaskModel.create({
      encoder: fp32,
      tasks: [new SentimentTask({ name: 'sentiment', hidden: 16 })],
      taskLayers: { sentiment: 1 },
      log: false,
      finetune: { layers: 1 },
    });
    await expect(m.fit({ sentiment: { train: sentiment } }, { steps: 1, log: false })).rejects.toThrow(
      /task "sentiment" reads encoder layer 1; with finetune the tasks read the fine-tuned top, so drop the task's layer or use finetune\.layers: 0/,
    );
    m.dispose();
  }, 60_000);
});
