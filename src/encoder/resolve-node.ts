/**
 * Resolves a model id or folder to local files (Node). Local folders in HF layout are used as they are;
 * hub ids go through @huggingface/transformers' own hub and file-cache logic (env.localModelPath,
 * env.cacheDir, AutoTokenizer / AutoConfig / AutoModel.from_pretrained), never our own HTTP.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve as resolvePath, sep } from 'node:path';
import { AutoConfig, AutoModel, AutoTokenizer, env } from '@huggingface/transformers';
import type { Dtype } from './types.js';
import { packageRoot } from '../utils/paths.js';
import { missingModelMessage, onnxFileFor } from './model-files.js';
import type { HFTokenizerLike } from './tokenize.js';
import { UserError } from '../errors.js';

export interface ResolvedModel {
  /** What the caller passed (hub id or folder). */
  model: string;
  /** Folder the files were read from. */
  dir: string;
  /** Files in use, relative to dir. */
  files: string[];
  /** Absolute path of the ONNX file. */
  modelPath: string;
  sha256: string;
  /** sha256 over the tokenizer files (part of the embedding-cache key). */
  tokenizerSha256: string;
  config: Record<string, unknown>;
  tokenizer: HFTokenizerLike;
  /** sentence-transformers' max_seq_length when the folder has sentence_bert_config.json. */
  sentenceMaxLength?: number;
}

export interface ResolveOptions {
  dtype: Dtype;
  offline: boolean;
}

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json'];

function looksLikePath(s: string): boolean {
  return isAbsolute(s) || s.startsWith('.') || s.includes('\\') || s.split('/').length > 2 || existsSync(s);
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function listOnnx(dir: string): string[] {
  const out: string[] = [];
  for (const sub of ['onnx', '.']) {
    const d = join(dir, sub);
    if (!isDir(d)) continue;
    for (const f of readdirSync(d)) if (f.endsWith('.onnx')) out.push(sub === '.' ? f : `${sub}/${f}`);
  }
  return out;
}

/** The ONNX file for dtype in dir: onnx/model*.onnx, else model*.onnx at the top (plain optimum export). */
function findOnnx(dir: string, dtype: Dtype): string | undefined {
  const file = onnxFileFor(dtype);
  if (existsSync(join(dir, file))) return file;
  const top = file.slice('onnx/'.length);
  if (existsSync(join(dir, top))) return top;
  return undefined;
}

const shaMemo = new Map<string, string>();

/** sha256 of a file (streamed); memoised per path + size + mtime for this process. */
export async function sha256File(path: string): Promise<string> {
  const st = statSync(path);
  const key = `${path}|${st.size}|${st.mtimeMs}`;
  const hit = shaMemo.get(key);
  if (hit) return hit;
  const h = createHash('sha256');
  await new Promise<void>((res, rej) => {
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (c) => h.update(c))
      .on('end', () => res())
      .on('error', rej);
  });
  const digest = h.digest('hex');
  shaMemo.set(key, digest);
  return digest;
}

/** A model folder shipped inside this package (models/): its files are what they are, nothing to export. */
function isShipped(dir: string): boolean {
  const models = resolvePath(packageRoot(), 'models');
  return resolvePath(dir).startsWith(models + sep);
}

function missingFiles(dir: string, dtype: Dtype): string[] {
  const missing: string[] = [];
  for (const f of [...TOKENIZER_FILES]) if (!existsSync(join(dir, f))) missing.push(f);
  if (!findOnnx(dir, dtype)) missing.push(onnxFileFor(dtype));
  return missing;
}

async function loadFolder(model: string, dir: string, dtype: Dtype): Promise<ResolvedModel> {
  const missing = missingFiles(dir, dtype);
  if (missing.length) {
    const onnx = onnxFileFor(dtype);
    if (missing.includes(onnx))
      throw new UserError(missingModelMessage(onnx, dir, dtype, listOnnx(dir), looksLikePath(model) ? undefined : model, isShipped(dir)));
    throw new UserError(
      `${missing.join(', ')} not found in ${dir}: the folder needs a fast-tokenizer file (tokenizer.json + tokenizer_config.json); ` +
        `save them with transformers' AutoTokenizer.from_pretrained(<id>).save_pretrained(<dir>)`,
    );
  }
  const onnxFile = findOnnx(dir, dtype)!;
  const files = [onnxFile, ...TOKENIZER_FILES];
  let config: Record<string, unknown> = {};
  if (existsSync(join(dir, 'config.json'))) {
    config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    files.push('config.json');
  }
  let sentenceMaxLength: number | undefined;
  if (existsSync(join(dir, 'sentence_bert_config.json'))) {
    try {
      const sb = JSON.parse(readFileSync(join(dir, 'sentence_bert_config.json'), 'utf8')) as { max_seq_length?: unknown };
      if (typeof sb.max_seq_length === 'number') sentenceMaxLength = sb.max_seq_length;
      files.push('sentence_bert_config.json');
    } catch {
      /* optional file */
    }
  }
  const modelPath = join(dir, onnxFile);
  const dataFile = `${onnxFile}_data`;
  let sha256 = await sha256File(modelPath);
  if (existsSync(join(dir, dataFile))) {
    files.push(dataFile);
    sha256 = createHash('sha256')
      .update(sha256)
      .update(await sha256File(join(dir, dataFile)))
      .digest('hex');
  }
  const th = createHash('sha256');
  for (const f of TOKENIZER_FILES) th.update(readFileSync(join(dir, f)));
  const tokenizer = (await AutoTokenizer.from_pretrained(dir, { local_files_only: true })) as unknown as HFTokenizerLike;
  return { model, dir, files, modelPath, sha256, tokenizerSha256: th.digest('hex'), config, tokenizer, sentenceMaxLength };
}

/** Local candidates where transformers.js keeps a hub model: env.localModelPath, then its file cache. */
function hubCandidates(id: string): string[] {
  const out: string[] = [];
  if (env.allowLocalModels && env.localModelPath) out.push(join(env.localModelPath, id));
  if (env.useFSCache && env.cacheDir) out.push(join(env.cacheDir, id));
  return out;
}

export async function resolveModel(model: string, opts: ResolveOptions): Promise<ResolvedModel> {
  if (typeof model !== 'string' || model.trim() === '') throw new UserError('model must be a hub id or a folder path');
  if (looksLikePath(model)) {
    const dir = resolvePath(model);
    if (!isDir(dir))
      throw new UserError(`model folder ${dir} does not exist (expected an HF-layout folder with tokenizer.json and onnx/model.onnx)`);
    return loadFolder(model, dir, opts.dtype);
  }
  // Hub id: already downloaded?
  for (const dir of hubCandidates(model)) {
    if (isDir(dir) && missingFiles(dir, opts.dtype).length === 0) return loadFolder(model, dir, opts.dtype);
  }
  const onnx = onnxFileFor(opts.dtype);
  const where = hubCandidates(model).join(' or ') || '(no local model path / file cache configured)';
  if (opts.offline || !env.allowRemoteModels) {
    const cand = hubCandidates(model).find(isDir);
    const missing = cand ? missingFiles(cand, opts.dtype) : [...TOKENIZER_FILES, onnx];
    throw new UserError(
      `${missing.join(', ')} of ${model} not found locally (looked in ${where}) and ${opts.offline ? 'offline is set' : 'env.allowRemoteModels is false'}: ` +
        `run once with network access to download it, or pass a local HF-layout folder instead of the hub id` +
        (cand && missing.includes(onnx) ? `; ${missingModelMessage(onnx, cand, opts.dtype, listOnnx(cand), model)}` : ''),
    );
  }
  // Download through transformers.js (its hub + file cache). AutoModel fetches the ONNX file for the dtype.
  try {
    await AutoTokenizer.from_pretrained(model);
    await AutoConfig.from_pretrained(model);
    const m = await AutoModel.from_pretrained(model, {
      dtype: opts.dtype,
      device: 'cpu',
      session_options: { intraOpNumThreads: 1 },
    });
    await m.dispose();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new UserError(
      `could not fetch ${model} (${onnx} and tokenizer files) from the Hugging Face hub: ${msg}. Offline? Pass a local folder or run with network access once.`,
    );
  }
  for (const dir of hubCandidates(model)) {
    if (isDir(dir) && missingFiles(dir, opts.dtype).length === 0) return loadFolder(model, dir, opts.dtype);
  }
  throw new UserError(
    `downloaded ${model} but did not find ${onnx} + tokenizer files in ${where} (is transformers.js' env.useFSCache off?)`,
  );
}
