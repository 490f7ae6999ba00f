/**
 * The saved-model format: a folder with `manifest.json` (what the model is: encoder identity,
 * architecture, tasks, training settings, weights checksum) and `model.safetensors` (the weights).
 * Checkpoints hold the same two files.
 *
 *   manifest.json      package version, encoder identity (model, sha256, dtype, pooling, dim),
 *                      architecture + shared layers, tasks (type, label maps, configs), weighting
 *                      config/state, training config, backend, task relations, and the weights
 *                      file's sha256, byte size and parameter shapes; `formatVersion` 2 (older
 *                      versions load through ./manifest-migrations.ts).
 *   model.safetensors  all parameters, F32, little-endian (loadable by Python `safetensors`).
 */
import type { ArchitectureConfig, TaskRelations } from '../architectures/index.js';
import type { SharedLayersConfig } from '../nn/layers.js';
import type { TaskSpec } from '../tasks/types.js';

export const MANIFEST_FORMAT = 'mtl-nlp/multitask-model';
/** The version save() writes; older ones load through src/training/manifest-migrations.ts. */
export const MANIFEST_VERSION = 2;
export const WEIGHTS_FILE = 'model.safetensors';
export const MANIFEST_FILE = 'manifest.json';

/** Identity of the encoder whose vectors the model was trained on. */
export interface EncoderIdentity {
  model: string;
  sha256: string | null;
  dtype: string | null;
  pooling: string | null;
  dim: number;
  normalize: boolean | null;
  /** Token limit the vectors were computed with (truncation changes them). */
  maxLength?: number | null;
  /** The inner layer the features were read from (the encoder's `layer` option); absent = the last layer. */
  layer?: number | null;
  /** The encoder as it was named (hub id, `fixture:<variant>`, `mtl:<name>`), when not a local path. */
  id?: string;
  /** A local encoder folder relative to the saved model folder (written by save(); survives moving both). */
  path?: string;
  /**
   * A fine-tuned encoder saved inside the model folder: its files (paths relative to `path`) and their
   * sha256, e.g. { 'onnx/model.onnx': '…', 'onnx/model_quantized.onnx': '…', 'tokenizer.json': '…' }.
   * `mtl serve` serves these and nothing else of that folder.
   */
  files?: Record<string, string>;
}

export interface Manifest {
  format: string;
  formatVersion: number;
  package: { name: string; version: string };
  createdAt: string;
  encoder: EncoderIdentity;
  architecture: ArchitectureConfig;
  architectureState: unknown;
  sharedLayers: SharedLayersConfig;
  seed: number;
  tasks: TaskSpec[];
  /** Tasks that read another encoder layer than the encoder's own (task name → layer); absent: none. */
  taskLayers?: Record<string, number>;
  relations: TaskRelations;
  weighting: { config: unknown; state: unknown; lambdas: Record<string, number> } | null;
  training: Record<string, unknown> | null;
  backend: string;
  weights: { file: string; sha256: string; bytes: number; params: Record<string, number[]> };
}
