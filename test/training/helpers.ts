/** Synthetic data for training tests: features are filled directly into the model's FeatureStore. */
import { Rng } from '../../src/utils/random.js';
import { ClassificationTask } from '../../src/tasks/classification.js';
import { PairRegressionTask } from '../../src/tasks/pair-regression.js';
import type { ClassificationExample } from '../../src/tasks/classification.js';
import type { PairRegressionExample } from '../../src/tasks/pair-regression.js';
import { FeatureStore } from '../../src/training/features.js';

export interface Synthetic {
  features: FeatureStore;
  cls: { train: ClassificationExample[]; dev: ClassificationExample[] };
  reg: { train: PairRegressionExample[]; dev: PairRegressionExample[] };
}

/**
 * Classification: label = argmax of 3 fixed random projections of the vector.
 * Pair regression: score = cosine-ish similarity of (a, b) (+ optional noise).
 */
export function synthetic(opts: { dim?: number; n?: number; seed?: number; noise?: number; prefix?: string } = {}): Synthetic {
  const dim = opts.dim ?? 16;
  const n = opts.n ?? 96;
  const rng = new Rng(opts.seed ?? 1);
  const prefix = opts.prefix ?? '';
  const features = new FeatureStore(dim);
  const vec = () => Float32Array.from({ length: dim }, () => rng.normal());
  const proj = [vec(), vec(), vec()];
  const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * (b[i] as number), 0);
  const clsAll: ClassificationExample[] = [];
  for (let i = 0; i < n; i++) {
    const v = vec();
    const text = `${prefix}c${i}`;
    features.set(text, v);
    const scores = proj.map((p) => dot(p, v));
    const label = ['neg', 'neu', 'pos'][scores.indexOf(Math.max(...scores))] as string;
    clsAll.push({ text, label });
  }
  const regAll: PairRegressionExample[] = [];
  for (let i = 0; i < n; i++) {
    const a = vec();
    const b = a.map((x) => x * 0.5 + rng.normal() * 0.8) as Float32Array;
    features.set(`${prefix}a${i}`, a);
    features.set(`${prefix}b${i}`, b);
    const score = dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b)) + (opts.noise ?? 0) * rng.normal();
    regAll.push({ a: `${prefix}a${i}`, b: `${prefix}b${i}`, score });
  }
  const cut = Math.floor(n * 0.75);
  return {
    features,
    cls: { train: clsAll.slice(0, cut), dev: clsAll.slice(cut) },
    reg: { train: regAll.slice(0, cut), dev: regAll.slice(cut) },
  };
}

export function makeTasks(): [ClassificationTask, PairRegressionTask] {
  return [new ClassificationTask({ name: 'cls' }), new PairRegressionTask({ name: 'reg', hidden: 16 })];
}

import type { EncodeResult, EncoderInfo, SentenceEncoder } from '../../src/encoder/types.js';
import { hashString } from '../../src/utils/random.js';

/** Deterministic fake encoder: vector from a hash of the text; counts encoded texts. */
export class FakeEncoder implements SentenceEncoder {
  readonly info: EncoderInfo;
  encodedTexts: string[] = [];
  constructor(dim = 16, sha = 'a'.repeat(64)) {
    this.info = {
      model: 'fake/encoder',
      files: [],
      sha256: sha,
      dtype: 'fp32',
      device: 'cpu',
      dim,
      pooling: 'mean',
      normalize: true,
      maxLength: 128,
    };
  }
  async encode(texts: readonly string[]): Promise<EncodeResult> {
    this.encodedTexts.push(...texts);
    const d = this.info.dim;
    const data = new Float32Array(texts.length * d);
    texts.forEach((t, i) => {
      const r = new Rng(hashString(t));
      for (let k = 0; k < d; k++) data[i * d + k] = r.normal();
    });
    return { dims: [texts.length, d], data };
  }
  async dispose(): Promise<void> {}
}

/** Copy of parameters whose name starts with prefix. */
export function paramsWithPrefix(
  store: { list(): { name: string; variable: { dataSync(): ArrayLike<number> } }[] },
  prefix: string,
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const e of store.list()) if (e.name.startsWith(prefix)) out.set(e.name, Float32Array.from(e.variable.dataSync()));
  return out;
}

export function maxAbsDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let m = 0;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w) throw new Error(`missing ${k}`);
    for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs((v[i] as number) - (w[i] as number)));
  }
  return m;
}
