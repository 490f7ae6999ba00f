/**
 * The models a worker keeps warm: each (model, settings) pair is loaded once, on first use, and
 * only when the model is on the worker's allow list. `echo:<dim>` is a model that does no encoding
 * (a vector from the text's bytes), for measuring the queue itself; it too must be allow-listed.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SentenceEncoder } from '../encoder/types.js';
import type { EncodeSettings, PredictSettings } from './protocol.js';

export interface ShardModel {
  encode(texts: readonly string[]): Promise<{ data: Float32Array; dims: [number, number] }>;
  /** Feature-store keys encoded as `mtl train` encodes them (absent for `echo:`). */
  features?(keys: readonly string[], tokens: boolean): Promise<FeatureRows>;
  dispose(): Promise<void>;
}

/** A features shard's rows: one vector a key, or (with `lengths`) the token states of each key one after another. */
export interface FeatureRows {
  data: Float32Array;
  rows: number;
  dim: number;
  lengths?: number[];
}

/** The models every worker allows unless told otherwise (the bundled encoder). */
export const DEFAULT_ALLOWED_MODELS: readonly string[] = ['mtl:mini'];

/** A saved model (`mtl train`'s folder) answering `mtl predict`'s shards. */
export interface ShardPredictor {
  predict(settings: PredictSettings, inputs: readonly Record<string, unknown>[]): Promise<unknown[]>;
  dispose(): Promise<void>;
}

/** Allow-list entries that are folders on this machine count by their absolute path. */
export function normalizeModelRef(model: string): string {
  return /^(mtl|fixture|echo):/.test(model) || !existsSync(model) ? model : resolve(model);
}

export class ModelNotAllowedError extends Error {
  override name = 'ModelNotAllowedError';
}

function echoModel(dim: number): ShardModel {
  return {
    async encode(texts) {
      const data = new Float32Array(texts.length * dim);
      texts.forEach((t, i) => {
        for (let j = 0; j < dim; j++) data[i * dim + j] = (t.charCodeAt(j % Math.max(1, t.length)) || 0) / 128 + t.length;
      });
      return { data, dims: [texts.length, dim] };
    },
    async dispose() {},
  };
}

/**
 * The keys through a FeatureStore, the trainer's own code path (pairs through encodePairs, layer
 * keys through atLayer, token states through encodeTokens): the vectors `mtl train` would compute.
 */
async function storeRows(enc: SentenceEncoder, keys: readonly string[], tokens: boolean): Promise<FeatureRows> {
  const { FeatureStore } = await import('../training/features.js');
  const dim = enc.info.dim;
  const store = new FeatureStore(dim);
  if (!tokens) {
    await store.ensure(keys, enc);
    const data = new Float32Array(keys.length * dim);
    keys.forEach((k, i) => data.set(store.get(k)!, i * dim));
    return { data, rows: keys.length, dim };
  }
  await store.ensureTokens(keys, enc);
  const states = keys.map((k) => store.tokenLookup(k));
  const lengths = states.map((s) => s.length);
  const rows = lengths.reduce((a, b) => a + b, 0);
  const data = new Float32Array(rows * dim);
  let at = 0;
  for (const s of states) {
    data.set(s.states.subarray(0, s.length * dim), at * dim);
    at += s.length;
  }
  return { data, rows, dim, lengths };
}

export class WarmModels {
  private readonly loaded = new Map<string, Promise<ShardModel | ShardPredictor>>();
  private readonly allowed: readonly string[];

  constructor(
    allowed: readonly string[],
    private readonly log: (message: string) => void = () => undefined,
  ) {
    this.allowed = allowed.map(normalizeModelRef);
  }

  isAllowed(model: string): boolean {
    return this.allowed.includes(model);
  }

  private check(model: string): void {
    if (!this.isAllowed(model)) {
      throw new ModelNotAllowedError(
        `model '${model}' is not on this worker's allow list (${this.allowed.join(', ')}); start the worker with --models ${[...this.allowed, model].join(',')} to allow it`,
      );
    }
  }

  private warm<T extends ShardModel | ShardPredictor>(key: string, load: () => Promise<T>): Promise<T> {
    let p = this.loaded.get(key) as Promise<T> | undefined;
    if (!p) {
      p = load();
      this.loaded.set(key, p);
      // a failed load is not cached: the next job tries again
      p.catch(() => this.loaded.delete(key));
    }
    return p;
  }

  /** The warm encoder for a job (loading it the first time). */
  get(model: string, settings: EncodeSettings): Promise<ShardModel> {
    this.check(model);
    return this.warm(JSON.stringify(['encode', model, settings]), () => this.load(model, settings));
  }

  /** The warm saved model for a predict job. */
  predictor(model: string, encoder: string | undefined): Promise<ShardPredictor> {
    this.check(model);
    return this.warm(JSON.stringify(['predict', model, encoder ?? null]), async () => {
      const t0 = Date.now();
      // loaded on the first predict shard: TensorFlow.js is slow to import and encode-only workers never need it
      const [{ loadEncoderFor }, { readModelManifest }, { MultiTaskModel }] = await Promise.all([
        import('../experiment/encoder.js'),
        import('../experiment/run-folder.js'),
        import('../training/model.js'),
      ]);
      const manifest = readModelManifest(model);
      const enc = await loadEncoderFor(manifest.encoder, encoder, this.log, model);
      const mtl = await MultiTaskModel.load(model, { encoder: enc, log: false });
      this.log(`[worker] loaded ${model} in ${Date.now() - t0} ms (tasks: ${mtl.taskNames.join(', ')})`);
      return {
        async predict(settings, inputs) {
          if (!mtl.taskNames.includes(settings.task))
            throw new ModelNotAllowedError(`${model} has no task '${settings.task}' (tasks: ${mtl.taskNames.join(', ')})`);
          if (settings.task === 'summarization' && settings.sentences !== undefined) {
            const out: unknown[] = [];
            for (const x of inputs)
              out.push(
                await mtl.summarize((x as { sentences: string[] }).sentences, { sentences: settings.sentences, task: settings.task }),
              );
            return out;
          }
          return (await mtl.predict(settings.task, inputs as never)) as unknown[];
        },
        async dispose() {
          mtl.dispose();
          await enc.dispose();
        },
      };
    });
  }

  private async load(model: string, settings: EncodeSettings): Promise<ShardModel> {
    const echo = /^echo:(\d+)$/.exec(model);
    if (echo) return echoModel(Math.max(1, Number(echo[1])));
    const t0 = Date.now();
    const { Encoder } = await import('../encoder/index.js');
    const enc = await Encoder.load(model, {
      ...(settings.dtype ? { dtype: settings.dtype } : {}),
      ...(settings.pooling ? { pooling: settings.pooling } : {}),
      ...(settings.maxLength !== undefined ? { maxLength: settings.maxLength } : {}),
      ...(settings.layer !== undefined ? { layer: settings.layer } : {}),
      ...(settings.normalize !== undefined ? { normalize: settings.normalize } : {}),
      cache: false,
      logger: this.log,
    });
    this.log(`[worker] loaded ${model} in ${Date.now() - t0} ms (${enc.info.device}, ${enc.info.dtype}, ${enc.info.pooling})`);
    return { encode: (texts) => enc.encode(texts), features: (keys, tokens) => storeRows(enc, keys, tokens), dispose: () => enc.dispose() };
  }

  async disposeAll(): Promise<void> {
    const all = [...this.loaded.values()];
    this.loaded.clear();
    for (const p of all) {
      try {
        await (await p).dispose();
      } catch {
        // a model that failed to load has nothing to dispose
      }
    }
  }
}
