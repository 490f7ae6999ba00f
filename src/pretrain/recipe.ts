/**
 * The pretraining recipe, stage by stage (what `mtl pretrain` runs):
 *
 * 1. `prepare`: corpus (src/pretrain/corpus.ts) → `corpus.jsonl.gz` + `corpus-counts.json`;
 *    WordPiece vocabulary → `tokenizer/`; pre-tokenized `corpus.bin` (pretrain/FORMAT.md).
 * 2. `train`: the Python package `pretrain/mtlpretrain` (PyTorch; masked + translation LM, then contrastive) on
 *    `corpus.bin` → `trained/` (config.json, safetensors, training-summary.json, training-log.jsonl).
 *    On a GPU machine without Node this stage is run by hand (pretrain/device-run.sh).
 * 3. `export`: trained weights → Hugging Face ONNX folder (fp32 + q8, tokenizer, model card),
 *    checked against the PyTorch forward pass on held-back sequences.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { writeFileAtomic } from '../utils/fs.js';
import { packageRoot } from '../utils/paths.js';
import { encodeBinary, pretokenize, readBinary } from './binary.js';
import { buildCorpus, corpusSentences, writeCorpus, type CorpusOptions } from './corpus.js';
import { exportEncoder, type ExportResult } from './export.js';
import { trainVocabulary, WordPieceEncoder } from './tokenizer.js';
import { UserError } from '../errors.js';

export type Preset = 'tiny' | 'cpu' | 'gpu';

export interface PrepareOptions extends CorpusOptions {
  workDir: string;
  vocabSize: number;
  maxLength: number;
  log?: (line: string) => void;
}

export interface PrepareResult {
  corpusPath: string;
  binaryPath: string;
  tokenizerDir: string;
  counts: Record<string, unknown>;
  sections: Record<string, { sequences: number; tokens: number }>;
}

const say = (log: ((l: string) => void) | undefined, line: string): void => log?.(line);

export async function prepare(options: PrepareOptions): Promise<PrepareResult> {
  const work = resolve(options.workDir);
  mkdirSync(work, { recursive: true });
  const t0 = Date.now();
  const secs = (): string => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const corpus = buildCorpus(options);
  const corpusPath = join(work, 'corpus.jsonl.gz');
  await writeCorpus(corpus, corpusPath);
  say(
    options.log,
    `[${secs()}] corpus: ${corpus.documents.length} documents, ${corpus.pairs.length} translation pairs (${corpus.duplicates} repeats and ${corpus.devOverlap} dev sentences dropped) → ${corpusPath}`,
  );
  const sentences = corpusSentences(corpus);
  if (sentences.length === 0)
    throw new UserError('pretrain: the corpus is empty (no datasets folder, no npm text packages, no --text files)');
  const vocab = trainVocabulary(sentences, { vocabSize: options.vocabSize, maxLength: options.maxLength });
  const tokenizerDir = join(work, 'tokenizer');
  for (const [name, contents] of Object.entries(vocab.files)) await writeFileAtomic(join(tokenizerDir, name), contents);
  say(options.log, `[${secs()}] vocabulary: ${vocab.vocab.length} WordPiece tokens → ${tokenizerDir}`);
  const data = pretokenize(corpus, new WordPieceEncoder(vocab.vocab), { maxLength: options.maxLength });
  const binaryPath = join(work, 'corpus.bin');
  await writeFileAtomic(binaryPath, encodeBinary(data));
  const sections = Object.fromEntries(
    Object.entries(data.sections).map(([k, v]) => [k, { sequences: v.length, tokens: v.reduce((a, s) => a + s.ids.length, 0) }]),
  );
  const counts = {
    sources: corpus.counts,
    tokensPerSource: data.tokensPerSource,
    duplicates: corpus.duplicates,
    devOverlap: corpus.devOverlap,
    sections,
  };
  await writeFileAtomic(join(work, 'corpus-counts.json'), JSON.stringify(counts, null, 2) + '\n');
  const total = Object.values(data.tokensPerSource).reduce((a, b) => a + b, 0);
  say(
    options.log,
    `[${secs()}] pre-tokenized: ${total.toLocaleString('en-US')} tokens, mlm ${sections.mlm?.sequences} sequences, val ${sections.val?.sequences} → ${binaryPath}`,
  );
  return { corpusPath, binaryPath, tokenizerDir, counts, sections };
}

/**
 * The command line of the trainer shipped with the package: `python -m mtlpretrain <args>` with
 * `pretrain/` first on PYTHONPATH (no `__pycache__` written into the installed package).
 */
export function trainerCommand(args: readonly string[]): { args: string[]; env: NodeJS.ProcessEnv } {
  const dir = join(packageRoot(), 'pretrain');
  return {
    args: ['-m', 'mtlpretrain', ...args],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: [dir, process.env.PYTHONPATH].filter(Boolean).join(delimiter) },
  };
}

/**
 * A Python interpreter that imports torch: $MTL_PYTHON, else the first of `python3`,
 * `/usr/bin/python3` that does. null when none.
 */
export function findTorchPython(): { python: string; torch: string } | null {
  const candidates = [process.env.MTL_PYTHON, 'python3', '/usr/bin/python3', 'python'].filter((c): c is string => !!c);
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python, torch: r.stdout.trim() };
  }
  return null;
}

export interface TrainOptions {
  workDir: string;
  preset: Preset;
  budgetSeconds?: number;
  threads?: number;
  resume?: boolean;
  seed?: number;
  /** Extra trainer flags (e.g. ['--layers', '2']). */
  extra?: readonly string[];
  log?: (line: string) => void;
}

/** Runs the trainer's `train` (`python -m mtlpretrain train`) on `<work>/corpus.bin` into `<work>/trained`, streaming its progress lines. */
export async function train(options: TrainOptions): Promise<{ trainedDir: string; summary: Record<string, unknown> }> {
  const work = resolve(options.workDir);
  const data = join(work, 'corpus.bin');
  if (!existsSync(data)) throw new UserError(`${data}: missing; run the prepare stage first (mtl pretrain --stage prepare)`);
  const py = findTorchPython();
  if (!py)
    throw new UserError(
      'pretrain: no Python with PyTorch found (tried $MTL_PYTHON, python3, /usr/bin/python3); install it (Debian: apt-get install python3-torch) or set MTL_PYTHON',
    );
  const trainedDir = join(work, 'trained');
  const args = ['train', '--data', data, '--out', trainedDir, '--preset', options.preset];
  if (options.budgetSeconds !== undefined) args.push('--budget-seconds', String(options.budgetSeconds));
  if (options.threads !== undefined) args.push('--threads', String(options.threads));
  if (options.seed !== undefined) args.push('--seed', String(options.seed));
  if (options.resume) args.push('--resume');
  args.push(...(options.extra ?? []));
  const cmd = trainerCommand(args);
  say(options.log, `trainer: ${py.python} (torch ${py.torch}) ${cmd.args.join(' ')}`);
  await new Promise<void>((resolveRun, reject) => {
    const child = spawn(py.python, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...cmd.env, PYTHONUNBUFFERED: '1' } });
    let tail = '';
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) say(options.log, line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolveRun()
        : reject(
            new Error(`pretrain: trainer exited with code ${code}; its last output:\n${tail.trim().split('\n').slice(-8).join('\n')}`),
          ),
    );
  });
  const summaryPath = join(trainedDir, 'training-summary.json');
  const summary = existsSync(summaryPath) ? (JSON.parse(readFileSync(summaryPath, 'utf8')) as Record<string, unknown>) : {};
  return { trainedDir, summary };
}

export interface ParityResult {
  sequences: number;
  maxAbsDiff: number;
}

/**
 * Runs the exported `onnx/model.onnx` in ONNX Runtime and the trainer's PyTorch `forward` on the
 * same held-back sequences (padded batch, token types); returns the largest absolute difference of
 * `last_hidden_state` over attended positions.
 */
export async function checkParity(options: {
  workDir: string;
  trainedDir: string;
  modelDir: string;
  count?: number;
}): Promise<ParityResult> {
  const py = findTorchPython();
  if (!py)
    throw new UserError(
      'pretrain: no Python with PyTorch found for the parity check (tried $MTL_PYTHON, python3, /usr/bin/python3); install it (Debian: apt-get install python3-torch) or set MTL_PYTHON',
    );
  const data = readBinary(join(resolve(options.workDir), 'corpus.bin'));
  const count = options.count ?? 16;
  const seqs = data.sections.val.slice(0, count);
  if (seqs.length === 0) throw new Error('pretrain parity: no held-back sequences');
  const L = Math.max(...seqs.map((s) => s.ids.length));
  const input_ids = seqs.map((s) => [...s.ids, ...new Array<number>(L - s.ids.length).fill(0)]);
  const attention_mask = seqs.map((s) => [...new Array<number>(s.ids.length).fill(1), ...new Array<number>(L - s.ids.length).fill(0)]);
  const token_type_ids = seqs.map((s) => Array.from({ length: L }, (_, j) => (j >= s.typeStart && j < s.ids.length ? 1 : 0)));
  const tmp = join(resolve(options.workDir), 'parity');
  mkdirSync(tmp, { recursive: true });
  await writeFileAtomic(join(tmp, 'in.json'), JSON.stringify({ input_ids, attention_mask, token_type_ids }));
  const cmd = trainerCommand(['forward', '--model', options.trainedDir, '--input', join(tmp, 'in.json'), '--out', join(tmp, 'out.json')]);
  const r = spawnSync(py.python, cmd.args, { encoding: 'utf8', env: cmd.env, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0)
    throw new Error(`pretrain parity: trainer forward failed:\n${(r.stderr || r.stdout).trim().split('\n').slice(-6).join('\n')}`);
  const ref = (JSON.parse(readFileSync(join(tmp, 'out.json'), 'utf8')) as { last_hidden_state: number[][][] }).last_hidden_state;

  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(join(options.modelDir, 'onnx', 'model.onnx'));
  const big = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map((v) => BigInt(v))), [rows.length, L]);
  const out = await session.run({ input_ids: big(input_ids), attention_mask: big(attention_mask), token_type_ids: big(token_type_ids) });
  const hidden = out.last_hidden_state;
  if (!hidden) throw new Error('pretrain parity: the ONNX model has no last_hidden_state output');
  const values = hidden.data as Float32Array;
  const H = hidden.dims[2] as number;
  let maxAbsDiff = 0;
  seqs.forEach((s, b) => {
    for (let t = 0; t < s.ids.length; t++) {
      const row = ref[b]?.[t];
      if (!row) throw new Error('pretrain parity: PyTorch output has the wrong shape');
      for (let h = 0; h < H; h++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs((values[(b * L + t) * H + h] as number) - (row[h] as number)));
    }
  });
  await session.release();
  return { sequences: seqs.length, maxAbsDiff };
}

export interface ExportStageOptions {
  workDir: string;
  /** Default `<work>/trained`. */
  trainedDir?: string;
  outDir: string;
  name: string;
  fp32?: boolean;
  command: string;
  /** Run the PyTorch parity check (default: when a Python with torch exists). */
  parity?: boolean;
}

export async function exportStage(options: ExportStageOptions): Promise<ExportResult & { parity: ParityResult | null }> {
  const work = resolve(options.workDir);
  const trainedDir = resolve(options.trainedDir ?? join(work, 'trained'));
  const readJson = (p: string): Record<string, unknown> =>
    existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>) : {};
  const counts = readJson(join(work, 'corpus-counts.json'));
  const summary = readJson(join(trainedDir, 'training-summary.json'));
  const card = { name: options.name, corpus: counts, training: summary, command: options.command };
  let parity: ParityResult | null = null;
  const check =
    (options.parity ?? findTorchPython() !== null)
      ? async (modelDir: string) => {
          const p = await checkParity({ workDir: work, trainedDir, modelDir });
          parity = p;
          return { onnx_vs_pytorch_max_abs_diff: p.maxAbsDiff, parity_sequences: p.sequences };
        }
      : undefined;
  const result = await exportEncoder({
    trainedDir,
    tokenizerDir: join(work, 'tokenizer'),
    outDir: options.outDir,
    card,
    fp32: options.fp32 ?? true,
    ...(check ? { check } : {}),
  });
  return { ...result, parity };
}
