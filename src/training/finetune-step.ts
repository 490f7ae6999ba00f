/**
 * The fine-tuning part of one training step (./trainer.ts). For each active task's batch the
 * encoder inputs go through the frozen bottom and the trainable top (train mode); their pooled
 * vectors become a tf.Variable `encoder-output.<task>` (parameter group 'encoder-output', counted as
 * shared), and the batch's rows read it through a gather. `weighting.backward` then returns its
 * gradient like any shared parameter's, whatever the weighting (PCGrad projects it, GradNorm sees
 * it as shared); that gradient goes back through the pooling and the top, and the top takes its own
 * AdamW step. A head that pools token states itself (`tokenTexts`, e.g. attention pooling) reads the
 * top's output states through a second variable `encoder-output.<task>.tokens` (the batch's
 * `tokens.read`); its gradient joins the pooled vectors' on the way into the top. With no
 * fine-tuning every call here is a pass-through.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '../utils/tf.js';
import { UserError } from '../errors.js';
import type { Float32AdamWState } from '../finetune/index.js';
import { inputKey, type AnyTask, type TaskBatch, type TokenStates } from '../tasks/types.js';
import type { Grads, TrainableParams } from '../weighting/index.js';
import type { EncoderFinetune, TopPass } from './finetune.js';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from './safetensors.js';

export const ENCODER_OUTPUT_GROUP = 'encoder-output';
/** The checkpoint file of the fine-tuned top (weights, AdamW state, dropout draws). */
export const FINETUNE_FILE = 'encoder-top.safetensors';

interface Part {
  name: string;
  batch: TaskBatch;
  variable: tf.Variable;
  /** Per row: 0 for a padding row, i + 1 for the i-th encoder input's vector. */
  index: Int32Array;
  /** Heads that pool token states: the top's output states [inputs, T, d] as a variable (`<name>.tokens`). */
  tokens: tf.Variable | null;
  pass: TopPass;
}

/** One step's fine-tuning state: the task batches built on the top's pooled vectors. */
export class FinetuneStep {
  private constructor(
    private readonly ft: EncoderFinetune | null,
    private readonly parts: Map<string, Part>,
    readonly trainable: TrainableParams,
  ) {}

  static async prepare(
    ft: EncoderFinetune | null,
    tasks: (name: string) => AnyTask,
    examples: ReadonlyMap<string, readonly unknown[]>,
    base: TrainableParams,
  ): Promise<FinetuneStep> {
    const parts = new Map<string, Part>();
    if (!ft) return new FinetuneStep(null, parts, base);
    try {
      for (const [task, list] of examples) parts.set(task, await part(ft, tasks(task), list));
    } catch (err) {
      for (const p of parts.values()) tf.dispose([p.variable, ...(p.tokens ? [p.tokens] : [])]);
      throw err;
    }
    const vars = [...parts.values()].flatMap((p) => (p.tokens ? [p.variable, p.tokens] : [p.variable]));
    const names = vars.map((v) => v.name);
    return new FinetuneStep(ft, parts, { ...base, variables: [...base.variables, ...vars], shared: new Set([...base.shared, ...names]) });
  }

  /** The task's batch built on the pooled vectors (undefined without fine-tuning). */
  batch(task: string): TaskBatch | undefined {
    return this.parts.get(task)?.batch;
  }

  /** The batch's rows [numRows, dim] read from the encoder-output variable (inside the gradient tape). */
  rows(task: string): tf.Tensor2D | undefined {
    const p = this.parts.get(task);
    if (!p) return undefined;
    // a one-hot selection [numRows, inputs] times the vectors (a gather's gradient needs a kernel wasm lacks)
    const n = p.variable.shape[0] as number;
    const select = new Float32Array(p.index.length * n);
    p.index.forEach((k, r) => {
      if (k > 0) select[r * n + k - 1] = 1;
    });
    return tf.matMul(tf.tensor2d(select, [p.index.length, n]), p.variable as tf.Tensor2D) as tf.Tensor2D;
  }

  /**
   * Takes the encoder-output gradients out of `grads` (disposing them) and back-propagates them
   * through the top; frees the step's variables. Returns whether the top got a gradient.
   */
  async backward(grads: Grads): Promise<boolean> {
    let any = false;
    const take = async (name: string): Promise<Float32Array | null> => {
      const g = grads.get(name);
      if (!g) return null;
      grads.delete(name);
      const data = (await g.data()) as Float32Array;
      g.dispose();
      return data;
    };
    try {
      for (const p of this.parts.values()) {
        const pooled = await take(p.name);
        const states = p.tokens ? await take(p.tokens.name) : null;
        if (!pooled && !states) continue;
        if (this.ft) await this.ft.backward(p.pass, pooled, states);
        any = true;
      }
    } finally {
      for (const p of this.parts.values()) tf.dispose([p.variable, ...(p.tokens ? [p.tokens] : [])]);
      for (const [name, g] of grads) {
        if (!name.startsWith(`${ENCODER_OUTPUT_GROUP}.`)) continue;
        g.dispose();
        grads.delete(name);
      }
    }
    return any;
  }

  /** The top's update (when the heads' update went ahead), else its pending gradients dropped. */
  finish(apply: boolean, step: number, total: number): void {
    if (!this.ft) return;
    if (apply) this.ft.step(step, total);
    else this.ft.top.clearGradients();
  }
}

async function part(ft: EncoderFinetune, task: AnyTask, examples: readonly unknown[]): Promise<Part> {
  const keys: string[] = [];
  const pos = new Map<string, number>();
  const add = (k: string) => {
    if (pos.has(k)) return;
    pos.set(k, keys.length);
    keys.push(k);
  };
  for (const e of examples) for (const x of task.encoderInputs(e)) add(inputKey(x));
  for (const e of examples) for (const t of task.tokenTexts?.(e) ?? []) add(t);
  const d = ft.dim;
  const at = (k: string): number => {
    const i = pos.get(k);
    if (i === undefined)
      throw new Error(
        `task "${task.name}": makeBatch read ${JSON.stringify(k.slice(0, 60))}, which its encoderInputs did not name; fine-tuning needs encoderInputs to list every text the batch reads`,
      );
    return i;
  };
  const { vectors, pass } = await ft.pooled(keys, true);
  const [n, T] = pass.dims;
  const length = (i: number): number => {
    let len = 0;
    for (let t = 0; t < T; t++) len += pass.mask[i * T + t] as number;
    return len;
  };
  // where each input's vector (and token states) land in the batch: a batch built on markers (i + 1 everywhere) tells
  const marker = task.makeBatch(
    examples,
    (k) => new Float32Array(d).fill(at(k) + 1),
    d,
    (k) => ({ states: new Float32Array(length(at(k)) * d).fill(at(k) + 1), length: length(at(k)) }),
  );
  // one view per input, so a task caching per vector object (summarization's document features) hits within the batch
  const views = keys.map((_, i) => vectors.subarray(i * d, (i + 1) * d));
  const batch = task.makeBatch(
    examples,
    (k) => views[at(k)] as Float32Array,
    d,
    (k) => ({ states: pass.states.subarray(at(k) * T * d, (at(k) * T + length(at(k))) * d), length: length(at(k)) }),
  );
  const index = new Int32Array(marker.numRows);
  for (let r = 0; r < marker.numRows; r++) index[r] = Math.round(marker.rows[r * d] as number);
  const name = `${ENCODER_OUTPUT_GROUP}.${task.name}`;
  const init = tf.tensor2d(vectors, [keys.length, d]);
  const variable = tf.variable(init, true, name);
  init.dispose();
  let tokens: tf.Variable | null = null;
  if (marker.tokens && batch.tokens) {
    const states = tf.tensor3d(pass.states, [n, T, d]);
    tokens = tf.variable(states, true, `${name}.tokens`);
    states.dispose();
    batch.tokens.read = readTokens(tokens, marker.tokens);
  }
  return { name, batch, variable, index, tokens, pass };
}

/**
 * The batch's token states [rows, maxLen, d] read from the top's output variable [inputs, T, d]: a
 * one-hot selection of each row's input (from the marker batch), cut to maxLen, zero at padding.
 */
function readTokens(variable: tf.Variable, marker: TokenStates): () => tf.Tensor3D {
  const [n, T, d] = variable.shape as [number, number, number];
  const { maxLen, mask } = marker;
  const rows = mask.length / maxLen;
  const select = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const k = Math.round(marker.states[r * maxLen * d] as number);
    if (k > 0) select[r * n + k - 1] = 1;
  }
  return () => {
    const picked = tf.matMul(tf.tensor2d(select, [rows, n]), tf.reshape(variable, [n, T * d]) as tf.Tensor2D);
    const cut = tf.slice(tf.reshape(picked, [rows, T, d]), [0, 0, 0], [rows, maxLen, d]);
    return tf.mul(cut, tf.tensor3d(mask, [rows, maxLen, 1])) as tf.Tensor3D;
  };
}

/** The fine-tuning state as a checkpoint file (weights, each layer's AdamW moments, counters). */
export function finetuneStateBytes(ft: EncoderFinetune): Uint8Array {
  const s = ft.state();
  const tensors = new Map<string, NamedArray>();
  const shapes = new Map(ft.top.paramShapes.map((p) => [p.name, p.dims]));
  for (const [k, w] of s.weights) tensors.set(`weight.${k}`, { shape: shapes.get(k) ?? [w.length], data: w });
  s.optimizers.forEach((o, i) => {
    for (const [k, m] of Object.entries(o.m)) tensors.set(`adam.${i}.m.${k}`, { shape: [m.length], data: m });
    for (const [k, v] of Object.entries(o.v)) tensors.set(`adam.${i}.v.${k}`, { shape: [v.length], data: v });
  });
  const counters = { draws: s.draws, steps: s.steps, adamSteps: s.optimizers.map((o) => o.step) };
  return encodeSafetensors(tensors, { finetune: JSON.stringify(counters) });
}

/** Reads {@link finetuneStateBytes}' file from a checkpoint folder. */
export function readFinetuneState(folder: string): ReturnType<EncoderFinetune['state']> {
  const file = join(folder, FINETUNE_FILE);
  if (!existsSync(file))
    throw new UserError(
      `resume: ${file} is missing; the checkpoint was written without a fine-tuned encoder (train with the same finetune settings, or start afresh)`,
    );
  const { tensors, metadata } = decodeSafetensors(new Uint8Array(readFileSync(file)), file);
  const counters = JSON.parse(metadata.finetune ?? 'null') as { draws: number; steps: number; adamSteps: number[] } | null;
  if (!counters) throw new UserError(`${file}: no fine-tuning counters in its metadata (not a fine-tuning checkpoint)`);
  const weights = new Map<string, Float32Array>();
  const optimizers: Float32AdamWState[] = counters.adamSteps.map((step) => ({ step, m: {}, v: {} }));
  for (const [k, t] of tensors) {
    const m = /^adam\.(\d+)\.([mv])\.(.+)$/.exec(k);
    if (m) (optimizers[Number(m[1])] as Float32AdamWState)[m[2] as 'm' | 'v'][m[3] as string] = t.data;
    else if (k.startsWith('weight.')) weights.set(k.slice('weight.'.length), t.data);
  }
  return { weights, optimizers, draws: counters.draws, steps: counters.steps };
}
