/**
 * A saved model's manifest and weights, checked before a model is built from them: the manifest
 * (migrated from an older version through ./manifest-migrations.ts), the weights' size, checksum
 * and shapes, and the encoder's identity (the features the model was trained on).
 */
import type { EncoderInfo, SentenceEncoder } from '../encoder/types.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type EncoderIdentity, type Manifest } from './format.js';
import { migrateManifest } from './manifest-migrations.js';
import { decodeSafetensors, type NamedArray } from './safetensors.js';
import { UserError } from '../errors.js';

/** Synthetic features: only a dimension (tests, benchmarks, precomputed vectors). */
export interface SyntheticEncoder {
  dim: number;
  /** Optional identity string stored in the manifest. */
  id?: string;
}

export function isSentenceEncoder(e: SentenceEncoder | SyntheticEncoder): e is SentenceEncoder {
  return typeof (e as SentenceEncoder).encode === 'function' && (e as SentenceEncoder).info !== undefined;
}

/** The inner layer an encoder reads (its `layer` option), null for the last one. */
export function innerLayer(info: EncoderInfo): number | null {
  return info.layer && info.layer.index !== info.layer.of ? info.layer.index : null;
}

export function identityOf(e: SentenceEncoder | SyntheticEncoder): EncoderIdentity {
  if (isSentenceEncoder(e)) {
    const i: EncoderInfo = e.info;
    const layer = innerLayer(i);
    return {
      model: i.model,
      sha256: i.sha256,
      dtype: i.dtype,
      pooling: i.pooling,
      dim: i.dim,
      normalize: i.normalize,
      maxLength: i.maxLength,
      ...(layer !== null ? { layer } : {}),
    };
  }
  return { model: e.id ?? 'synthetic', sha256: null, dtype: null, pooling: null, dim: e.dim, normalize: null };
}

/** Check a parsed manifest.json (`source` names it in errors); an older version is migrated first. */
export function checkManifest(m: unknown, source: string): Manifest {
  const x = migrateManifest(m, source) as Manifest | null;
  if (!x || x.format !== MANIFEST_FORMAT)
    throw new UserError(`${source}: not a ${MANIFEST_FORMAT} manifest (format field); give the folder of a model saved by this package`);
  if (x.formatVersion !== MANIFEST_VERSION)
    throw new UserError(`${source}: format version ${String(x.formatVersion)} not supported (expected ${MANIFEST_VERSION})`);
  if (!x.weights || typeof x.weights.sha256 !== 'string' || !Array.isArray(x.tasks))
    throw new UserError(
      `${source}: incomplete manifest (weights or tasks missing); the file is damaged: copy the model folder again or retrain it`,
    );
  return x;
}

/**
 * Decode the weights file's bytes and check them against the manifest: size, `digest` (the
 * bytes' sha256 in hex; utils/hash.ts' sha256Hex computes it anywhere) and parameter shapes.
 */
export function decodeWeights(bytes: Uint8Array, manifest: Manifest, source: string, digest: string): Map<string, NamedArray> {
  if (bytes.length !== manifest.weights.bytes) {
    throw new UserError(`${source}: ${bytes.length} bytes, manifest expects ${manifest.weights.bytes} (truncated or replaced)`);
  }
  const { tensors } = decodeSafetensors(bytes, source);
  if (digest !== manifest.weights.sha256)
    throw new UserError(
      `${source}: sha256 ${digest} does not match the manifest (${manifest.weights.sha256}); the file was modified or corrupted`,
    );
  for (const [name, shape] of Object.entries(manifest.weights.params)) {
    const t = tensors.get(name);
    if (!t)
      throw new UserError(
        `${source}: parameter "${name}" listed in the manifest is missing; the weights do not belong to this manifest: copy the model folder again`,
      );
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new UserError(`${source}: parameter "${name}" has shape [${t.shape.join(', ')}], manifest says [${shape.join(', ')}]`);
    }
  }
  return tensors;
}

/**
 * The given encoder must be the one the model was trained on: same sha256 (or, for an encoder saved with
 * the model, another of its files the manifest lists: its q8 copy), dimension and layer.
 */
export function checkEncoder(manifest: Manifest, encoder: SentenceEncoder, source: string): void {
  const enc = manifest.encoder;
  const info = encoder.info;
  const listed = Object.entries(enc.files ?? {}).some(([f, h]) => f.endsWith('.onnx') && h === info.sha256);
  if (enc.sha256 !== null && info.sha256 !== enc.sha256 && !listed) {
    throw new UserError(
      `encoder mismatch: the model in ${source} was trained on features of ${enc.model} (sha256 ${enc.sha256}), ` +
        `but the given encoder is ${info.model} (sha256 ${info.sha256})`,
    );
  }
  if (info.dim !== enc.dim) throw new UserError(`encoder mismatch: model expects dim ${enc.dim}, the given encoder has dim ${info.dim}`);
  const trained = enc.layer ?? null;
  const given = innerLayer(info);
  if (trained !== given) {
    const say = (l: number | null) => (l === null ? 'the last layer' : `layer ${l}`);
    throw new UserError(
      `encoder mismatch: the model in ${source} was trained on features of ${say(trained)} of ${enc.model}, but the given encoder reads ${say(given)}; ` +
        `load the encoder with ${trained === null ? 'no layer option' : `{ layer: ${trained} }`}`,
    );
  }
}
