/**
 * Task plug-in interface for the multitask trainer: everything the model needs from a task, so a
 * task written outside this folder (registered in ./registry.ts) is a first-class citizen.
 *
 * A task says what the encoder reads for an example (`encoderInputs`: texts, or pairs encoded as
 * one sequence), apart from its side features; how a user's input to `predict` becomes an example
 * (`toExample`); which per-call options it decodes with (`decodeOptions`, handed to `forward` /
 * `decode` in `batch.decodeOptions`); how a batch of examples becomes rows of cached encoder vectors
 * (all rows go through the shared layers / architecture); how its head turns the shared
 * representation of those rows into outputs, its loss, decoding and metrics; and how it is
 * (de)serialised. Three input shapes fit this one interface:
 *
 *  - `single`: one text per example → one row per example.
 *  - `pair`:   two texts per example → rows [a₁…a_b, b₁…b_b]; the head splits them after the shared
 *              layers, so both texts go through the same shared layers.
 *  - `set`:    a set of sentences per example → rows [b × maxN] (padding rows are zero) plus a mask
 *              kept in the task's batch; the head reshapes the representation to [b, maxN, h], builds
 *              the document vector (masked mean), relative positions, and a masked per-sentence loss.
 */
import type * as tf from '../utils/tf.js';
import type { ForwardContext } from '../nn/layers.js';
import type { ParamStore } from '../nn/params.js';
import { pairKey } from '../encoder/pairs.js';

export type InputKind = 'single' | 'pair' | 'set';
import type { MetricDirection } from '../metrics/delta-m.js';
import { UserError } from '../errors.js';
export type { MetricDirection };

/**
 * What the encoder reads for one example: a text, or a pair of texts encoded as ONE sequence
 * (`[CLS] a [SEP] b [SEP]`, token types 0/1). A task names these apart from its side features, so the
 * model (and a fine-tuned encoder) never reaches into task-specific example shapes.
 */
export type EncoderInput = string | { readonly pair: readonly [string, string] };

/** Options of one `predict` call beyond the common ones (`batchSize`, `signal`, `onProgress`), e.g. `{ selection }`. */
export type CallOptions = Readonly<Record<string, unknown>>;

/** Cached sentence vector of a text (length = encoder dim). Throws when missing. */
export type FeatureLookup = (text: string) => Float32Array;

/** Cached token states of a text: `states` is [length, dim] row-major. Throws when missing. */
export type TokenLookup = (text: string) => { states: Float32Array; length: number };

/**
 * Token states of a batch, one row per text a head pools itself (`tokenTexts`, in example order):
 * `states` [rows, maxLen, dim] row-major, zero at padding, and the 0/1 `mask` [rows, maxLen].
 */
export interface TokenStates {
  states: Float32Array;
  mask: Float32Array;
  maxLen: number;
  dim: number;
  /**
   * The states as a tensor [rows, maxLen, dim], read inside the gradient tape. Set when the encoder's
   * top is fine-tuned (src/training/finetune-step.ts): it reads the top's output variable, so the
   * head's gradient reaches the encoder. Absent: `states` as a constant.
   */
  read?: () => tf.Tensor3D;
}

/** The token states of `texts` (one row each), padded to the longest: what a batch's `tokens` hold. */
export function packTokenStates(texts: readonly string[], tokens: TokenLookup, dim: number): TokenStates {
  const per = texts.map((t) => tokens(t));
  const maxLen = Math.max(1, ...per.map((p) => p.length));
  const states = new Float32Array(texts.length * maxLen * dim);
  const mask = new Float32Array(texts.length * maxLen);
  per.forEach((p, i) => {
    states.set(p.states.subarray(0, p.length * dim), i * maxLen * dim);
    mask.fill(1, i * maxLen, i * maxLen + p.length);
  });
  return { states, mask, maxLen, dim };
}

export interface TaskBatch {
  /** Row-major [numRows, dim] encoder vectors that go through the shared layers. */
  rows: Float32Array;
  numRows: number;
  /** Number of examples in the batch. */
  size: number;
  /** True when every example carried its gold target, so `loss` can be computed. */
  hasTargets: boolean;
  /** Token states of the texts the head pools itself ({@link Task.tokenTexts}), for heads that read them. */
  tokens?: TokenStates;
  /** This prediction call's decode options ({@link Task.decodeOptions}); set by the model, absent in training. */
  decodeOptions?: unknown;
}

/** Serialisable description of a task: enough to rebuild it through the task registry. */
export interface TaskSpec {
  type: string;
  name: string;
  config: Record<string, unknown>;
}

export interface Task<E = unknown, P = unknown, B extends TaskBatch = TaskBatch> {
  readonly name: string;
  /** Registry key of the implementation, e.g. 'classification'. */
  readonly type: string;
  readonly inputKind: InputKind;
  /** Kind of loss, for weightings that treat regression differently. */
  readonly lossKind: 'classification' | 'regression' | 'binary';
  /** Metric names with direction; the trainer adds `loss` (dev loss, lower is better). */
  readonly metricDirections: Readonly<Record<string, MetricDirection>>;
  /** Metric used when one number per task is needed. */
  readonly primaryMetric: string;

  /** What the encoder reads for one example (texts, or pairs encoded as one sequence); side features are the task's own. */
  encoderInputs(example: E): EncoderInput[];
  /**
   * A user's input to `predict` as an example (e.g. a text → `{ text }`); throws a clear error for
   * an input the task cannot read. Default: the input is the example.
   */
  toExample?(input: unknown): E;
  /**
   * The decode options of one `predict` call from its task-specific options (e.g. `{ selection }`),
   * merged with the task's defaults and checked; the model hands them to `forward` / `decode` in
   * `batch.decodeOptions`. A task without it takes no such options (the model rejects them).
   */
  decodeOptions?(call: CallOptions): unknown;
  /** Texts of one example whose token states (not only the pooled vector) the head reads; default none. */
  tokenTexts?(example: E): string[];
  /** Fit the label map / target statistics from the training examples when not configured. */
  prepare(train: readonly E[]): void;
  /** True once labels / statistics are known, so the head can be built. */
  isPrepared(): boolean;
  /**
   * Register the head's parameters under `prefix` (e.g. 'heads.sentiment') with group 'task'.
   * `inputDim` is the width of the shared representation, `encoderDim` the encoder's (token states).
   */
  buildHead(store: ParamStore, inputDim: number, prefix: string, encoderDim?: number): void;
  /**
   * Gather the batch's rows from the feature cache, plus whatever the head and loss need (token states
   * through `tokens`, for the texts `tokenTexts` named).
   */
  makeBatch(examples: readonly E[], features: FeatureLookup, dim: number, tokens?: TokenLookup): B;
  /** H = representation of `batch.rows` after the architecture, [numRows, h] → outputs. */
  forward(H: tf.Tensor2D, batch: B, ctx: ForwardContext): tf.Tensor;
  /** Mean loss over the batch (a scalar). Requires `batch.hasTargets`. */
  loss(outputs: tf.Tensor, batch: B): tf.Scalar;
  /** Read outputs (synchronously) into predictions, one per example. */
  decode(outputs: tf.Tensor, batch: B): P[];
  metrics(gold: readonly E[], pred: readonly P[]): Record<string, number>;
  /** Type, name and config (label map, statistics, head sizes): JSON-serialisable. */
  toSpec(): TaskSpec;
}

/** Any task, for containers. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTask = Task<any, any, any>;

/** Rebuild a task from its spec (used by `MultiTaskModel.load`). */
export type TaskFactory = (spec: TaskSpec) => AnyTask;

/** The feature-store key of an encoder input: the text itself, or the pair's `pairKey` (encoder/pairs.ts). */
export function inputKey(input: EncoderInput): string {
  return typeof input === 'string' ? input : pairKey(input.pair[0], input.pair[1]);
}

/** A text as `{ text }`, an object with a string `text` as it is (the input of single-text tasks). */
export function textExample<E extends { text: string }>(input: unknown, task: string): E {
  if (typeof input === 'string') return { text: input } as E;
  if (input && typeof input === 'object' && typeof (input as { text?: unknown }).text === 'string') return input as E;
  throw new UserError(`task "${task}": an input is a text or { text }, got ${JSON.stringify(input)?.slice(0, 80)}`);
}
