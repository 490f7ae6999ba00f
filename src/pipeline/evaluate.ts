/**
 * `mtl eval`: score a saved model or a baseline on any file in a supported format, with the same
 * evaluator the training reports use.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadTaskConfig } from '../config/load.js';
import type { DataSource, TaskConfig } from '../config/schema.js';
import type { TextEncoder } from '../encoder/types.js';
import { UserError } from '../errors.js';
import { createTask, loadTaskDataResult } from '../tasks/index.js';
import { MultiTaskModel } from '../training/model.js';
import { packageRoot } from '../utils/paths.js';
import { baselinePredictions } from './baselines.js';
import { loadEncoder, loadEncoderFor } from './encoder.js';
import { readModelManifest } from './run-folder.js';
import { chooseData } from './train.js';

export interface EvalOptions {
  task: string;
  data: string;
  format?: DataSource['format'];
  model?: string;
  baseline?: string;
  /** Training data for baselines that fit (default: the task config's train split). */
  train?: string;
  /** Encoder for textrank (default: the model's, or fixture:xlm-roberta). */
  encoder?: string;
  /** Task config (default tasks/<task>.yaml). */
  config?: string;
}

export interface EvalResult {
  task: string;
  system: string;
  data: string;
  n: number;
  skipped: number;
  metrics: Record<string, number>;
  confusion?: { labels: string[]; matrix: number[][] };
}

/** Guess the format of a data path for a task when --format is not given. */
export function guessFormat(task: string, path: string): DataSource['format'] {
  const isDir = existsSync(path) && statSync(path).isDirectory();
  if (task === 'summarization') {
    if (isDir) return 'bbc';
    if (path.endsWith('.jsonl')) return 'scitldr';
  }
  if (task === 'translation-quality') return path.endsWith('.csv') ? 'csv' : 'mlqe';
  if (task === 'sentiment') {
    if (isDir) return 'xlmt';
    if (path.endsWith('.csv')) return 'xlmt';
    if (path.endsWith('.jsonl')) return 'jsonl';
    return 'sst2';
  }
  throw new UserError(`cannot guess the format of ${path}; pass --format`);
}

function withSplit(config: TaskConfig, split: 'train' | 'dev', path: string, format: DataSource['format']): TaskConfig {
  const source: DataSource = { ...config.data[split], format, path: resolve(path), mode: 'strict' };
  // a file given explicitly is used whole: no language/pair/hash-split filters of the defaults
  delete source.split;
  delete source.pairs;
  if (format !== 'xlmt') delete source.languages;
  return { ...config, data: { ...config.data, [split]: source } };
}

export async function evaluate(opts: EvalOptions): Promise<EvalResult> {
  if (!opts.model === !opts.baseline) throw new UserError('give exactly one of --model DIR or --baseline NAME');
  const configFile = opts.config ?? join(packageRoot(), 'tasks', `${opts.task}.yaml`);
  if (!existsSync(configFile)) throw new UserError(`unknown task '${opts.task}' (no ${configFile})`);
  if (!existsSync(opts.data)) throw new UserError(`--data ${opts.data}: not found`);
  let config = loadTaskConfig(configFile);
  const format = opts.format ?? guessFormat(opts.task, opts.data);
  config = withSplit(config, 'dev', opts.data, format);
  const dev = loadTaskDataResult(config, { split: 'dev', dataDir: '/' });

  let encoder: TextEncoder | undefined;
  let preds: unknown[];
  let system: string;
  let task;
  try {
    if (opts.model) {
      const manifest = readModelManifest(opts.model);
      encoder = await loadEncoderFor(manifest.encoder, opts.encoder);
      const model = await MultiTaskModel.load(opts.model, { encoder, log: false });
      task = model.task(opts.task);
      preds = await model.predict(opts.task, dev.examples);
      model.dispose();
      system = opts.model;
    } else {
      task = createTask(config);
      let train: unknown[] = [];
      if (opts.baseline === 'majority' || opts.baseline === 'lexicon' || opts.baseline === 'length-ratio') {
        if (opts.train) {
          const trainCfg = withSplit(config, 'train', opts.train, opts.format ?? guessFormat(opts.task, opts.train));
          train = loadTaskDataResult(trainCfg, { split: 'train', dataDir: '/' }).examples;
        } else {
          const d = chooseData({});
          train = loadTaskDataResult(loadTaskConfig(configFile), { split: 'train', sample: d.sample, dataDir: d.sample ? undefined : d.dir }).examples;
        }
      }
      if (opts.baseline === 'textrank') encoder = await loadEncoder({ model: opts.encoder ?? 'fixture:xlm-roberta', pooling: 'mean' });
      preds = await baselinePredictions(opts.baseline!, { task, train, dev: dev.examples, encoder, sentences: config.inference?.sentences });
      system = opts.baseline!;
    }
  } finally {
    await encoder?.dispose();
  }
  const result: EvalResult = {
    task: opts.task,
    system,
    data: resolve(opts.data),
    n: dev.examples.length,
    skipped: dev.skipped,
    metrics: task.metrics(dev.examples, preds),
  };
  const confusion = (task as { confusion?: (g: unknown[], p: unknown[]) => { labels: string[]; matrix: number[][] } }).confusion;
  if (typeof confusion === 'function') {
    const c = confusion.call(task, dev.examples, preds);
    result.confusion = { labels: c.labels, matrix: c.matrix };
  }
  return result;
}
