/**
 * The coordinator's side of encoding and predicting on the workers: split texts (or parsed inputs)
 * into shards and run them through the queue job runner, handing the rows or predictions on in input
 * order as the shards finish.
 */
import { PredictResultSchema, sha256, ShardResultSchema, unpackResult, type PredictSettings } from './protocol.js';
import { runJobs, ShardMismatchError, type RunShardsOptions, type RunShardsResult } from './job-runner.js';

type RowsSink = (start: number, data: Float32Array, rows: number, dim: number) => void | Promise<void>;

/** Runs the encode shards through the queue, calling `sink` with each shard's rows in input order. */
export async function runShards(
  texts: readonly string[],
  options: RunShardsOptions,
  sink: RowsSink,
  beforeRelease?: () => Promise<void>,
): Promise<RunShardsResult> {
  const settings = options.settings ?? {};
  let dim = 0;
  const res = await runJobs<Float32Array>(options, beforeRelease, {
    kind: 'encode',
    count: texts.length,
    idKey: { model: options.model, settings, inputHash: sha256(JSON.stringify(texts)) },
    payload: (start, end) => ({ v: 1, kind: 'encode', model: options.model, settings, start, texts: texts.slice(start, end) }),
    parse(rv, k, rows) {
      const r = ShardResultSchema.parse(rv);
      if (r.rows !== rows) throw new ShardMismatchError(`shard ${k} returned ${r.rows} rows for ${rows} texts`);
      if (dim && r.dim !== dim) throw new ShardMismatchError(`shard ${k} returned dim ${r.dim}, the others ${dim}`);
      dim = r.dim;
      return unpackResult(r);
    },
    sink: (start, data, rows) => sink(start, data, rows, dim),
  });
  return { ...res, dim };
}

export interface RunPredictOptions extends Omit<RunShardsOptions, 'settings'> {
  settings: PredictSettings;
}

/** Runs `mtl predict`'s parsed inputs through the queue: each shard's predictions in input order. */
export async function runPredictShards(
  inputs: readonly Record<string, unknown>[],
  options: RunPredictOptions,
  sink: (start: number, predictions: unknown[]) => void | Promise<void>,
): Promise<RunShardsResult> {
  const res = await runJobs<unknown[]>(options, undefined, {
    kind: 'predict',
    count: inputs.length,
    idKey: { model: options.model, settings: options.settings, inputHash: sha256(JSON.stringify(inputs)) },
    payload: (start, end) => ({
      v: 1,
      kind: 'predict',
      model: options.model,
      settings: options.settings,
      start,
      inputs: inputs.slice(start, end),
    }),
    parse(rv, k, rows) {
      const r = PredictResultSchema.parse(rv);
      if (r.predictions.length !== rows)
        throw new ShardMismatchError(`shard ${k} returned ${r.predictions.length} predictions for ${rows} inputs`);
      return r.predictions;
    },
    sink: (start, preds) => sink(start, preds),
  });
  return { ...res, dim: 0 };
}

export type EncodeDistributedOptions = Omit<RunShardsOptions, 'source'>;

/** Encodes texts on the workers behind `queue`: the rows in input order, as `Encoder.encode` gives them. */
export async function encodeDistributed(
  texts: readonly string[],
  options: EncodeDistributedOptions,
): Promise<{ dims: [number, number]; data: Float32Array }> {
  let data = new Float32Array(0);
  const res = await runShards(texts, options, (start, rows, n, dim) => {
    if (data.length === 0) data = new Float32Array(texts.length * dim);
    data.set(rows, start * dim);
  });
  return { dims: [res.rows, res.dim], data };
}
