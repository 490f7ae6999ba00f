import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '../../src/utils/tf.js';
import { initBackend } from '../../src/training/backend.js';
import { Dense, gelu } from '../../src/nn/layers.js';
import { ParamStore } from '../../src/nn/params.js';
import { AdamW, clipByGlobalNorm, learningRate } from '../../src/nn/optimizer.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/training/safetensors.js';

beforeAll(async () => {
  await initBackend('wasm', { log: false });
});

describe('AdamW', () => {
  it('matches a hand-computed update (decoupled decay on weights, none on biases)', () => {
    const store = new ParamStore('adamw');
    const w0 = Float32Array.from([0.5, -1.0, 2.0, 0.0]);
    const W = store.add('w', [2, 2], w0.slice(), { group: 'shared', decay: true });
    const b = store.add('b', [2], Float32Array.from([0.1, -0.2]), { group: 'shared', decay: false });
    const opt = new AdamW({ type: 'adamw', lr: 0.1, weightDecay: 0.01 });
    const g1 = [0.2, -0.4, 1.0, 0.0];
    const g2 = [-0.1, 0.3, 0.5, 2.0];
    const gb = [1.0, -2.0];
    // reference in float64
    const lr = 0.1,
      wd = 0.01,
      b1 = 0.9,
      b2 = 0.999,
      eps = 1e-8;
    const p = Array.from(w0);
    const m = [0, 0, 0, 0];
    const v = [0, 0, 0, 0];
    [g1, g2].forEach((g, k) => {
      const t = k + 1;
      for (let i = 0; i < 4; i++) {
        m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
        v[i] = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
        const mh = m[i]! / (1 - b1 ** t);
        const vh = v[i]! / (1 - b2 ** t);
        p[i] = p[i]! - lr * (mh / (Math.sqrt(vh) + eps) + wd * p[i]!);
      }
    });
    for (const g of [g1, g2]) {
      const grads = new Map<string, tf.Tensor>([['w', tf.tensor(g, [2, 2])]]);
      if (g === g1) grads.set('b', tf.tensor(gb, [2]));
      opt.apply(store.list(), grads, lr);
      tf.dispose([...grads.values()]);
    }
    const got = W.dataSync();
    p.forEach((x, i) => expect(got[i]).toBeCloseTo(x, 6));
    // bias: one step, no decay: p − lr·sign(g) (first Adam step is ±lr up to eps)
    const gotB = b.dataSync();
    expect(gotB[0]).toBeCloseTo(0.1 - 0.1, 6);
    expect(gotB[1]).toBeCloseTo(-0.2 + 0.1, 6);
    // state round trip
    const state = opt.getState();
    expect(state.steps).toEqual({ w: 2, b: 1 });
    const opt2 = new AdamW({ type: 'adamw', lr: 0.1, weightDecay: 0.01 });
    opt2.setState(store.list(), state);
    expect(Array.from(opt2.getState().tensors.get('w.m')!.data)).toEqual(Array.from(state.tensors.get('w.m')!.data));
    opt.dispose();
    opt2.dispose();
    store.dispose();
  });

  it('skips parameters without a gradient (no decay either)', () => {
    const store = new ParamStore('skip');
    const W = store.add('w', [3], Float32Array.from([1, 2, 3]), { group: 'task', decay: true });
    const opt = new AdamW({ type: 'adamw', lr: 0.5, weightDecay: 0.5 });
    opt.apply(store.list(), new Map(), 0.5);
    expect(Array.from(W.dataSync())).toEqual([1, 2, 3]);
    store.dispose();
  });
});

describe('learning-rate schedule', () => {
  it('warms up linearly then decays linearly or by cosine', () => {
    expect(learningRate(1, 0, 100, { warmup: 10, decay: 'linear' })).toBeCloseTo(0.1);
    expect(learningRate(1, 9, 100, { warmup: 10, decay: 'linear' })).toBeCloseTo(1);
    expect(learningRate(1, 10, 100, { warmup: 10, decay: 'linear' })).toBeCloseTo(1);
    expect(learningRate(1, 55, 100, { warmup: 10, decay: 'linear' })).toBeCloseTo(0.5);
    expect(learningRate(1, 55, 100, { warmup: 10, decay: 'cosine' })).toBeCloseTo(0.5);
    expect(learningRate(1, 32.5, 100, { warmup: 10, decay: 'cosine' })).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI * 0.25)));
    expect(learningRate(2, 50, 100)).toBe(2);
    expect(learningRate(1, 0, 100, { warmup: 0.1 })).toBeCloseTo(0.1);
  });
});

describe('clipByGlobalNorm', () => {
  it('scales all gradients to the clip norm', () => {
    const grads = new Map<string, tf.Tensor>([
      ['a', tf.tensor([3, 0])],
      ['b', tf.tensor([0, 4])],
    ]);
    const { grads: out, norm } = clipByGlobalNorm(grads, 1);
    expect(norm).toBeCloseTo(5);
    expect(Array.from(out.get('a')!.dataSync())).toEqual([expect.closeTo(0.6, 6), 0]);
    expect(Array.from(out.get('b')!.dataSync())).toEqual([0, expect.closeTo(0.8, 6)]);
    tf.dispose([...out.values()]);
  });
});

describe('safetensors', () => {
  const tensors = new Map([
    ['x.weight', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
    ['x.bias', { shape: [3], data: Float32Array.from([-1, 0.5, 1e-7]) }],
    ['scalar', { shape: [] as number[], data: Float32Array.from([42]) }],
  ]);

  it('round-trips with an 8-byte aligned JSON header', () => {
    const bytes = encodeSafetensors(tensors, { producer: 'test' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header['x.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header.__metadata__).toEqual({ producer: 'test' });
    const back = decodeSafetensors(bytes, 'w.safetensors');
    expect([...back.tensors.keys()]).toEqual(['x.weight', 'x.bias', 'scalar']);
    expect(Array.from(back.tensors.get('x.bias')!.data)).toEqual(Array.from(tensors.get('x.bias')!.data));
  });

  it('rejects truncated files and absurd header lengths, naming the file', () => {
    const bytes = encodeSafetensors(tensors);
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 4), 'cut.safetensors')).toThrow(/cut\.safetensors.*(outside|cover)/);
    expect(() => decodeSafetensors(bytes.subarray(0, 5), 'tiny.safetensors')).toThrow(/tiny\.safetensors/);
    const bad = bytes.slice();
    new DataView(bad.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => decodeSafetensors(bad, 'big.safetensors')).toThrow(/big\.safetensors.*header length/);
  });
});

describe('layers', () => {
  it('Dense with the explicit-transpose gradient matches tfjs default gradients', () => {
    const store = new ParamStore(5);
    const d = new Dense(store, 'd', 12, 7, { group: 'shared' });
    const x = tf.randomNormal([5, 12], 0, 1, 'float32', 3) as tf.Tensor2D;
    const ours = tf.variableGrads(() => tf.sum(tf.square(d.apply(x))) as tf.Scalar, [d.W, d.b]);
    const ref = tf.variableGrads(() => tf.sum(tf.square(tf.add(tf.matMul(x, d.W), d.b))) as tf.Scalar, [d.W, d.b]);
    for (const v of [d.W, d.b]) {
      const a = ours.grads[v.name]!.dataSync();
      const b = ref.grads[v.name]!.dataSync();
      a.forEach((value, i) => expect(value).toBeCloseTo(b[i]!, 4));
    }
    const gx = tf
      .grad((t: tf.Tensor) => tf.sum(tf.square(d.apply(t as tf.Tensor2D))))(x)
      .dataSync();
    const rx = tf
      .grad((t: tf.Tensor) => tf.sum(tf.square(tf.add(tf.matMul(t as tf.Tensor2D, d.W), d.b))))(x)
      .dataSync();
    gx.forEach((value, i) => expect(value).toBeCloseTo(rx[i]!, 4));
    tf.dispose([x, ours.value, ref.value, ...Object.values(ours.grads), ...Object.values(ref.grads)]);
    store.dispose();
  });

  it('GELU is the tanh approximation', () => {
    const y = gelu(tf.tensor1d([-2, -0.5, 0, 0.5, 2])).dataSync();
    const ref = [-2, -0.5, 0, 0.5, 2].map((x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))));
    ref.forEach((r, i) => expect(y[i]).toBeCloseTo(r, 5));
  });
});
