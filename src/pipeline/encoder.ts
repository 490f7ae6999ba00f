/**
 * Encoder selection for configs and the CLI: a hub id, a local folder, or `fixture:<variant>`, a
 * tiny random-weight encoder the project generates offline (the embedded default: no hub here).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLED_PREFIX, resolveBundled } from '../encoder/bundled.js';
import { Encoder, type EncoderLoadOptions } from '../encoder/index.js';
import { UserError } from '../errors.js';
import { ensureFixture, isFixtureVariant, FIXTURE_VARIANTS } from '../fixtures/index.js';
import { cacheDir } from '../utils/paths.js';

export const FIXTURE_PREFIX = 'fixture:';

/** Turn `fixture:<variant>` into the generated folder and `mtl:<name>` into the bundled one; other ids pass through unchanged. */
export async function resolveModelId(model: string): Promise<string> {
  if (model.startsWith(BUNDLED_PREFIX)) {
    try {
      return resolveBundled(model);
    } catch (err) {
      throw new UserError((err as Error).message);
    }
  }
  if (!model.startsWith(FIXTURE_PREFIX)) return model;
  const variant = model.slice(FIXTURE_PREFIX.length);
  if (!isFixtureVariant(variant)) throw new UserError(`unknown fixture encoder '${variant}' (known: ${FIXTURE_VARIANTS.join(', ')})`);
  return ensureFixture(variant);
}

export interface EncoderSpec {
  model: string;
  dtype?: EncoderLoadOptions['dtype'];
  pooling?: EncoderLoadOptions['pooling'];
  normalize?: boolean;
  maxLength?: number;
}

/**
 * Load the encoder of a config with the persistent embedding cache on (default folder
 * `.cache/embeddings`), so re-training or evaluating on the same texts skips inference.
 */
export async function loadEncoder(spec: EncoderSpec, options: EncoderLoadOptions = {}): Promise<Encoder> {
  const dir = await resolveModelId(spec.model);
  return Encoder.load(dir, {
    dtype: spec.dtype,
    pooling: spec.pooling,
    normalize: spec.normalize,
    maxLength: spec.maxLength,
    cache: { dir: join(cacheDir(), 'embeddings') },
    logger: () => undefined,
    ...options,
  });
}

/** The encoder identity a saved model records (see MultiTaskModel's manifest). */
export interface SavedEncoderIdentity {
  model: string;
  dtype: string | null;
  pooling: string | null;
  normalize: boolean | null;
  maxLength?: number | null;
}

/**
 * Re-open the encoder a model was trained with. A generated fixture's cache folder may not exist on
 * another machine; fixtures are deterministic, so `<cache>/fixtures/<variant>-<key>` is rebuilt from
 * its variant (the model's load then still checks the file hash).
 */
export async function loadEncoderFor(identity: SavedEncoderIdentity, override?: string): Promise<Encoder> {
  let model = override ?? identity.model;
  if (!override && !existsSync(model)) {
    const m = /[/\\]fixtures[/\\]([a-z0-9-]+?)-[0-9a-f]{8,}$/.exec(model);
    if (m && isFixtureVariant(m[1]!)) model = FIXTURE_PREFIX + m[1];
  }
  return loadEncoder({
    model,
    dtype: (identity.dtype ?? undefined) as EncoderSpec['dtype'],
    pooling: (identity.pooling === 'sentence_embedding' ? 'auto' : (identity.pooling ?? undefined)) as EncoderSpec['pooling'],
    normalize: identity.normalize ?? undefined,
    maxLength: identity.maxLength ?? undefined,
  });
}
