/**
 * `mtl train --queue`: the texts a training run reads, encoded by the workers into the model's
 * FeatureStore (vectors, then token states for heads that pool tokens), so the trainer finds every
 * feature there and encodes nothing itself. The shards carry feature-store keys; the worker runs
 * them through a FeatureStore of its own, the trainer's code path (pairs, layers, token states).
 */
import type { EncoderInfo } from '../encoder/types.js';
import type { FeatureStore } from '../training/features.js';
import type { MultiTaskModel } from '../training/model.js';
import { ShardMismatchError, runJobs, type RunShardsOptions } from './coordinator.js';
import { normalizeModelRef } from './models.js';
import { FeaturesResultSchema, sha256, unpackResult, type EncodeSettings } from './protocol.js';

export interface QueueFeaturesOptions extends Omit<RunShardsOptions, 'model' | 'settings' | 'source' | 'lineOf'> {
  /** The encoder as the workers' allow lists name it (`mtl:mini`, `fixture:bert`, an absolute folder). */
  model: string;
  settings: EncodeSettings;
}

export interface QueueFeaturesResult {
  /** Keys given a vector / token states by the workers. */
  vectors: number;
  tokens: number;
  shards: number;
  reused: number;
}

/** Fills `store` with the missing vectors of `texts` and the missing token states of `tokenTexts` from the workers. */
export async function fillFeaturesFromQueue(
  store: FeatureStore,
  keys: { texts: Iterable<string>; tokenTexts: Iterable<string> },
  options: QueueFeaturesOptions,
): Promise<QueueFeaturesResult> {
  const out: QueueFeaturesResult = { vectors: 0, tokens: 0, shards: 0, reused: 0 };
  for (const tokens of [false, true]) {
    const missing = tokens ? store.missingTokens(keys.tokenTexts) : store.missing(keys.texts);
    if (!missing.length) continue;
    const settings = { ...options.settings, tokens };
    const res = await runJobs<{ data: Float32Array; dim: number; lengths?: number[] }>(
      { ...options, source: tokens ? 'token states of the training texts' : 'training texts', lineOf: (i) => i + 1 },
      undefined,
      {
        kind: 'features',
        count: missing.length,
        idKey: { model: options.model, settings, inputHash: sha256(JSON.stringify(missing)) },
        payload: (start, end) => ({
          v: 1,
          kind: 'features',
          model: options.model,
          settings: options.settings,
          start,
          keys: missing.slice(start, end),
          tokens,
        }),
        parse(rv, k, rows) {
          const r = FeaturesResultSchema.parse(rv);
          if (r.dim !== store.dim)
            throw new ShardMismatchError(
              `shard ${k} returned vectors of dim ${r.dim}; the local encoder's is ${store.dim} (do the workers open the same encoder?)`,
            );
          const n = tokens ? r.lengths?.length : r.rows;
          if (n !== rows) throw new ShardMismatchError(`shard ${k} returned ${n} ${tokens ? 'token-state sets' : 'rows'} for ${rows} keys`);
          if (tokens && r.lengths!.reduce((a, b) => a + b, 0) !== r.rows)
            throw new ShardMismatchError(`shard ${k}: token lengths do not add up to its ${r.rows} rows`);
          return { data: unpackResult(r), dim: r.dim, ...(r.lengths ? { lengths: r.lengths } : {}) };
        },
        sink(start, r, rows) {
          const d = r.dim;
          let at = 0;
          for (let i = 0; i < rows; i++) {
            const key = missing[start + i]!;
            if (!tokens) store.set(key, r.data.slice(i * d, (i + 1) * d));
            else {
              const len = r.lengths![i]!;
              store.setTokens(key, r.data.slice(at * d, (at + len) * d));
              at += len;
            }
          }
        },
      },
    );
    out[tokens ? 'tokens' : 'vectors'] += missing.length;
    out.shards += res.shards;
    out.reused += res.reused;
  }
  return out;
}

/** The model's encoder settings as the workers load them: dtype and pooling as the local encoder resolved them. */
export function encoderSettings(info: EncoderInfo, layer?: number): EncodeSettings {
  return {
    dtype: info.dtype,
    ...(info.pooling !== 'sentence_embedding' ? { pooling: info.pooling } : {}),
    maxLength: info.maxLength,
    normalize: info.normalize,
    ...(layer !== undefined ? { layer } : {}),
  };
}

/**
 * The `fillFeatures` hook of trainFromConfig for a queue: every feature the run reads (the model's
 * featureKeys of train and dev) is computed by the workers with the run's encoder (its reference
 * normalised as the allow lists name it, its resolved dtype and pooling).
 */
export function queueFeatureFiller(
  options: Omit<QueueFeaturesOptions, 'model' | 'settings'> & { onDone?: (r: QueueFeaturesResult) => void },
) {
  return async (model: MultiTaskModel, examples: Record<string, unknown[]>, encoder: { id: string; layer?: number }): Promise<void> => {
    if (!model.encoder) throw new Error('the model has no encoder to name to the workers');
    const res = await fillFeaturesFromQueue(model.features, model.featureKeys(examples), {
      ...options,
      model: normalizeModelRef(encoder.id),
      settings: encoderSettings(model.encoder.info, encoder.layer),
    });
    options.onDone?.(res);
  };
}
