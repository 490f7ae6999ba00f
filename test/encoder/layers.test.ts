/**
 * The encoder's `layer` option (src/encoder/layers.ts): features of an inner layer, as Hugging Face's
 * hidden_states[k]. The reference is independent of the cut: a fixture with N layers read at layer k
 * must equal a fixture built with only k layers from the same weight stream (the generator draws
 * weights in graph order, so its first k layers are the same), and reference-mini's layer 4 must equal
 * the whole graph run with that layer's tensor named as an extra output.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEncoderGraph, ensureFixture, quantizeDynamicModel } from '../../src/generators/index.js';
import { decodeModel, encodeModel, onnx } from '../../src/onnx/proto.js';
import { variantSpec, type FixtureVariant } from '../../src/generators/variants.js';
import { Encoder } from '../../src/encoder/index.js';
import { cutAtLayer } from '../../src/encoder/layers.js';
import { encodeCommand } from '../../src/experiment/encode-file.js';
import { packageRoot } from '../../src/utils/paths.js';
import { maxAbsDiff, quiet, sst2Dev } from './helpers/data.js';

const REFERENCE_MINI = join(packageRoot(), '..', 'shared', 'models', 'reference-mini');
const TEXTS = sst2Dev(12);

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mtl-layers-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A copy of a fixture folder whose model has `layers` layers (same seed, so the same first layers). */
async function fixtureWithLayers(variant: FixtureVariant, layers: number, dtype: 'fp32' | 'q8' = 'fp32'): Promise<string> {
  const src = await ensureFixture(variant);
  const dir = join(work, `${variant}-${layers}-${dtype}`);
  if (existsSync(dir)) return dir;
  cpSync(src, dir, { recursive: true });
  const config = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8')) as Record<string, number>;
  const vocab = readFileSync(join(src, 'vocab.txt'), 'utf8').split('\n');
  const id = (t: string) => vocab.indexOf(t);
  const ids = {
    padTokenId: id('[PAD]'),
    clsTokenId: id('[CLS]'),
    sepTokenId: id('[SEP]'),
    unkTokenId: id('[UNK]'),
    maskTokenId: id('[MASK]'),
  };
  const spec = { ...variantSpec(variant).graph(config.vocab_size!, ids), numLayers: layers, seed: 1234 };
  const model = buildEncoderGraph(spec);
  writeFileSync(
    join(dir, 'onnx', 'model.onnx'),
    encodeModel(dtype === 'q8' ? quantizeDynamicModel(model, { embeddings: true }).model : model),
  );
  return dir;
}

async function tokenStates(dir: string, layer?: number): Promise<{ data: Float32Array; info: Encoder['info'] }> {
  const enc = await Encoder.load(dir, { device: 'cpu', threads: 1, logger: quiet, ...(layer !== undefined ? { layer } : {}) });
  try {
    return { data: (await enc.encodeTokens(TEXTS)).data, info: enc.info };
  } finally {
    await enc.dispose();
  }
}

describe('layer: an inner layer equals a model built with that many layers', () => {
  for (const variant of ['bert', 'distilbert'] as const) {
    it(`${variant} (3 layers): layers 1 and 2 equal the 1- and 2-layer models; 3 and -1 are the whole model`, async () => {
      const full = await fixtureWithLayers(variant, 3);
      for (const k of [1, 2]) {
        const ref = await tokenStates(await fixtureWithLayers(variant, k));
        const cut = await tokenStates(full, k);
        expect(cut.info.layer).toEqual({ index: k, of: 3 });
        expect(maxAbsDiff(cut.data, ref.data)).toBeLessThan(1e-6);
        // and it is not the whole model's output
        expect(maxAbsDiff(cut.data, (await tokenStates(full)).data)).toBeGreaterThan(1e-2);
      }
      const whole = await tokenStates(full);
      for (const k of [3, -1]) expect(maxAbsDiff((await tokenStates(full, k)).data, whole.data)).toBe(0);
      // negative layers count from the end: -2 is layer 2 of 3
      expect(maxAbsDiff((await tokenStates(full, -2)).data, (await tokenStates(full, 2)).data)).toBe(0);
    });
  }

  it('q8 (int8 GEMMs, quantized embeddings): layer 2 of 3 equals the quantized 2-layer model', async () => {
    const full = await fixtureWithLayers('bert', 3, 'q8');
    const ref = await tokenStates(await fixtureWithLayers('bert', 2, 'q8'));
    expect(maxAbsDiff((await tokenStates(full, 2)).data, ref.data)).toBeLessThan(1e-6);
  });

  it("dtype 'auto' on device 'auto' reloads the q8 file and cuts it at the same layer", async () => {
    const dir = await ensureFixture('bert');
    const auto = await Encoder.load(dir, {
      device: 'auto',
      dtype: 'auto',
      int8Features: ['avx512_vnni'],
      layer: 1,
      threads: 1,
      logger: quiet,
    });
    const q8 = await Encoder.load(dir, { device: 'cpu', dtype: 'q8', layer: 1, threads: 1, logger: quiet });
    expect(auto.info).toMatchObject({ device: 'cpu', dtype: 'q8', layer: { index: 1, of: 2 } });
    const a = await auto.encode(TEXTS);
    expect(maxAbsDiff(a.data, (await q8.encode(TEXTS)).data)).toBe(0);
    const whole = await Encoder.load(dir, { device: 'cpu', dtype: 'q8', threads: 1, logger: quiet });
    expect(maxAbsDiff(a.data, (await whole.encode(TEXTS)).data)).toBeGreaterThan(1e-2);
    await Promise.all([auto.dispose(), q8.dispose(), whole.dispose()]);
  });

  it('layer 0 is the embeddings: the LayerNorm of word + position + type embeddings, independent of the layers', async () => {
    const a = await tokenStates(await fixtureWithLayers('bert', 3), 0);
    const b = await tokenStates(await fixtureWithLayers('bert', 1), 0);
    expect(maxAbsDiff(a.data, b.data)).toBe(0);
    // LayerNorm output: each real token's vector has mean ≈ beta's mean, not the layers' output
    expect(maxAbsDiff(a.data, (await tokenStates(await fixtureWithLayers('bert', 1))).data)).toBeGreaterThan(1e-2);
  });

  it('the cut graph runs only what the layer needs: fewer nodes and initializers, one output', async () => {
    const bytes = readFileSync(join(await fixtureWithLayers('bert', 3), 'onnx', 'model.onnx'));
    const cut = cutAtLayer(bytes, 1, 'model.onnx');
    const before = decodeModel(bytes).graph!;
    const after = decodeModel(cut.bytes!).graph!;
    expect(cut).toMatchObject({ layers: 3, layer: 1 });
    expect(after.node!.length).toBeLessThan(before.node!.length / 2);
    expect(after.initializer!.length).toBeLessThan(before.initializer!.length / 2);
    expect(after.initializer!.some((t) => /layer\.1\./.test(t.name ?? ''))).toBe(false);
    expect(after.output!.map((o) => o.name)).toEqual(['last_hidden_state']);
    expect(cut.tensor).toMatch(/^\/encoder\/layer[./]0\/output\/LayerNorm\//);
  });
});

describe('layer: errors name the file, the reason and the remedy', () => {
  it('out of range, or not an integer', async () => {
    const dir = await fixtureWithLayers('bert', 3);
    await expect(Encoder.load(dir, { layer: 4, logger: quiet })).rejects.toThrow(
      /layer 4 is out of range for .*model\.onnx: it has 3 transformer layers, so layer is an integer from 0 \(the embeddings\) to 3/,
    );
    await expect(Encoder.load(dir, { layer: -5, logger: quiet })).rejects.toThrow(/out of range/);
    await expect(Encoder.load(dir, { layer: 1.5, logger: quiet })).rejects.toThrow(/layer must be an integer/);
  });

  it('a graph whose nodes are not named by layer', async () => {
    const m = decodeModel(readFileSync(join(await fixtureWithLayers('bert', 2), 'onnx', 'model.onnx')));
    m.graph!.node!.forEach((n, i) => (n.name = `node_${i}`));
    expect(() => cutAtLayer(encodeModel(m), 1, 'my/model.onnx')).toThrow(
      /my\/model\.onnx: no transformer layers found by node name .*export the model with Optimum, or leave layer unset/,
    );
  });

  it('a model with external data', async () => {
    const m = decodeModel(readFileSync(join(await fixtureWithLayers('bert', 2), 'onnx', 'model.onnx')));
    m.graph!.initializer![0]!.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    expect(() => cutAtLayer(encodeModel(m), 1, 'big/model.onnx')).toThrow(
      /big\/model\.onnx: the model keeps its weights in external data files.*single-file export/,
    );
    // the last layer needs no cut, so it works there
    expect(cutAtLayer(encodeModel(m), -1, 'big/model.onnx').bytes).toBeNull();
  });
});

describe('layer: caches and commands keep layers apart', () => {
  it('the embedding cache does not serve one layer’s vectors for another', async () => {
    const dir = await fixtureWithLayers('bert', 3);
    const cache = { dir: join(work, 'cache') };
    const a = await Encoder.load(dir, { layer: 1, cache, logger: quiet });
    const va = await a.encode(TEXTS);
    await a.dispose();
    const b = await Encoder.load(dir, { cache, logger: quiet });
    const vb = await b.encode(TEXTS);
    expect(b.stats.cacheHits).toBe(0);
    await b.dispose();
    expect(maxAbsDiff(va.data, vb.data)).toBeGreaterThan(1e-2);
    const c = await Encoder.load(dir, { layer: 1, cache, logger: quiet });
    const vc = await c.encode(TEXTS);
    expect(c.stats.cacheHits).toBe(TEXTS.length);
    await c.dispose();
    expect(maxAbsDiff(vc.data, va.data)).toBe(0);
    // the last layer named explicitly is the whole model: it shares the whole model's entries
    const d = await Encoder.load(dir, { layer: -1, cache, logger: quiet });
    const vd = await d.encode(TEXTS);
    expect(d.stats.cacheHits).toBe(TEXTS.length);
    await d.dispose();
    expect(maxAbsDiff(vd.data, vb.data)).toBe(0);
  });

  it('mtl encode --layer: the file holds that layer’s mean-pooled vectors', async () => {
    const dir = await fixtureWithLayers('bert', 3);
    const input = join(work, 'texts.txt');
    writeFileSync(input, TEXTS.join('\n') + '\n');
    const output = join(work, 'v.jsonl');
    await encodeCommand({ model: dir, input, output, layer: 2, quiet: true });
    const rows = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as number[]);
    const ref = await Encoder.load(await fixtureWithLayers('bert', 2), { logger: quiet });
    const v = await ref.encode(TEXTS);
    await ref.dispose();
    expect(maxAbsDiff(Float32Array.from(rows.flat()), v.data)).toBeLessThan(1e-5);
  });
});

describe.skipIf(!existsSync(REFERENCE_MINI))('layer on reference-mini (a real export, decomposed LayerNorm, /layers.N/ scopes)', () => {
  it('layer 4 equals the whole graph run with layer 4’s tensor as an extra output', async () => {
    const dir = join(work, 'refmini-extra-output');
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    for (const f of ['config.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json'])
      copyFileSync(join(REFERENCE_MINI, f), join(dir, f));
    const m = decodeModel(readFileSync(join(REFERENCE_MINI, 'onnx', 'model.onnx')));
    // keep every node (nothing pruned); the old output is renamed, layer 4's tensor becomes last_hidden_state
    for (const n of m.graph!.node!) n.output = n.output!.map((o) => (o === 'last_hidden_state' ? 'old_last_hidden_state' : o));
    m.graph!.node!.push(
      onnx.NodeProto.create({ opType: 'Identity', name: 'pick', input: ['/layers.3/ln2/Add_1_output_0'], output: ['last_hidden_state'] }),
    );
    writeFileSync(join(dir, 'onnx', 'model.onnx'), encodeModel(m));
    const ref = await tokenStates(dir);
    const cut = await tokenStates(REFERENCE_MINI, 4);
    expect(cut.info.layer).toEqual({ index: 4, of: 6 });
    expect(maxAbsDiff(cut.data, ref.data)).toBe(0);
    expect(maxAbsDiff(cut.data, (await tokenStates(REFERENCE_MINI)).data)).toBeGreaterThan(1e-2);
  });
});
