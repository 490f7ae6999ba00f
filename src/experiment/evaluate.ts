/**
 * `mtl eval`: score a saved model or a baseline on any file in a supported format, with the same
 * evaluator the training reports use.
 */
import { existsSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { loadTaskConfig } from '../config/load.js';
import type { DataSource, TaskConfig } from '../config/schema.js';
import type { SentenceEncoder } from '../encoder/types.js';
import { DataError } from '../data/errors.js';
import { UserError } from '../errors.js';
import { createTask, loadTaskDataResult } from '../config/tasks.js';
import { yamlTasks } from '../tasks/registry.js';
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
  /**
   * csv/tsv/jsonl: task field → column (header name or JSON key), e.g. `{ text: 'review', label: 'stars' }`.
   * Default: the task's own field names (sentiment text, label; translation-quality source,
   * translation, score; summarization text, summary).
   */
  columns?: Record<string, string>;
  /** Warnings for the user (e.g. a corrupt embedding cache that was rebuilt). */
  warn?: (message: string) => void;
  /**
   * With `model`: the predictions come from here (evaluateDistributed: the workers), in the order of
   * `examples`; the model's weights are then read here without its encoder, for the task's evaluator.
   */
  predict?: (task: string, examples: readonly unknown[], model: string) => Promise<unknown[]>;
}

/** The fields each task reads from a generic csv/tsv/jsonl file (each task's `yaml.fields` in the task registry, read now). */
export function genericFields(): Record<string, readonly string[]> {
  return Object.fromEntries(yamlTasks().map(([name, t]) => [name, t.fields]));
}

/** Parse `text=review,label=stars` into a mapping; a malformed one is a UserError. */
export function parseColumns(spec: string, task?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const m = /^\s*([^=\s]+)\s*=\s*(.*?)\s*$/.exec(part);
    if (!m || m[2] === '')
      throw new UserError(
        `--columns ${JSON.stringify(spec)}: expected field=column pairs separated by commas, e.g. text=review,label=stars`,
      );
    if (Object.prototype.hasOwnProperty.call(out, m[1]!)) throw new UserError(`--columns: field "${m[1]}" given twice`);
    out[m[1]!] = m[2]!;
  }
  const fields = task ? genericFields()[task] : undefined;
  if (fields) {
    const unknown = Object.keys(out).filter((f) => !fields.includes(f) && f !== 'id' && f !== 'pair');
    if (unknown.length)
      throw new UserError(
        `--columns: task '${task}' has no field ${unknown.map((f) => `"${f}"`).join(', ')} (it reads ${fields.join(', ')})`,
      );
  }
  return out;
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
export function guessFormat(task: string, path: string, columns = false): DataSource['format'] {
  if (columns) {
    // --columns maps the fields of a generic file: the format is the file's kind
    const ext = extname(path).toLowerCase();
    if (ext === '.csv' || ext === '.tsv' || ext === '.jsonl') return ext.slice(1) as DataSource['format'];
    throw new UserError(`--columns applies to csv, tsv and jsonl files; ${path} is none of these by its name: pass --format csv|tsv|jsonl`);
  }
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

function withSplit(
  config: TaskConfig,
  split: 'train' | 'dev',
  path: string,
  format: DataSource['format'],
  columns?: Record<string, string>,
): TaskConfig {
  const source: DataSource = { ...config.data[split], format, path: resolve(path), mode: 'strict' };
  if (format === 'csv' || format === 'tsv' || format === 'jsonl') {
    // the task's own field names unless mapped: a file with "text"/"label" columns needs no --columns
    const fields = genericFields()[config.name] ?? [];
    source.columns = { ...Object.fromEntries(fields.map((f) => [f, f])), ...(columns ?? {}) };
    delete source.target; // the mlqe target column of the defaults; generic files map `score` instead
  } else delete source.columns;
  // a file given explicitly is used whole: no language/pair/hash-split filters of the defaults
  delete source.split;
  delete source.pairs;
  if (format !== 'xlmt') delete source.languages;
  return { ...config, data: { ...config.data, [split]: source } };
}

/** Load an eval file; a missing column gets the --columns hint, and no rows at all is an error naming the file. */
function loadEvalData(config: TaskConfig, split: 'train' | 'dev'): ReturnType<typeof loadTaskDataResult> {
  const source = config.data[split];
  let data: ReturnType<typeof loadTaskDataResult>;
  try {
    data = loadTaskDataResult(config, { split, dataDir: '/' });
  } catch (err) {
    if (err instanceof DataError && source.columns && /^missing (column )?"/.test(err.reason)) {
      const fields = Object.entries(source.columns)
        .map(([f, c]) => `${f}=${c}`)
        .join(',');
      throw new DataError(err.file, err.line, `${err.reason}; map the task's fields to your columns with --columns (now ${fields})`, {
        cause: err,
      });
    }
    throw err;
  }
  if (data.examples.length === 0) {
    const why = data.skipped > 0 ? `all ${data.skipped} records are malformed` : 'no records (empty, or a header only)';
    throw new UserError(`${data.path}: ${why}; nothing to ${split === 'dev' ? 'evaluate' : 'fit the baseline on'}`);
  }
  return data;
}

/**
 * Scores a saved model or a baseline on a data file with the task's own evaluator (what `mtl eval` runs).
 * @example
 * await evaluate({ task: 'sentiment', baseline: 'majority', data: 'fixtures/data/sentiment/dev.txt' })
 * // { task: 'sentiment', system: 'majority', data: '…/fixtures/data/sentiment/dev.txt', n: 80, skipped: 0,
 * //   metrics: { accuracy: 0.5, macro_f1: 0.3333 }, confusion: { labels: ['negative', 'positive'], matrix: [[0, 40], [0, 40]] } }
 * await evaluate({ task: 'sentiment', model: 'runs/quick-start', data: 'reviews.csv', columns: { text: 'review', label: 'stars' } })
 */
export async function evaluate(opts: EvalOptions): Promise<EvalResult> {
  if (!opts.model === !opts.baseline) throw new UserError('give exactly one of --model DIR or --baseline NAME');
  const configFile = opts.config ?? join(packageRoot(), 'tasks', `${opts.task}.yaml`);
  if (!existsSync(configFile)) throw new UserError(`unknown task '${opts.task}' (no ${configFile})`);
  if (!existsSync(opts.data)) throw new UserError(`--data ${opts.data}: not found`);
  let config = loadTaskConfig(configFile);
  const format = opts.format ?? guessFormat(opts.task, opts.data, opts.columns !== undefined);
  if (!opts.format)
    opts.warn?.(
      `--data ${opts.data}: read as format '${format}' (guessed from the path${opts.columns ? ' and --columns' : ''}; --format chooses)`,
    );
  if (opts.columns && format !== 'csv' && format !== 'tsv' && format !== 'jsonl') {
    throw new UserError(
      `--columns: ${opts.data} is read as ${format} (given by --format), which has fixed columns; pass --format csv, tsv or jsonl to map your own`,
    );
  }
  config = withSplit(config, 'dev', opts.data, format, opts.columns);
  const dev = loadEvalData(config, 'dev');

  let encoder: SentenceEncoder | undefined;
  let preds: unknown[];
  let system: string;
  let task;
  try {
    if (opts.model && opts.predict) {
      // nothing is encoded here: the weights alone give the task (labels, its metrics)
      const model = await MultiTaskModel.fromPretrained(opts.model, { encoder: null, log: false });
      try {
        task = model.task(opts.task);
      } finally {
        model.dispose();
      }
      preds = await opts.predict(opts.task, dev.examples, opts.model);
      if (preds.length !== dev.examples.length) throw new Error(`${preds.length} predictions for ${dev.examples.length} examples`);
      system = opts.model;
    } else if (opts.model) {
      const manifest = readModelManifest(opts.model);
      encoder = await loadEncoderFor(manifest.encoder, opts.encoder, opts.warn, opts.model);
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
          // --format describes --data; it applies to --train only when both have the same extension
          const sameKind = extname(opts.train).toLowerCase() === extname(opts.data).toLowerCase();
          const trainFormat = opts.format && sameKind ? opts.format : guessFormat(opts.task, opts.train, opts.columns !== undefined);
          const trainCfg = withSplit(config, 'train', opts.train, trainFormat, opts.columns);
          train = loadEvalData(trainCfg, 'train').examples;
        } else {
          const d = chooseData({});
          train = loadTaskDataResult(loadTaskConfig(configFile), {
            split: 'train',
            sample: d.sample,
            dataDir: d.sample ? undefined : d.dir,
          }).examples;
        }
      }
      if (opts.baseline === 'textrank')
        encoder = await loadEncoder(
          { model: opts.encoder ?? 'fixture:xlm-roberta', pooling: 'mean' },
          opts.warn ? { warn: opts.warn } : {},
        );
      preds = await baselinePredictions(opts.baseline!, {
        task,
        train,
        dev: dev.examples,
        encoder,
        sentences: config.name === 'summarization' ? config.inference?.sentences : undefined,
      });
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
