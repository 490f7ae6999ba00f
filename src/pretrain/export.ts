/**
 * From the trainer's output (Hugging Face `config.json` + `model.safetensors`, or shards with
 * `model.safetensors.index.json`; BertModel parameter names, nn.Linear `[out, in]` layout) to a
 * Hugging Face ONNX encoder folder in the fixtures' layout:
 *
 *   config.json  tokenizer.json  tokenizer_config.json  special_tokens_map.json  vocab.txt  README.md
 *   onnx/model.onnx             fp32 (Optimum names and node scopes, dynamic batch/sequence axes)
 *   onnx/model_quantized.onnx   q8, ONNX Runtime `quantize_dynamic` form (embeddings quantized too)
 *
 * The graph is the same BERT graph the fixtures use (src/generators/bert-graph.ts: post-LN, erf GELU,
 * token types, additive mask), filled with the trained weights, so the position table has exactly
 * the trained rows (`max_position_embeddings`). `mtl pretrain` checks the export against the
 * PyTorch forward pass; the README.md written here is the model card.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildEncoderGraph } from '../generators/bert-graph.js';
import { encodeModel } from '../onnx/proto.js';
import { quantizeDynamicModel } from '../generators/quantize.js';
import { decodeSafetensors, sha256, type NamedArray } from '../training/safetensors.js';
import { writeFileAtomic } from '../utils/fs.js';
import { UserError } from '../errors.js';

export interface BertConfig {
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  max_position_embeddings: number;
  type_vocab_size: number;
  layer_norm_eps: number;
  pad_token_id: number;
  [k: string]: unknown;
}

/** Reads the trainer's weights: one `model.safetensors` or the shards an index names. */
export function readTrainedWeights(dir: string): Map<string, NamedArray> {
  const single = join(dir, 'model.safetensors');
  const index = join(dir, 'model.safetensors.index.json');
  const out = new Map<string, NamedArray>();
  const files: string[] = [];
  if (existsSync(single)) files.push(single);
  else if (existsSync(index)) {
    const idx = JSON.parse(readFileSync(index, 'utf8')) as { weight_map?: Record<string, string> };
    if (!idx.weight_map) throw new UserError(`${index}: no weight_map`);
    files.push(...[...new Set(Object.values(idx.weight_map))].sort().map((f) => join(dir, f)));
  } else {
    throw new UserError(`${dir}: no model.safetensors or model.safetensors.index.json (the trainer writes one of them when it finishes)`);
  }
  for (const f of files) {
    if (!existsSync(f)) throw new UserError(`${f}: missing (named by ${index})`);
    for (const [name, t] of decodeSafetensors(readFileSync(f), f).tensors) out.set(name, t);
  }
  return out;
}

export function readBertConfig(dir: string): BertConfig {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) throw new UserError(`${path}: missing (the trainer writes it)`);
  const c = JSON.parse(readFileSync(path, 'utf8')) as Partial<BertConfig>;
  for (const k of [
    'vocab_size',
    'hidden_size',
    'num_hidden_layers',
    'num_attention_heads',
    'intermediate_size',
    'max_position_embeddings',
  ] as const) {
    if (typeof c[k] !== 'number') throw new UserError(`${path}: ${k}: expected a number`);
  }
  return { type_vocab_size: 2, layer_norm_eps: 1e-12, pad_token_id: 0, ...c } as BertConfig;
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  return out;
}

/** The fp32 ONNX encoder built from trained weights. */
export function buildTrainedGraph(config: BertConfig, weights: ReadonlyMap<string, NamedArray>, docString: string) {
  const used = new Set<string>();
  const model = buildEncoderGraph({
    vocabSize: config.vocab_size,
    hiddenSize: config.hidden_size,
    numLayers: config.num_hidden_layers,
    numHeads: config.num_attention_heads,
    intermediateSize: config.intermediate_size,
    maxPositionEmbeddings: config.max_position_embeddings,
    typeVocabSize: config.type_vocab_size,
    tokenTypeInput: true,
    positions: { kind: 'absolute' },
    padTokenId: config.pad_token_id,
    layerNormEps: config.layer_norm_eps,
    naming: 'bert',
    outputs: 'last_hidden_state',
    seed: 0,
    docString,
    weights: (name, shape) => {
      const t = weights.get(name);
      if (!t) throw new UserError(`trained weights: "${name}" missing (expected BertModel parameter names)`);
      used.add(name);
      const isLinear = shape.length === 2 && !name.startsWith('embeddings.');
      if (isLinear) {
        // nn.Linear stores [out, in]; the graph's MatMul wants [in, out]
        const [inDim, outDim] = shape as [number, number];
        if (t.shape[0] !== outDim || t.shape[1] !== inDim)
          throw new UserError(
            `trained weights: "${name}" is [${t.shape.join(', ')}], expected [${outDim}, ${inDim}] (export with the same preset and --layers/--hidden/--heads/--intermediate as the training run)`,
          );
        return transpose(t.data, outDim, inDim);
      }
      if (t.shape.join(',') !== shape.join(','))
        throw new UserError(
          `trained weights: "${name}" is [${t.shape.join(', ')}], expected [${shape.join(', ')}] (export with the same preset and --layers/--hidden/--heads/--intermediate as the training run)`,
        );
      return t.data;
    },
  });
  const unused = [...weights.keys()].filter((k) => !used.has(k));
  if (unused.length)
    throw new UserError(`trained weights: ${unused.length} tensors the encoder does not use (${unused.slice(0, 3).join(', ')}…)`);
  return model;
}

export interface ModelCard {
  name: string;
  /** Free-form facts: corpus counts, training summary, sizes. */
  corpus: Record<string, unknown>;
  training: Record<string, unknown>;
  command: string;
}

export interface ExportOptions {
  /** Trainer output folder (config.json + safetensors, training-summary.json). */
  trainedDir: string;
  /** Folder holding tokenizer.json, tokenizer_config.json, special_tokens_map.json, vocab.txt. */
  tokenizerDir: string;
  outDir: string;
  card: ModelCard;
  /** Keep the fp32 file (default true; the shipped default keeps only q8). */
  fp32?: boolean;
  /**
   * Runs on the written folder (the fp32 file still present) before the model card is written;
   * the facts it returns join the card's training section (the PyTorch parity check).
   */
  check?: (outDir: string) => Promise<Record<string, unknown>>;
}

export interface ExportResult {
  files: Record<string, { bytes: number; sha256: string }>;
}

function cardMarkdown(card: ModelCard, config: BertConfig, files: ExportResult['files']): string {
  const params =
    (config.vocab_size + config.max_position_embeddings + config.type_vocab_size) * config.hidden_size +
    config.num_hidden_layers * (4 * config.hidden_size * config.hidden_size + 2 * config.hidden_size * config.intermediate_size);
  const lines = [
    `# ${card.name}`,
    '',
    "A small multilingual BERT encoder pretrained by mtl-nlp's own recipe (`mtl pretrain`), in the Hugging Face",
    'ONNX layout that transformers.js and `Encoder.load` read. Lowercased WordPiece, accents kept, CJK per character.',
    '',
    '## Shape',
    '',
    `${config.num_hidden_layers} layers, hidden ${config.hidden_size}, ${config.num_attention_heads} heads, feed-forward ${config.intermediate_size}, vocabulary ${config.vocab_size}, ` +
      `${config.max_position_embeddings} positions (truncate to ${config.max_position_embeddings} tokens), post-LN, erf GELU, token types; about ${(params / 1e6).toFixed(1)} M parameters.`,
    '',
    '## Corpus',
    '',
    '```json',
    JSON.stringify(card.corpus, null, 2),
    '```',
    '',
    '## Training',
    '',
    '```json',
    JSON.stringify(card.training, null, 2),
    '```',
    '',
    `Made with: \`${card.command}\``,
    '',
    '## Files',
    '',
    '| file | bytes | sha256 |',
    '| --- | --- | --- |',
    ...Object.entries(files).map(([f, i]) => `| ${f} | ${i.bytes} | ${i.sha256} |`),
    '',
  ];
  return lines.join('\n');
}

/** Writes the encoder folder (see the module comment). */
export async function exportEncoder(options: ExportOptions): Promise<ExportResult> {
  const keepFp32 = options.fp32 ?? true;
  const config = readBertConfig(options.trainedDir);
  const weights = readTrainedWeights(options.trainedDir);
  const model = buildTrainedGraph(config, weights, `${options.card.name}: pretrained by mtl-nlp (mtl pretrain)`);
  const out = new Map<string, string | Uint8Array>();
  out.set('onnx/model.onnx', encodeModel(model));
  out.set('onnx/model_quantized.onnx', encodeModel(quantizeDynamicModel(model, { embeddings: true }).model));
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt']) {
    const p = join(options.tokenizerDir, f);
    if (!existsSync(p)) throw new UserError(`${p}: missing (mtl pretrain writes the tokenizer files before training)`);
    out.set(f, readFileSync(p));
  }
  const { mtl_pretrain: _drop, ...base } = config;
  out.set(
    'config.json',
    JSON.stringify(
      {
        _name_or_path: options.card.name,
        ...base,
        mtl_pretrain: { name: options.card.name, random_weights: false, files: keepFp32 ? ['fp32', 'q8'] : ['q8'] },
      },
      null,
      2,
    ) + '\n',
  );
  for (const [name, data] of out) await writeFileAtomic(join(options.outDir, ...name.split('/')), data);
  const checked = options.check ? await options.check(options.outDir) : {};
  if (!keepFp32) {
    rmSync(join(options.outDir, 'onnx', 'model.onnx'), { force: true });
    out.delete('onnx/model.onnx');
  }
  const files: ExportResult['files'] = {};
  for (const [name, data] of [...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    files[name] = { bytes: bytes.byteLength, sha256: sha256(bytes) };
  }
  const card = { ...options.card, training: { ...options.card.training, ...checked } };
  await writeFileAtomic(join(options.outDir, 'README.md'), cardMarkdown(card, config, files));
  return { files };
}
