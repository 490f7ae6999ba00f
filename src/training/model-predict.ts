/**
 * The model's prediction loops (see ./model-core.ts): examples in batches through the forward pass
 * and the task's decoding, with progress and cancellation, and metrics on labelled examples.
 */
import * as tf from '../utils/tf.js';
import { throwIfAborted } from '../utils/progress.js';
import { inferenceContext, type ForwardContext } from '../nn/layers.js';
import type { EncodeOptions } from '../encoder/types.js';
import type { AnyTask, CallOptions, TaskBatch } from '../tasks/types.js';
import { callDecodeOptions, type PredictOptions } from './model-options.js';

/** What the loops need of the model. */
export interface PredictingModel {
  task(name: string): AnyTask;
  makeBatch(task: string, examples: readonly unknown[]): TaskBatch;
  forward(task: string, batch: TaskBatch, ctx: ForwardContext): tf.Tensor;
  ensureFeatures(examples: Record<string, readonly unknown[]>, options?: EncodeOptions): Promise<number>;
}

/**
 * Predictions (and loss when the batch has targets) for examples, in batches, no dropout;
 * `decodeOptions` (from the task's `decodeOptions`) reach its forward pass and decoding.
 */
export function predictBatch(
  model: PredictingModel,
  task: string,
  examples: readonly unknown[],
  batchSize = 256,
  decodeOptions?: unknown,
): { predictions: unknown[]; lossSum: number; counted: number } {
  const t = model.task(task);
  const predictions: unknown[] = [];
  let lossSum = 0;
  let counted = 0;
  for (let i = 0; i < examples.length; i += batchSize) {
    const part = examples.slice(i, i + batchSize);
    const batch = model.makeBatch(task, part);
    if (decodeOptions !== undefined) batch.decodeOptions = decodeOptions;
    const out = tf.tidy(() => model.forward(task, batch, inferenceContext()));
    try {
      predictions.push(...t.decode(out, batch));
      if (batch.hasTargets) {
        const l = tf.tidy(() => t.loss(out, batch));
        lossSum += (l.dataSync()[0] as number) * batch.size;
        counted += batch.size;
        l.dispose();
      }
    } finally {
      out.dispose();
    }
  }
  return { predictions, lossSum, counted };
}

/** Predictions for a task's user inputs (each turned into an example by the task's `toExample`), with progress. */
export async function predictInputs(
  model: PredictingModel,
  task: string,
  inputs: readonly unknown[],
  options: PredictOptions & CallOptions,
): Promise<unknown[]> {
  const t = model.task(task);
  const decodeOptions = callDecodeOptions(t, options);
  const examples = t.toExample ? inputs.map((x) => t.toExample!(x)) : [...inputs];
  const batchSize = options.batchSize ?? 256;
  const started = Date.now();
  throwIfAborted(options.signal);
  await model.ensureFeatures({ [task]: examples }, options);
  const out: unknown[] = [];
  for (let i = 0; i < examples.length; i += batchSize) {
    throwIfAborted(options.signal);
    out.push(...predictBatch(model, task, examples.slice(i, i + batchSize), batchSize, decodeOptions).predictions);
    const elapsedMs = Date.now() - started;
    options.onProgress?.({
      phase: 'predict',
      done: out.length,
      total: examples.length,
      elapsedMs,
      etaMs: (elapsedMs / out.length) * (examples.length - out.length),
    });
  }
  return out;
}

/** Metrics (plus dev `loss`) per task on labelled examples whose features are in the store. */
export function evaluateCached(
  model: PredictingModel,
  data: Record<string, readonly unknown[]>,
  batchSize = 256,
): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [name, examples] of Object.entries(data)) {
    if (!examples.length) continue;
    const { predictions, lossSum, counted } = predictBatch(model, name, examples, batchSize);
    const m = model.task(name).metrics(examples, predictions);
    if (counted > 0) m.loss = lossSum / counted;
    out[name] = m;
  }
  return out;
}
