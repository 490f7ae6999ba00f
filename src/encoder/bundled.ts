/**
 * Encoders shipped inside the package (`models/<name>/`, Hugging Face ONNX layout), addressed as
 * `mtl:<name>`: pretrained by the project's own recipe (`mtl pretrain`, model card in each folder),
 * so a fresh install has a real pretrained encoder offline.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { packageRoot } from '../utils/paths.js';

export const BUNDLED_PREFIX = 'mtl:';

/** Names of the bundled encoders. */
export function bundledEncoders(): string[] {
  const root = join(packageRoot(), 'models');
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'config.json')))
    .map((d) => d.name)
    .sort();
}

/** `mtl:<name>` → its folder; other ids pass through unchanged. */
export function resolveBundled(model: string): string {
  if (!model.startsWith(BUNDLED_PREFIX)) return model;
  const name = model.slice(BUNDLED_PREFIX.length);
  const known = bundledEncoders();
  if (!known.includes(name))
    throw new UserError(
      `unknown bundled encoder '${model}' (known: ${known.map((k) => BUNDLED_PREFIX + k).join(', ') || 'none'}; the folder models/${name}/ is missing from this install)`,
    );
  return join(packageRoot(), 'models', name);
}

/**
 * The dtype a bundled encoder is loaded with when the caller names none: the shipped default keeps
 * only the q8 file (the repository holds at most a few tens of MB), so `fp32` would find no file.
 */
export function bundledDefaultDtype(dir: string): 'q8' | undefined {
  return !existsSync(join(dir, 'onnx', 'model.onnx')) && existsSync(join(dir, 'onnx', 'model_quantized.onnx')) ? 'q8' : undefined;
}
