/**
 * The models a worker keeps warm: each (model, settings) pair is loaded once, on first use, and
 * only when the model is on the worker's allow list. `echo:<dim>` is a model that does no encoding
 * (a vector from the text's bytes), for measuring the queue itself; it too must be allow-listed.
 */
import { Encoder } from '../encoder/index.js';
import type { EncodeSettings } from './protocol.js';

export interface ShardModel {
  encode(texts: readonly string[]): Promise<{ data: Float32Array; dims: [number, number] }>;
  dispose(): Promise<void>;
}

/** The models every worker allows unless told otherwise (the bundled encoder). */
export const DEFAULT_ALLOWED_MODELS: readonly string[] = ['mtl:mini'];

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

export class WarmModels {
  private readonly loaded = new Map<string, Promise<ShardModel>>();

  constructor(
    private readonly allowed: readonly string[],
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  isAllowed(model: string): boolean {
    return this.allowed.includes(model);
  }

  /** The warm model for a job (loading it the first time). */
  get(model: string, settings: EncodeSettings): Promise<ShardModel> {
    if (!this.isAllowed(model)) {
      throw new ModelNotAllowedError(`model '${model}' is not on this worker's allow list (${this.allowed.join(', ')}); start the worker with --models ${[...this.allowed, model].join(',')} to allow it`);
    }
    const key = JSON.stringify([model, settings]);
    let p = this.loaded.get(key);
    if (!p) {
      p = this.load(model, settings);
      this.loaded.set(key, p);
      // a failed load is not cached: the next job tries again
      p.catch(() => this.loaded.delete(key));
    }
    return p;
  }

  private async load(model: string, settings: EncodeSettings): Promise<ShardModel> {
    const echo = /^echo:(\d+)$/.exec(model);
    if (echo) return echoModel(Math.max(1, Number(echo[1])));
    const t0 = Date.now();
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
    return { encode: (texts) => enc.encode(texts), dispose: () => enc.dispose() };
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
