/**
 * Opening the encoder a model needs: from a config's encoder spec (with the persistent embedding
 * cache on), and the one a saved model was trained with, found again from what its manifest records.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { Encoder, type EncoderLoadOptions } from '../encoder/index.js';
import { FIXTURE_PREFIX } from '../encoder/refs.js';
import { UserError } from '../errors.js';
import { cacheDir } from '../utils/paths.js';
import type { EncoderIdentity } from './format.js';

export interface EncoderSpec {
  model: string;
  dtype?: EncoderLoadOptions['dtype'];
  pooling?: EncoderLoadOptions['pooling'];
  normalize?: boolean;
  maxLength?: number;
  /** Read the features from this layer (Encoder's `layer` option). */
  layer?: number;
  /** Worker threads running batches at once (Encoder's `workers` option; a runtime setting, not recorded in manifests). */
  workers?: number;
}

/**
 * Load the encoder of a config with the persistent embedding cache on (default folder
 * `.cache/embeddings`), so re-training or evaluating on the same texts skips inference.
 * @example
 * const encoder = await loadEncoder({ model: 'mtl:mini' });
 * encoder.info.dim  // 256; texts encoded once are read from .cache/embeddings afterwards
 */
export async function loadEncoder(
  spec: EncoderSpec,
  options: EncoderLoadOptions & { warn?: (message: string) => void } = {},
): Promise<Encoder> {
  const { warn, ...load } = options;
  return Encoder.load(spec.model, {
    dtype: spec.dtype,
    pooling: spec.pooling,
    normalize: spec.normalize,
    maxLength: spec.maxLength,
    ...(spec.layer !== undefined ? { layer: spec.layer } : {}),
    ...(spec.workers !== undefined ? { workers: spec.workers } : {}),
    cache: { dir: join(cacheDir(), 'embeddings') },
    // the provider line is noise here; the embedding cache's warnings (corrupt file or rows) reach `warn`
    logger: (m) => {
      if (warn && /embedding cache/.test(m)) warn(m);
    },
    ...load,
  });
}

/**
 * Re-open the encoder a model was trained with: `override` (e.g. `--encoder`) when given; else the
 * recorded folder if it exists, the folder relative to the model (`path`, for a model moved together
 * with its encoder), the recorded id (hub id, fixture:<variant>, mtl:<name>). A generated fixture's
 * cache folder may not exist on another machine; fixtures are deterministic, so
 * `<cache>/fixtures/<variant>-<key>` is rebuilt from its variant. The model's load then checks the
 * encoder's sha256 against the one it was trained with.
 */
export async function loadEncoderFor(
  identity: EncoderIdentity,
  override?: string,
  warn?: (message: string) => void,
  modelDir?: string,
): Promise<Encoder> {
  let model = override;
  if (model === undefined) {
    const candidates: string[] = [];
    if (existsSync(identity.model)) candidates.push(identity.model);
    if (identity.path && modelDir) {
      const rel = resolve(modelDir, identity.path);
      if (existsSync(rel)) candidates.push(rel);
    }
    if (identity.id) candidates.push(identity.id);
    const m = /[/\\]fixtures[/\\]([a-z0-9-]+?)-[0-9a-f]{8,}$/.exec(identity.model);
    if (m && (await import('../generators/index.js')).isFixtureVariant(m[1]!)) candidates.push(FIXTURE_PREFIX + m[1]);
    model = candidates[0];
    if (model === undefined) {
      if (isAbsolute(identity.model) || identity.model.startsWith('.')) {
        throw new UserError(
          `the encoder this model was trained with is not at ${identity.model}${identity.path ? ` nor at ${identity.path} relative to the model` : ''}; ` +
            `pass --encoder <idOrDir> (the same encoder${identity.sha256 ? `, sha256 ${identity.sha256.slice(0, 12)}…` : ''})`,
        );
      }
      model = identity.model; // a hub id
    }
  }
  return loadEncoder(
    {
      model,
      dtype: (identity.dtype ?? undefined) as EncoderSpec['dtype'],
      pooling: (identity.pooling === 'sentence_embedding' ? 'auto' : (identity.pooling ?? undefined)) as EncoderSpec['pooling'],
      normalize: identity.normalize ?? undefined,
      maxLength: identity.maxLength ?? undefined,
      ...(identity.layer !== undefined && identity.layer !== null ? { layer: identity.layer } : {}),
    },
    warn ? { warn } : {},
  );
}
