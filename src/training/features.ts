/**
 * Cache of frozen encoder vectors keyed by text. The model encodes each distinct text once (through
 * its SentenceEncoder) and trains on these vectors; synthetic tests fill the store directly.
 */
import type { EncodeOptions, SentenceEncoder } from '../encoder/types.js';
import type { FeatureLookup } from '../tasks/types.js';

export class FeatureStore {
  private readonly map = new Map<string, Float32Array>();

  constructor(readonly dim: number) {
    if (!Number.isInteger(dim) || dim <= 0) throw new Error(`feature dim must be a positive integer, got ${dim}`);
  }

  set(text: string, vector: ArrayLike<number>): this {
    if (vector.length !== this.dim) throw new Error(`feature for ${JSON.stringify(text.slice(0, 60))} has length ${vector.length}, expected ${this.dim}`);
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
      throw new Error(
        `no features for ${missing.length} text(s), e.g. ${JSON.stringify(missing[0]?.slice(0, 80))}; ` +
          'the model has no encoder ({ dim } only), so fill model.features with vectors first',
      );
    }
    const result = await encoder.encode(missing, options);
    this.setRows(missing, result);
    return missing.length;
  }

  readonly lookup: FeatureLookup = (text: string) => {
    const v = this.map.get(text);
    if (!v) throw new Error(`no cached features for text ${JSON.stringify(text.slice(0, 80))}`);
    return v;
  };
}
