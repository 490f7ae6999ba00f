/**
 * The three tasks (sentiment, translation quality, extractive summarization), the generic tasks
 * they build on, and the glue from a parsed task config (tasks/*.yaml) to a task object and its
 * data: {@link createTask} and {@link loadTaskData}.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { DataSource, TaskConfig } from '../config/schema.js';
import { DataError, type LoadResult, type Problem } from '../data/errors.js';
import { loadBbc } from '../data/bbc.js';
import { loadGeneric, type GenericRow } from '../data/generic.js';
import { loadMlqe } from '../data/mlqe.js';
import { loadSciTldr } from '../data/scitldr.js';
import { splitSentences } from '../data/sentences.js';
import { loadSst2 } from '../data/sst2.js';
import { loadXlmt } from '../data/xlmt.js';
import { datasetsDir, packageRoot } from '../utils/paths.js';
import { SENTIMENT_FEATURES, SentimentTask, type SentimentExample, type SentimentFeature, type SentimentMetric } from './sentiment.js';
import {
  SUMMARIZATION_FEATURES,
  SummarizationTask,
  type SelectionOptions,
  type SummarizationExample,
  type SummarizationFeature,
  type SummarizationMetric,
} from './summarization.js';
import {
  TRANSLATION_QUALITY_FEATURES,
  TranslationQualityTask,
  type TranslationQualityExample,
  type TranslationQualityFeature,
  type TranslationQualityMetric,
} from './translation-quality.js';
import type { AnyTask } from './types.js';

export * from './types.js';
export { ClassificationTask, classificationTask } from './classification.js';
export type { ClassificationBatch, ClassificationConfig, ClassificationExample, ClassificationPrediction, Label } from './classification.js';
export { PairRegressionTask, pairRegressionTask } from './pair-regression.js';
export type { PairRegressionBatch, PairRegressionConfig, PairRegressionExample, PairRegressionPrediction } from './pair-regression.js';
export * from './sentiment.js';
export * from './translation-quality.js';
export * from './summarization.js';
export * from './oracle.js';

export type TaskExample = SentimentExample | TranslationQualityExample | SummarizationExample;

const EXPECTED_LOSS: Record<TaskConfig['name'], TaskConfig['loss']> = {
  sentiment: 'cross-entropy',
  'translation-quality': 'mse',
  summarization: 'binary-cross-entropy',
};

/** Build the task a parsed task config describes (name → implementation; head, metrics, inference). */
export function createTask(config: TaskConfig): AnyTask {
  const expected = EXPECTED_LOSS[config.name];
  if (!expected) throw new Error(`unknown task "${String(config.name)}" (known: ${Object.keys(EXPECTED_LOSS).join(', ')})`);
  if (config.loss !== expected) throw new Error(`task "${config.name}": loss must be "${expected}", got "${config.loss}"`);
  const head = config.head ?? { hidden: 128, dropout: 0.1 };
  let task: SentimentTask | TranslationQualityTask | SummarizationTask;
  if (config.input?.mode !== undefined && config.name !== 'translation-quality') throw new Error(`task "${config.name}": \`input.mode\` applies to translation-quality only`);
  const known = config.name === 'sentiment' ? SENTIMENT_FEATURES : config.name === 'summarization' ? SUMMARIZATION_FEATURES : TRANSLATION_QUALITY_FEATURES;
  const stray = config.input?.features.find((f) => !(known as readonly string[]).includes(f));
  if (stray) throw new Error(`task "${config.name}": unknown feature "${stray}" (known: ${known.join(', ')})`);
  switch (config.name) {
    case 'sentiment':
      task = new SentimentTask({
        name: config.name,
        ...(config.labels ? { labels: config.labels } : {}),
        hidden: head.hidden,
        dropout: head.dropout,
        primaryMetric: config.primaryMetric as SentimentMetric,
        ...(config.input ? { features: config.input.features as SentimentFeature[] } : {}),
      });
      break;
    case 'translation-quality': {
      const pairs = config.data.train.pairs ?? config.data.dev.pairs;
      task = new TranslationQualityTask({
        name: config.name,
        hidden: head.hidden,
        dropout: head.dropout,
        primaryMetric: config.primaryMetric as TranslationQualityMetric,
        ...(pairs ? { pairs } : {}),
        ...(config.input ? { input: config.input.mode ?? 'siamese', features: config.input.features as TranslationQualityFeature[] } : {}),
      });
      break;
    }
    case 'summarization': {
      const inference: SelectionOptions = {};
      const inf = config.inference;
      if (inf?.sentences !== undefined) inference.sentences = inf.sentences;
      if (inf?.ratio !== undefined) inference.ratio = inf.ratio;
      if (inf?.words !== undefined) inference.words = inf.words;
      inference.trigramBlocking = inf?.trigramBlocking ?? true;
      task = new SummarizationTask({
        name: config.name,
        hidden: head.hidden,
        dropout: head.dropout,
        primaryMetric: config.primaryMetric as SummarizationMetric,
        inference,
        // the oracle labels as many sentences as inference selects by count (BertSumExt: 3)
        ...(inf?.sentences !== undefined ? { oracleSentences: inf.sentences } : {}),
        ...(config.input ? { features: config.input.features as SummarizationFeature[] } : {}),
      });
      break;
    }
  }
  for (const m of config.metrics) {
    if (!(m in task.metricDirections)) throw new Error(`task "${config.name}": unknown metric "${m}" (known: ${Object.keys(task.metricDirections).join(', ')})`);
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
 * Fraction in [0, 1) from a document id, for the deterministic BBC train/dev split: the first 32
 * bits of sha256(id). (FNV-1a's high bits barely change between `politics/001` … `politics/417`,
 * which put no politics article in dev.)
 */
export function idFraction(id: string): number {
  return createHash('sha256').update(id).digest().readUInt32BE(0) / 2 ** 32;
}

/** True when a document id falls in the dev part of a hash split with the given dev fraction. */
export function inDevSplit(id: string, devFraction: number): boolean {
  return idFraction(id) < devFraction;
}

function genericRows(path: string, source: DataSource, numeric?: string): LoadResult<GenericRow> {
  if (!source.columns) throw new DataError(path, undefined, `format "${source.format}" needs a columns mapping`);
  return loadGeneric(path, { mode: source.mode, format: source.format as 'csv' | 'tsv' | 'jsonl', columns: source.columns, ...(numeric ? { numeric: [numeric] } : {}) });
}

function need(row: GenericRow, field: string, path: string, i: number): string | number {
  const v = row[field];
  if (v === undefined) throw new DataError(path, undefined, `row ${i + 1}: no "${field}" field (columns mapping must provide it)`);
  return v;
}

function loadSentiment(config: TaskConfig, path: string, source: DataSource, split: 'train' | 'dev'): LoadResult<SentimentExample> {
  const mode = source.mode;
  let res: LoadResult<SentimentExample>;
  if (source.format === 'sst2') res = loadSst2(path, { mode });
  else if (source.format === 'xlmt') {
    const r = loadXlmt(path, { mode, split: split === 'dev' ? 'valid' : 'train', ...(source.languages ? { languages: source.languages } : {}) });
    res = { ...r, rows: r.rows.map((x) => ({ text: x.text, label: x.label })) };
  } else if (source.format === 'csv' || source.format === 'tsv' || source.format === 'jsonl') {
    const r = genericRows(path, source);
    res = { ...r, rows: r.rows.map((x, i) => ({ text: String(need(x, 'text', path, i)), label: String(need(x, 'label', path, i)) })) };
  } else throw new DataError(path, undefined, `task "sentiment" cannot read format "${source.format}" (sst2, xlmt, csv, tsv, jsonl)`);
  if (config.labels) {
    const known = new Set(config.labels);
    const bad = res.rows.find((r) => !known.has(String(r.label)));
    if (bad) throw new DataError(path, undefined, `label ${JSON.stringify(bad.label)} is not in the label map [${config.labels.join(', ')}]`);
  }
  return res;
}

function loadTranslationQuality(path: string, source: DataSource): LoadResult<TranslationQualityExample> {
  if (source.format === 'mlqe') {
    const target = source.target ?? 'z_mean';
    if (target !== 'z_mean' && target !== 'mean') throw new DataError(path, undefined, `mlqe target must be "z_mean" or "mean", got "${target}"`);
    const r = loadMlqe(path, { mode: source.mode, target, ...(source.pairs ? { pairs: source.pairs } : {}) });
    return {
      ...r,
      rows: r.rows.map((x) => ({ source: x.source, translation: x.translation, score: x.score, pair: x.pair, modelScore: x.modelScore, id: x.id })),
    };
  }
  if (source.format === 'csv' || source.format === 'tsv' || source.format === 'jsonl') {
    const target = source.target ?? 'score';
    const r = genericRows(path, source, target);
    return {
      ...r,
      rows: r.rows.map((x, i) => {
        const e: TranslationQualityExample = { source: String(need(x, 'source', path, i)), translation: String(need(x, 'translation', path, i)), score: Number(need(x, target, path, i)) };
        if (x.pair !== undefined) e.pair = String(x.pair);
        if (x.modelScore !== undefined && String(x.modelScore).trim() !== '') e.modelScore = Number(x.modelScore);
        return e;
      }),
    };
  }
  throw new DataError(path, undefined, `task "translation-quality" cannot read format "${source.format}" (mlqe, csv, tsv, jsonl)`);
}

function loadSummarization(path: string, source: DataSource): LoadResult<SummarizationExample> {
  let res: LoadResult<SummarizationExample>;
  if (source.format === 'bbc') {
    const r = loadBbc(path, { mode: source.mode });
    res = { ...r, rows: r.rows.map((x) => ({ sentences: x.sentences, summary: x.summarySentences.join('\n'), id: x.id })) };
  } else if (source.format === 'scitldr') {
    const r = loadSciTldr(path, { mode: source.mode });
    res = { ...r, rows: r.rows.map((x) => ({ sentences: x.source, summary: x.targets, id: x.id })) };
  } else if (source.format === 'csv' || source.format === 'tsv' || source.format === 'jsonl') {
    const r = genericRows(path, source);
    res = {
      ...r,
      rows: r.rows.map((x, i) => {
        const e: SummarizationExample = { sentences: splitSentences(String(need(x, 'text', path, i))), summary: String(need(x, 'summary', path, i)) };
        if (x.id !== undefined) e.id = String(x.id);
        return e;
      }),
    };
  } else throw new DataError(path, undefined, `task "summarization" cannot read format "${source.format}" (bbc, scitldr, csv, tsv, jsonl)`);
  if (source.split) {
    const { part, devFraction } = source.split;
    res = {
      ...res,
      rows: res.rows.filter((e, i) => inDevSplit(e.id ?? String(i), devFraction) === (part === 'dev')),
    };
  }
  return res;
}

/**
 * Load one split of a task's data through src/data and map rows to the task's examples:
 * SST-2 / XLM-T → { text, label }; MLQE → { source, translation, score, pair, modelScore, id };
 * BBC → { sentences (article body), summary (summary sentences joined by "\n"), id };
 * SciTLDR → { sentences: source, summary: targets, id }. Generic csv/tsv/jsonl use the `columns`
 * mapping (sentiment: text, label; translation quality: source, translation, the target column
 * (default `score`), optional pair; summarization: text (sentence-split), summary, optional id).
 *
 * `data` paths are relative to `dataDir` (default datasetsDir()), `sample` paths to the package
 * root. A `split: { part, devFraction }` (BBC has no dev set) keeps the documents whose id hashes
 * (FNV-1a / 2³²) below devFraction for `dev` and the others for `train`: deterministic, no
 * overlap. `limit` keeps a prefix.
 */
export function loadTaskDataResult(config: TaskConfig, opts: LoadTaskDataOptions): TaskData {
  if (opts.split !== 'train' && opts.split !== 'dev') throw new Error(`loadTaskData: split must be "train" or "dev", got "${String(opts.split)}"`);
  const source = (opts.sample ? config.sample : config.data)[opts.split];
  const root = opts.sample ? packageRoot() : (opts.dataDir ?? datasetsDir());
  const path = isAbsolute(source.path) ? source.path : resolve(root, source.path);
  let res: LoadResult<TaskExample>;
  switch (config.name) {
    case 'sentiment':
      res = loadSentiment(config, path, source, opts.split);
      break;
    case 'translation-quality':
      res = loadTranslationQuality(path, source);
      break;
    case 'summarization':
      res = loadSummarization(path, source);
      break;
    default:
      throw new Error(`unknown task "${String((config as { name: unknown }).name)}"`);
  }
  const examples = source.limit !== undefined ? res.rows.slice(0, source.limit) : res.rows;
  return { examples, skipped: res.skipped, problems: res.problems, path, source };
}

/** The examples of one split (see {@link loadTaskDataResult} for the details and the problem report). */
export function loadTaskData(config: TaskConfig & { name: 'sentiment' }, opts: LoadTaskDataOptions): SentimentExample[];
export function loadTaskData(config: TaskConfig & { name: 'translation-quality' }, opts: LoadTaskDataOptions): TranslationQualityExample[];
export function loadTaskData(config: TaskConfig & { name: 'summarization' }, opts: LoadTaskDataOptions): SummarizationExample[];
export function loadTaskData(config: TaskConfig, opts: LoadTaskDataOptions): TaskExample[];
export function loadTaskData(config: TaskConfig, opts: LoadTaskDataOptions): TaskExample[] {
  return loadTaskDataResult(config, opts).examples;
}
