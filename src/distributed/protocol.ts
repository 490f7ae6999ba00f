/**
 * What travels through the queue: one shard's job (validated with zod on the worker before use),
 * its result (the vectors as base64 float32), and the deterministic job id that lets a coordinator
 * started again re-attach to its jobs instead of enqueuing them twice.
 */
import { z } from 'zod';
import { createHash } from 'node:crypto';

/** The BullMQ queue every coordinator and worker of this package uses. */
export const QUEUE_NAME = 'mtl-encode';

export const EncodeSettingsSchema = z
  .object({
    dtype: z.enum(['fp32', 'fp16', 'q8', 'q4', 'auto']).optional(),
    pooling: z.enum(['auto', 'mean', 'cls', 'max']).optional(),
    maxLength: z.number().int().positive().optional(),
    layer: z.number().int().optional(),
    normalize: z.boolean().optional(),
  })
  .strict();
export type EncodeSettings = z.infer<typeof EncodeSettingsSchema>;

const EncodeJobSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('encode'),
    /** The model reference as the coordinator named it (`mtl:mini`, `fixture:bert`, a folder, `echo:<dim>`). */
    model: z.string().min(1).max(1000),
    settings: EncodeSettingsSchema,
    /** 0-based index of the shard's first text in the input. */
    start: z.number().int().nonnegative(),
    texts: z.array(z.string()).min(1),
  })
  .strict();

export const PredictSettingsSchema = z
  .object({
    task: z.enum(['sentiment', 'translation-quality', 'summarization']),
    /** The encoder the model was trained with, when it moved (`mtl predict --encoder`). */
    encoder: z.string().min(1).max(1000).optional(),
    /** Summary length in sentences. */
    sentences: z.number().int().positive().optional(),
  })
  .strict();
export type PredictSettings = z.infer<typeof PredictSettingsSchema>;

const PredictJobSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('predict'),
    /** The saved model's folder (an absolute path; the worker's allow list names it). */
    model: z.string().min(1).max(1000),
    settings: PredictSettingsSchema,
    start: z.number().int().nonnegative(),
    /** The task's inputs as `mtl predict` parses them ({text} / {source, translation} / {sentences}). */
    inputs: z.array(z.record(z.string(), z.unknown())).min(1),
  })
  .strict();

const FeaturesJobSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('features'),
    /** The encoder of a training config (`mtl train --queue`), named as the coordinator names it. */
    model: z.string().min(1).max(1000),
    settings: EncodeSettingsSchema,
    start: z.number().int().nonnegative(),
    /** Feature-store keys (training/features.ts): texts, text pairs and texts read at an encoder layer. */
    keys: z.array(z.string()).min(1),
    /** Token states [length, dim] of each key instead of one vector (heads that pool tokens themselves). */
    tokens: z.boolean(),
  })
  .strict();

export const ShardJobSchema = z.discriminatedUnion('kind', [EncodeJobSchema, PredictJobSchema, FeaturesJobSchema]);
export type ShardJob = z.infer<typeof ShardJobSchema>;
export type EncodeJob = z.infer<typeof EncodeJobSchema>;
export type PredictJob = z.infer<typeof PredictJobSchema>;
export type FeaturesJob = z.infer<typeof FeaturesJobSchema>;

export const PredictResultSchema = z.object({ predictions: z.array(z.unknown()) }).strict();

export const ShardResultSchema = z
  .object({ rows: z.number().int().nonnegative(), dim: z.number().int().positive(), data: z.string() })
  .strict();
export type ShardResult = z.infer<typeof ShardResultSchema>;

/** A features shard's result: one vector a key, or with `lengths` each key's token states (rows = the sum of the lengths). */
export const FeaturesResultSchema = ShardResultSchema.extend({ lengths: z.array(z.number().int().positive()).optional() }).strict();
export type FeaturesResult = z.infer<typeof FeaturesResultSchema>;

/** The job id of one shard: the same kind, input, shard, model and settings always give the same id. */
export function shardJobId(
  kind: ShardJob['kind'],
  inputHash: string,
  shard: number,
  shardSize: number,
  model: string,
  settings: Record<string, unknown>,
): string {
  const key = JSON.stringify({ kind, inputHash, shard, shardSize, model, settings: Object.fromEntries(Object.entries(settings).sort()) });
  // BullMQ forbids ':' in custom ids and all-digit ids
  return `${({ encode: 'enc', predict: 'pre', features: 'fea' } as const)[kind]}-${sha256(key).slice(0, 40)}`;
}

/** Float32 rows → a result object (the bytes little-endian, base64). */
export function packResult(data: Float32Array, rows: number, dim: number): ShardResult {
  const le = new Float32Array(data);
  return { rows, dim, data: Buffer.from(le.buffer, le.byteOffset, le.byteLength).toString('base64') };
}

export function unpackResult(r: ShardResult): Float32Array {
  const buf = Buffer.from(r.data, 'base64');
  if (buf.byteLength !== r.rows * r.dim * 4) throw new Error(`shard result has ${buf.byteLength} bytes, expected ${r.rows}×${r.dim}×4`);
  const out = new Float32Array(r.rows * r.dim);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

/** One-line summary of a zod error for a job's failure reason. */
export function describeZodError(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`)
    .join('; ');
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
