/**
 * The glue from a parsed task config (tasks/*.yaml) to a task object and its data:
 * {@link createTask} and {@link loadTaskData}. Each task's part (its loss, its options, how it is
 * built and how its rows are read) is its entry in the task registry (src/tasks/registry.ts).
 */
import { isAbsolute, resolve } from 'node:path';
import type { LoadResult, Problem } from '../data/errors.js';
import type { DataSource } from '../data/source.js';
import type { TaskExample } from '../tasks/index.js';
import type { SentimentExample } from '../tasks/sentiment/index.js';
import type { SummarizationExample } from '../tasks/summarization/index.js';
import type { TranslationQualityExample } from '../tasks/translation-quality/index.js';
import { yamlTasks } from '../tasks/registry.js';
import type { AnyTask } from '../tasks/types.js';
import type { TaskYaml } from '../tasks/yaml.js';
import { datasetsDir, packageRoot } from '../utils/paths.js';
import { EXPECTED_LOSS, type TaskConfig } from './schema.js';
import { UserError } from '../errors.js';

export { idFraction, inDevSplit } from '../data/split.js';
export { EXPECTED_LOSS };

/** The registry's YAML declaration of a task config's `name` (an Error naming the known tasks when there is none). */
function declaration(config: TaskConfig): TaskYaml {
  const name = String(config.name);
  const tasks = yamlTasks();
  const entry = tasks.find(([type]) => type === name)?.[1];
  if (!entry) throw new UserError(`unknown task "${name}" (known: ${tasks.map(([type]) => type).join(', ')})`);
  return entry;
}

/**
 * Build the task a parsed task config describes (name → registry entry; head, metrics, the task's options).
 * @example
 * const task = createTask(loadTaskConfig('tasks/sentiment.yaml'));
 * task.name // 'sentiment' (a SentimentTask: attention pooling + lexicon, as the YAML says)
 */
export function createTask(config: TaskConfig): AnyTask {
  const entry = declaration(config);
  if (config.loss !== entry.loss) throw new UserError(`task "${config.name}": loss must be "${entry.loss}", got "${config.loss}"`);
  const task = entry.create({ ...config, head: config.head ?? { hidden: 128, dropout: 0.1 } });
  for (const m of config.metrics) {
    if (!(m in task.metricDirections))
      throw new UserError(`task "${config.name}": unknown metric "${m}" (known: ${Object.keys(task.metricDirections).join(', ')})`);
  }
  return task;
}

export interface LoadTaskDataOptions {
  /** Root of the real data (`data` paths are relative to it). Default datasetsDir(). */
  dataDir?: string;
  /** Load the self-written samples (`sample` paths, relative to the package root) instead. */
  sample?: boolean;
  split: 'train' | 'dev';
}

export interface TaskData<E = TaskExample> {
  examples: E[];
  /** Malformed records skipped (lenient mode). */
  skipped: number;
  problems: Problem[];
  /** The resolved file or folder. */
  path: string;
  source: DataSource;
}

/**
 * Load one split of a task's data through src/data and map rows to the task's examples (each
 * task's `load` in the registry):
 * SST-2 / XLM-T → { text, label }; MLQE → { source, translation, score, pair, modelScore, id };
 * BBC → { sentences (article body), summary (summary sentences joined by "\n"), id };
 * SciTLDR → { sentences: source, summary: targets, id }. Generic csv/tsv/jsonl use the `columns`
 * mapping (sentiment: text, label; translation quality: source, translation, the target column
 * (default `score`), optional pair; summarization: text (sentence-split), summary, optional id).
 *
 * `data` paths are relative to `dataDir` (default datasetsDir()), `sample` paths to the package
 * root. A `split: { part, devFraction }` (BBC has no dev set) keeps the documents whose id hashes
 * (sha256, see idFraction) below devFraction for `dev` and the others for `train`: deterministic,
 * no overlap. A data source's `limit` keeps its first N rows (trainFromConfig's `limit` option, by
 * contrast, takes N evenly spaced examples).
 */
export function loadTaskDataResult(config: TaskConfig, opts: LoadTaskDataOptions): TaskData {
  if (opts.split !== 'train' && opts.split !== 'dev')
    throw new UserError(`loadTaskData: split must be "train" or "dev", got "${String(opts.split)}"`);
  const source = (opts.sample ? config.sample : config.data)[opts.split];
  const root = opts.sample ? packageRoot() : (opts.dataDir ?? datasetsDir());
  const path = isAbsolute(source.path) ? source.path : resolve(root, source.path);
  const res = declaration(config).load(config, path, source, opts.split) as LoadResult<TaskExample>;
  const examples = source.limit !== undefined ? res.rows.slice(0, source.limit) : res.rows;
  return { examples, skipped: res.skipped, problems: res.problems, path, source };
}

/**
 * The examples of one split (see {@link loadTaskDataResult} for the details and the problem report).
 * @example
 * const train = loadTaskData(config, { split: 'train', sample: true }); // the samples in fixtures/data
 * train.length  // 320
 * train[0]      // { text: 'not bad for a place this busy : the soup is full of flavour .', label: 'positive' }
 * loadTaskData(config, { split: 'dev', dataDir: '../shared/datasets' })  // the real SST-2 dev split
 */
export function loadTaskData(config: TaskConfig & { name: 'sentiment' }, opts: LoadTaskDataOptions): SentimentExample[];
export function loadTaskData(config: TaskConfig & { name: 'translation-quality' }, opts: LoadTaskDataOptions): TranslationQualityExample[];
export function loadTaskData(config: TaskConfig & { name: 'summarization' }, opts: LoadTaskDataOptions): SummarizationExample[];
export function loadTaskData(config: TaskConfig, opts: LoadTaskDataOptions): TaskExample[];
export function loadTaskData(config: TaskConfig, opts: LoadTaskDataOptions): TaskExample[] {
  return loadTaskDataResult(config, opts).examples;
}
