/** Platform-independent facts about HF-layout model folders. */
import type { Dtype } from './types.js';
import { UserError } from '../errors.js';

export const DTYPE_SUFFIX: Record<Dtype, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  q4: '_q4',
};

/** `onnx/model{suffix}.onnx` for a dtype. */
export function onnxFileFor(dtype: Dtype, baseName = 'model'): string {
  if (!(dtype in DTYPE_SUFFIX)) throw new UserError(`unknown dtype '${String(dtype)}' (expected fp32, fp16, q8 or q4)`);
  return `onnx/${baseName}${DTYPE_SUFFIX[dtype]}.onnx`;
}

export function dtypeOfFile(file: string): Dtype | undefined {
  const m = /(?:^|\/)model(_fp16|_quantized|_q4)?\.onnx$/.exec(file);
  if (!m) return undefined;
  const suffix = m[1] ?? '';
  return (Object.keys(DTYPE_SUFFIX) as Dtype[]).find((d) => DTYPE_SUFFIX[d] === suffix);
}

/**
 * The error for a model folder without the ONNX file of `dtype`: the dtypes it has instead (load one
 * of them: `dtype` in the library, `--dtype` on the command line, or `auto` to take what the model
 * has) and, for a folder the user made (not one shipped in the package), how to create the file.
 */
export function missingModelMessage(
  file: string,
  where: string,
  dtype: Dtype,
  available: string[],
  modelId?: string,
  shipped = false,
): string {
  const alt = available
    .map((f) => ({ f, d: dtypeOfFile(f) }))
    .filter((x) => x.d !== undefined && x.d !== dtype)
    .map((x) => `dtype '${x.d}' (${x.f})`);
  const id = modelId ?? '<model id>';
  const first = alt.length ? alt[0]!.split(' (')[0]!.replace(/^dtype '(.*)'$/, '$1') : '';
  const useInstead = alt.length
    ? `Available: ${alt.join(', ')}: run with --dtype ${first} (or --dtype auto; library: dtype '${first}' or 'auto')`
    : '';
  if (shipped) return `${file} not found in ${where} (dtype '${dtype}'). ${useInstead || 'The package ships no other file for it'}.`;
  return (
    `${file} not found in ${where} (dtype '${dtype}'). ` +
    (alt.length ? `${useInstead}, or create it: ` : 'Create it: ') +
    `optimum-cli export onnx --model ${id} --task feature-extraction <dir> (then move model.onnx into <dir>/onnx/)` +
    (dtype === 'q8'
      ? `, and quantize it to onnx/model_quantized.onnx (e.g. onnxruntime.quantization.quantize_dynamic, weight type QInt8)`
      : '') +
    (dtype === 'fp16'
      ? `, and convert it to onnx/model_fp16.onnx (onnxconverter_common.float16.convert_float_to_float16, keep_io_types=True)`
      : '') +
    (dtype === 'q4'
      ? `, and quantize it to onnx/model_q4.onnx (onnxruntime.quantization.matmul_nbits_quantizer.MatMulNBitsQuantizer, block_size=32, is_symmetric=True)`
      : '') +
    '.'
  );
}

/** Tokenizer model_max_length, or undefined when unset / the "very large" placeholder HF uses. */
export function usableModelMaxLength(n: unknown): number | undefined {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 && n < 1e6 ? Math.floor(n) : undefined;
}

/** Positions the model can embed: max_position_embeddings, minus 2 for RoBERTa-style models; Infinity if unknown. */
export function positionLimit(config: Record<string, unknown>): number {
  const mpe = config.max_position_embeddings ?? config.n_positions;
  if (typeof mpe !== 'number' || mpe <= 0) return Infinity;
  const type = String(config.model_type ?? '');
  return mpe - (ROBERTA_STYLE.includes(type) ? 2 : 0);
}

const ROBERTA_STYLE = ['roberta', 'xlm-roberta', 'camembert', 'xlm-roberta-xl', 'longformer', 'data2vec-text', 'mpnet'];

/**
 * Default maxLength: min(tokenizer model_max_length, config max_position_embeddings (minus the 2 positions
 * RoBERTa-style models reserve: padding_idx + 1 offset), sentence-transformers max_seq_length, 512).
 */
export function defaultMaxLength(config: Record<string, unknown>, tokenizerMax: number | undefined, sentenceMax?: number): number {
  let n = 512;
  if (tokenizerMax !== undefined) n = Math.min(n, tokenizerMax);
  n = Math.min(n, positionLimit(config));
  if (sentenceMax !== undefined && sentenceMax > 0) n = Math.min(n, sentenceMax);
  return n;
}
