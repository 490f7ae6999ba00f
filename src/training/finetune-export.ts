/**
 * Saving a fine-tuned encoder (EncoderFinetune.exportTo): the trainable top's weights written into the
 * source graph (src/finetune/export.ts), the fp32 and q8 files and the source's tokenizer and config
 * files in a Hugging Face layout folder, each file's sha256 for the manifest.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { TrainableTop } from '../finetune/index.js';
import { notice } from '../utils/env.js';
import { writeFileAtomic } from '../utils/fs.js';

const ONNX_FP32 = 'onnx/model.onnx';
const ONNX_Q8 = 'onnx/model_quantized.onnx';

/**
 * Writes the fine-tuned encoder as a Hugging Face model folder: onnx/model.onnx (fp32) and
 * onnx/model_quantized.onnx (q8), the source's tokenizer and config files. From an fp32 source: its
 * graph with the new top weights, and that quantized by the project's dynamic quantizer. From a q8
 * source: its graph dequantized to fp32 with the new top weights, and its own graph with the new top
 * weights re-quantized (the layers below bit-identical; src/finetune/export.ts; where that scheme
 * cannot write a weight back, the fp32 file quantized afresh, with a notice). The fp32 file is the
 * one that predicts as the training-time model (whose top runs in fp32): fine-tuning moves weights by
 * less than an int8 step, so the q8 file keeps only part of the update. Returns the fp32 file's
 * sha256 and every written file's sha256 by path. `layers`: the transformer layers of the top's source
 * graph when it is a cut of the source model (tasks read an inner layer): config.json's layer count
 * (`num_hidden_layers`, DistilBERT's `n_layers`) is set to it, so the folder describes its graph.
 */
export async function exportFinetuned(
  top: TrainableTop,
  src: string,
  dir: string,
  layers?: number,
): Promise<{ sha256: string; files: Record<string, string> }> {
  let fp32: Uint8Array;
  try {
    fp32 = top.exportOnnx('fp32');
  } catch (err) {
    throw new UserError(`cannot save the fine-tuned encoder: ${(err as Error).message}`);
  }
  const quantize = async () => (await import('../generators/quantize.js')).quantizeDynamicBytes(fp32).bytes;
  let q8: Uint8Array;
  try {
    q8 = top.quantized ? top.exportOnnx('source') : await quantize();
  } catch (err) {
    // int8 weights this scheme cannot write back: the q8 file is the fp32 one quantized afresh
    notice(
      `saving the fine-tuned encoder: ${(err as Error).message}; its q8 file is the fp32 one quantized by the project's quantizer`,
      'warn',
    );
    q8 = await quantize();
  }
  const out: [string, Uint8Array][] = [];
  for (const f of (await readdir(src)).sort()) {
    if (!/\.(json|txt|model)$/.test(f) || !(await stat(join(src, f))).isFile()) continue;
    const bytes = await readFile(join(src, f));
    out.push([f, f === 'config.json' && layers !== undefined ? withLayerCount(bytes, layers, join(src, f)) : bytes]);
  }
  out.push([ONNX_FP32, fp32], [ONNX_Q8, q8]);
  await mkdir(join(dir, 'onnx'), { recursive: true });
  const files: Record<string, string> = {};
  for (const [f, bytes] of out) {
    await writeFileAtomic(join(dir, f), bytes);
    files[f] = createHash('sha256').update(bytes).digest('hex');
  }
  return { sha256: files[ONNX_FP32] as string, files };
}

/** config.json's bytes with its layer count set to `layers` (the keys it has of num_hidden_layers, n_layers). */
function withLayerCount(bytes: Uint8Array, layers: number, file: string): Uint8Array {
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message}); the fine-tuned encoder's config cannot be written`);
  }
  let changed = false;
  for (const key of ['num_hidden_layers', 'n_layers'])
    if (typeof cfg[key] === 'number' && cfg[key] !== layers) {
      cfg[key] = layers;
      changed = true;
    }
  return changed ? new TextEncoder().encode(JSON.stringify(cfg, null, 2) + '\n') : bytes;
}
