/**
 * Cache of frozen encoder vectors keyed by text. The model encodes each distinct text once (through
 * its SentenceEncoder) and trains on these vectors; synthetic tests fill the store directly. A text pair
 * encoded as one sequence is keyed by `pairKey(a, b)` (encoder/pairs.ts) and encoded with the
 * encoder's `encodePairs`, so its vector never mixes with the vectors of its texts. A text (or pair) that a
 * task reads at an inner encoder layer (the model's `taskLayers`) is keyed by `layerKey(layer, key)` and
 * encoded by the encoder's `atLayer(layer)`.
 */
import type { EncodeOptions, SentenceEncoder } from '../encoder/types.js';
import { isPairKey, parsePairKey } from '../encoder/pairs.js';
import type { FeatureLookup, TokenLookup } from '../tasks/types.js';
import { UserError } from '../errors.js';

// eslint-disable-next-line no-control-regex -- NUL separates the layer from the text in a feature key
const LAYER_KEY = /^\u0000layer(-?\d+)\u0000/;

/** Feature-store key of a text or pair key read at an encoder layer: never equal to it, nor to another layer's. */
export function layerKey(layer: number, key: string): string {
  return `\u0000layer${layer}\u0000${key}`;
}

/** The layer (undefined: the encoder's own) and the inner key of a feature-store key. */
export function parseLayerKey(key: string): { layer: number | undefined; key: string } {
  const m = LAYER_KEY.exec(key);
  return m ? { layer: Number(m[1]), key: key.slice(m[0].length) } : { layer: undefined, key };
}

/** Keys grouped by the layer they are read at, in first-seen order. */
function byLayer(keys: readonly string[]): Map<number | undefined, { keys: string[]; inner: string[] }> {
  const groups = new Map<number | undefined, { keys: string[]; inner: string[] }>();
  for (const k of keys) {
    const { layer, key } = parseLayerKey(k);
    const g = groups.get(layer) ?? { keys: [], inner: [] };
    g.keys.push(k);
    g.inner.push(key);
    groups.set(layer, g);
  }
  return groups;
}

/** The encoder that reads `layer` (undefined: `encoder` itself). */
async function encoderAt(encoder: SentenceEncoder, layer: number | undefined): Promise<SentenceEncoder> {
  if (layer === undefined) return encoder;
  if (typeof encoder.atLayer !== 'function') {
    throw new UserError(
      `a task reads encoder layer ${layer}, but the encoder ${encoder.info.model} cannot open other layers (no atLayer); use an Encoder, or drop the task's layer`,
    );
  }
  return encoder.atLayer(layer);
}

/**
 * Sentence vectors by text (and by encoder layer), the frozen encoder's output cached once: what the
 * task heads train on. `ensure` encodes only the texts it has no vector for; `set` fills it by hand.
 * @example
 * const store = new FeatureStore(3).set('hello', [1, 2, 3]);
 * store.get('hello') // Float32Array(3) [1, 2, 3]
 * store.missing(['hello', 'bye']) // ['bye']
 * await MultiTaskModel.create({ encoder: { dim: 3 }, features: store, tasks }); // a model on precomputed vectors
 */
export class FeatureStore {
  private readonly map = new Map<string, Float32Array>();
  /** Token states [length, dim] of the texts whose heads pool tokens themselves (not saved, not on disk). */
  private readonly tokens = new Map<string, { states: Float32Array; length: number }>();

  constructor(readonly dim: number) {
    if (!Number.isInteger(dim) || dim <= 0)
      throw new UserError(`FeatureStore: dim must be a positive integer (the encoder width), got ${dim}`);
  }

  set(text: string, vector: ArrayLike<number>): this {
    if (vector.length !== this.dim)
      throw new UserError(
        `feature for ${JSON.stringify(text.slice(0, 60))} has length ${vector.length}, expected ${this.dim} (the store's dim); give vectors of the encoder's width`,
      );
    this.map.set(text, vector instanceof Float32Array ? vector : Float32Array.from(vector));
    return this;
  }

  /** Store rows of an encoder result, in the order of `texts`. */
  setRows(texts: readonly string[], rows: { dims: [number, number]; data: Float32Array }): this {
    const [n, d] = rows.dims;
    if (n !== texts.length || d !== this.dim) throw new Error(`encoder returned [${n}, ${d}] for ${texts.length} texts of dim ${this.dim}`);
    texts.forEach((t, i) => this.map.set(t, rows.data.slice(i * d, (i + 1) * d)));
    return this;
  }

  /** Forgets every vector and token state (the encoder changed, e.g. a fine-tuning step). */
  clear(): void {
    this.map.clear();
    this.tokens.clear();
  }

  get(text: string): Float32Array | undefined {
    return this.map.get(text);
  }

  has(text: string): boolean {
    return this.map.has(text);
  }

  get size(): number {
    return this.map.size;
  }

  /** Distinct texts of `texts` that have no vector yet, in first-seen order. */
  missing(texts: Iterable<string>): string[] {
    const out = new Set<string>();
    for (const t of texts) if (!this.map.has(t)) out.add(t);
    return [...out];
  }

  /** Encode (once, deduplicated) every text that is not cached yet. */
  async ensure(texts: Iterable<string>, encoder: SentenceEncoder | null, options?: EncodeOptions): Promise<number> {
    const missing = this.missing(texts);
    if (missing.length === 0) return 0;
    if (!encoder) {
      throw new UserError(
        `no features for ${missing.length} text(s), e.g. ${JSON.stringify(missing[0]?.slice(0, 80))}; ` +
          'the model has no encoder ({ dim } only), so fill model.features with vectors first',
      );
    }
    // one progress over every call below: done and total count all the missing texts and pairs
    let before = 0;
    const user = options?.onProgress;
    const opts: EncodeOptions | undefined = user
      ? { ...options, onProgress: (p) => user({ ...p, done: before + p.done, total: missing.length }) }
      : options;
    for (const [layer, group] of byLayer(missing)) {
      const enc = await encoderAt(encoder, layer);
      const singles = group.keys.filter((_, i) => !isPairKey(group.inner[i]!));
      const pairs = group.keys.filter((_, i) => isPairKey(group.inner[i]!));
      if (singles.length) {
        this.setRows(
          singles,
          await enc.encode(
            singles.map((k) => parseLayerKey(k).key),
            opts,
          ),
        );
        before += singles.length;
      }
      if (pairs.length) {
        if (typeof enc.encodePairs !== 'function')
          throw new UserError(`the encoder ${enc.info.model} cannot encode text pairs (no encodePairs); use the siamese input mode`);
        this.setRows(
          pairs,
          await enc.encodePairs(
            pairs.map((k) => parsePairKey(parseLayerKey(k).key)),
            opts,
          ),
        );
        before += pairs.length;
      }
    }
    return missing.length;
  }

  /** Distinct texts of `texts` that have no token states yet, in first-seen order. */
  missingTokens(texts: Iterable<string>): string[] {
    const out = new Set<string>();
    for (const t of texts) if (!this.tokens.has(t)) out.add(t);
    return [...out];
  }

  /** Token states of `texts` that have none yet (deduplicated), through the encoder's `encodeTokens`. */
  async ensureTokens(texts: Iterable<string>, encoder: SentenceEncoder | null): Promise<number> {
    const missing = this.missingTokens(texts);
    if (missing.length === 0) return 0;
    if (!encoder?.encodeTokens) {
      throw new UserError(
        `a head pools token states, but ${encoder ? `the encoder ${encoder.info.model} cannot give them (no encodeTokens)` : 'the model has no encoder ({ dim } only)'}; ` +
          'use an Encoder, or the mean pooling option of the task',
      );
    }
    for (const [layer, group] of byLayer(missing)) {
      const enc = await encoderAt(encoder, layer);
      if (!enc.encodeTokens)
        throw new UserError(
          `a head pools token states, but the encoder ${enc.info.model} at layer ${layer} cannot give them (no encodeTokens)`,
        );
      // in slices, so the padded [n, maxLen, dim] block of one call stays small
      for (let s = 0; s < group.keys.length; s += 1024) {
        const part = group.keys.slice(s, s + 1024);
        const r = await enc.encodeTokens(group.inner.slice(s, s + 1024));
        const [, L, d] = r.dims;
        if (d !== this.dim) throw new Error(`encodeTokens returned states of width ${d}, expected ${this.dim}`);
        part.forEach((t, i) => {
          const len = r.lengths[i]!;
          this.tokens.set(t, { states: r.data.slice(i * L * d, (i * L + len) * d), length: len });
        });
      }
    }
    return missing.length;
  }

  /** Stores token states [length, dim] of a text (tests, synthetic features). */
  setTokens(text: string, states: ArrayLike<number>): this {
    if (states.length % this.dim !== 0 || states.length === 0)
      throw new UserError(
        `token states for ${JSON.stringify(text.slice(0, 60))} have ${states.length} values, not a positive multiple of ${this.dim}`,
      );
    this.tokens.set(text, {
      states: states instanceof Float32Array ? states : Float32Array.from(states),
      length: states.length / this.dim,
    });
    return this;
  }

  readonly tokenLookup: TokenLookup = (text: string) => {
    const v = this.tokens.get(text);
    if (!v) throw new Error(`no cached token states for text ${JSON.stringify(text.slice(0, 80))}`);
    return v;
  };

  readonly lookup: FeatureLookup = (text: string) => {
    const v = this.map.get(text);
    if (!v) throw new Error(`no cached features for text ${JSON.stringify(text.slice(0, 80))}`);
    return v;
  };
}

/**
 * An encoder whose `encode` reads the store's vectors (key: `keyOf(text)`) and encodes only the
 * texts missing there with `fallback` (e.g. the textrank baseline of a run whose features the
 * workers computed). Disposing it leaves `fallback` open.
 */
export function storeEncoder(store: FeatureStore, fallback: SentenceEncoder, keyOf: (text: string) => string = (t) => t): SentenceEncoder {
  return {
    info: fallback.info,
    async encode(texts, options) {
      const d = store.dim;
      const missing = [...new Set(texts.filter((t) => !store.has(keyOf(t))))];
      if (missing.length) {
        const r = await fallback.encode(missing, options);
        missing.forEach((t, i) => store.set(keyOf(t), r.data.slice(i * d, (i + 1) * d)));
      }
      const data = new Float32Array(texts.length * d);
      texts.forEach((t, i) => data.set(store.get(keyOf(t))!, i * d));
      return { dims: [texts.length, d], data };
    },
    async dispose() {},
  };
}
