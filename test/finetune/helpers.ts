/**
 * Shared by the fine-tuning tests: the hidden states of a model at a layer (the layer cut run on ONNX
 * Runtime) and at the top (the whole original graph), the PyTorch reference runner, array helpers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { cutAtLayer } from '../../src/encoder/layers.js';
import { Rng } from '../../src/utils/random.js';
import { packageRoot } from '../../src/utils/paths.js';

export const REFERENCE_MINI = join(packageRoot(), '..', 'shared', 'models', 'reference-mini', 'onnx', 'model.onnx');
export const MTL_MINI_Q8 = join(packageRoot(), 'models', 'mini', 'onnx', 'model_quantized.onnx');
export const hasReference = existsSync(REFERENCE_MINI);

export interface Batch {
  B: number;
  T: number;
  inputIds: BigInt64Array;
  mask: BigInt64Array;
}

/** A padded batch of random token ids (row b has T − b·2 real tokens, at least 2). */
export function randomBatch(B: number, T: number, vocab: number, seed = 1): Batch {
  const rng = new Rng(seed);
  const inputIds = new BigInt64Array(B * T);
  const mask = new BigInt64Array(B * T);
  for (let b = 0; b < B; b++) {
    const len = Math.max(2, T - 2 * b);
    for (let t = 0; t < T; t++) {
      const real = t < len;
      mask[b * T + t] = real ? 1n : 0n;
      inputIds[b * T + t] = real ? BigInt(5 + rng.int(vocab - 5)) : 0n;
    }
  }
  return { B, T, inputIds, mask };
}

async function run(bytes: Uint8Array, batch: Batch): Promise<ort.InferenceSession.OnnxValueMapType> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    const dims = [batch.B, batch.T];
    for (const name of session.inputNames) {
      if (name === 'input_ids') feeds[name] = new ort.Tensor('int64', batch.inputIds, dims);
      else if (name === 'attention_mask') feeds[name] = new ort.Tensor('int64', batch.mask, dims);
      else feeds[name] = new ort.Tensor('int64', new BigInt64Array(batch.B * batch.T), dims);
    }
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/**
 * The hidden states after layer `k` from the layer cut (src/encoder/layers.ts: what
 * `Encoder.load(model, { layer: k })` runs) and the whole graph's last hidden state.
 */
export async function hiddenStates(
  modelBytes: Uint8Array,
  k: number,
  batch: Batch,
): Promise<{ atK: Float32Array; last: Float32Array; hidden: number }> {
  const cut = cutAtLayer(modelBytes, k, 'model');
  if (!cut.bytes) throw new Error(`layer ${k} is the last: nothing above it to train`);
  const whole = await run(modelBytes, batch);
  const last = (whole.last_hidden_state ?? whole.token_embeddings)!;
  const atK = (await run(cut.bytes, batch)).last_hidden_state!;
  return { atK: atK.data as Float32Array, last: last.data as Float32Array, hidden: Number(last.dims[2]) };
}

export function readModel(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

export function randomArray(n: number, rng: Rng, std = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal(0, std);
  return out;
}

const PYTHON = '/usr/bin/python3';
let torchChecked: boolean | undefined;

/** Whether Debian's python3 with torch is there (the PyTorch references need it). */
export function hasTorch(): boolean {
  if (torchChecked === undefined) {
    const r = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
    torchChecked = r.status === 0;
  }
  return torchChecked;
}

export const TORCH_SKIP = 'PyTorch reference skipped: /usr/bin/python3 cannot import torch and numpy (apt-get install python3-torch)';

/** Writes `files` (raw float32) and the manifest to a temp dir, runs test/finetune/torch_grad.py, returns a reader. */
export function runTorch(
  manifest: object,
  files: Record<string, Float32Array>,
): { read: (name: string) => Float32Array; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mtl-torch-'));
  for (const [name, data] of Object.entries(files))
    writeFileSync(join(dir, name), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  const script = join(packageRoot(), 'test', 'finetune', 'torch_grad.py');
  const r = spawnSync(PYTHON, [script, dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`torch_grad.py failed (${r.status}): ${r.stderr}`);
  }
  return {
    read: (name) => {
      const b = readFileSync(join(dir, name));
      return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** max |a − b| / max(1, max |b|): the error relative to the reference's scale. */
export function scaledError(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let scale = 1;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i] as number));
  return maxAbsDiff(a, ref) / scale;
}
