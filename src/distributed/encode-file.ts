/**
 * `mtl encode --queue URL`: the texts of a file (one a line) encoded by the workers behind the
 * queue, written as `mtl encode` writes them (same rows, same order, same formats), atomically.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { firstInvalidUtf8Line } from '../data/io.js';
import { UserError } from '../errors.js';
import { parseLines } from '../experiment/encode-file.js';
import { runShards, type DistributedProgress, type RunShardsResult } from './coordinator.js';
import { OrderedVectorWriter } from './output.js';
import type { EncodeSettings } from './protocol.js';

export interface EncodeFileDistributedOptions {
  queue: string;
  /** The model reference the workers open (must be on their allow list), e.g. `mtl:mini`. */
  model: string;
  input: string;
  output: string;
  settings?: EncodeSettings;
  shardSize?: number;
  /** The input's name in messages (default: the path). */
  inputLabel?: string;
  onProgress?: (p: DistributedProgress) => void;
  log?: (message: string) => void;
  signal?: AbortSignal;
}

export async function encodeFileDistributed(opts: EncodeFileDistributedOptions): Promise<RunShardsResult> {
  const ext = extname(opts.output).toLowerCase();
  if (ext !== '.jsonl' && ext !== '.npy') throw new UserError(`--output ${opts.output}: must end in .jsonl or .npy`);
  const label = opts.inputLabel ?? opts.input;
  const bytes = await readFile(opts.input);
  // strict here: a shard's texts travel through Redis as JSON, and a replaced byte would make the
  // rows differ from the file without anyone seeing it
  const bad = firstInvalidUtf8Line(bytes);
  if (bad !== null)
    throw new UserError(
      `${label}:${bad}: invalid UTF-8; re-save the file as UTF-8 (or run without --queue, which replaces the bytes with U+FFFD and warns)`,
    );
  const texts = parseLines(new TextDecoder('utf-8').decode(bytes));
  const writer = new OrderedVectorWriter(opts.output, texts.length);
  try {
    return await runShards(
      texts,
      {
        queue: opts.queue,
        model: opts.model,
        ...(opts.settings ? { settings: opts.settings } : {}),
        ...(opts.shardSize ? { shardSize: opts.shardSize } : {}),
        source: label,
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        ...(opts.log ? { log: opts.log } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (start, data, rows, dim) => writer.write(start, data, rows, dim),
      () => writer.finish(),
    );
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
