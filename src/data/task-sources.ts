/**
 * The rows of each task's data sources (a task YAML's `data` / `sample` entries) in the shape the
 * task reads: labelled texts (SST-2, XLM-T, generic), translation pairs with a quality score
 * (MLQE-PE, generic) and documents with a reference summary (BBC News Summary, SciTLDR, generic).
 * The tasks' YAML declarations (src/tasks) call these; a format a task cannot read is a DataError
 * naming the file and the formats it can.
 */
import { loadBbc } from './bbc.js';
import { DataError, type LoadResult } from './errors.js';
import { loadMlqe } from './mlqe.js';
import { loadSciTldr } from './scitldr.js';
import { splitSentences } from './sentences.js';
import { genericSourceRows, isGenericFormat, requireField, type DataSource } from './source.js';
import { inDevSplit } from './split.js';
import { loadSst2 } from './sst2.js';
import { loadXlmt } from './xlmt.js';

export interface LabelledText {
  text: string;
  label: string;
}

export interface ScoredPair {
  source: string;
  translation: string;
  score: number;
  pair?: string;
  modelScore?: number;
  /** The raw DA rating (MLQE `mean`, 0–100) beside a z-score target. */
  da?: number;
  id?: string;
}

export interface SummarizedDocument {
  sentences: string[];
  summary: string | string[];
  id?: string;
}

/** Labelled texts from SST-2, XLM-T (`split` picks its train / valid file) or a generic file with `text` and `label`. */
export function loadLabelledTexts(path: string, source: DataSource, split: 'train' | 'dev'): LoadResult<LabelledText> {
  const mode = source.mode;
  if (source.format === 'sst2') return loadSst2(path, { mode });
  if (source.format === 'xlmt') {
    const r = loadXlmt(path, {
      mode,
      split: split === 'dev' ? 'valid' : 'train',
      ...(source.languages ? { languages: source.languages } : {}),
    });
    return { ...r, rows: r.rows.map((x) => ({ text: x.text, label: x.label })) };
  }
  if (isGenericFormat(source.format)) {
    const r = genericSourceRows(path, source);
    return {
      ...r,
      rows: r.rows.map((x, i) => ({ text: String(requireField(x, 'text', path, i)), label: String(requireField(x, 'label', path, i)) })),
    };
  }
  throw new DataError(path, undefined, `task "sentiment" cannot read format "${source.format}" (sst2, xlmt, csv, tsv, jsonl)`);
}

/** Scored translation pairs from MLQE-PE (target z_mean or mean) or a generic file with `source`, `translation` and the target column (default `score`). */
export function loadScoredPairs(path: string, source: DataSource): LoadResult<ScoredPair> {
  if (source.format === 'mlqe') {
    const target = source.target ?? 'z_mean';
    if (target !== 'z_mean' && target !== 'mean')
      throw new DataError(path, undefined, `mlqe target must be "z_mean" or "mean", got "${target}"`);
    const r = loadMlqe(path, { mode: source.mode, target, ...(source.pairs ? { pairs: source.pairs } : {}) });
    return {
      ...r,
      rows: r.rows.map((x): ScoredPair => ({
        source: x.source,
        translation: x.translation,
        score: x.score,
        pair: x.pair,
        modelScore: x.modelScore,
        id: x.id,
        // the raw DA beside a z-score target: the model's 0–100 scale
        ...(target === 'z_mean' && x.da !== undefined ? { da: x.da } : {}),
      })),
    };
  }
  if (isGenericFormat(source.format)) {
    const target = source.target ?? 'score';
    const r = genericSourceRows(path, source, target);
    return {
      ...r,
      rows: r.rows.map((x, i) => {
        const e: ScoredPair = {
          source: String(requireField(x, 'source', path, i)),
          translation: String(requireField(x, 'translation', path, i)),
          score: Number(requireField(x, target, path, i)),
        };
        if (x.pair !== undefined) e.pair = String(x.pair);
        if (x.modelScore !== undefined && String(x.modelScore).trim() !== '') e.modelScore = Number(x.modelScore);
        return e;
      }),
    };
  }
  throw new DataError(path, undefined, `task "translation-quality" cannot read format "${source.format}" (mlqe, csv, tsv, jsonl)`);
}

/**
 * Documents with their reference summary from BBC News Summary (summary sentences joined by "\n"),
 * SciTLDR (its targets) or a generic file with `text` (sentence-split) and `summary` (optional
 * `id`). A source's `split: { part, devFraction }` keeps the documents whose id hashes below
 * devFraction for `dev`.
 */
export function loadSummarizedDocuments(path: string, source: DataSource): LoadResult<SummarizedDocument> {
  let res: LoadResult<SummarizedDocument>;
  if (source.format === 'bbc') {
    const r = loadBbc(path, { mode: source.mode });
    res = { ...r, rows: r.rows.map((x) => ({ sentences: x.sentences, summary: x.summarySentences.join('\n'), id: x.id })) };
  } else if (source.format === 'scitldr') {
    const r = loadSciTldr(path, { mode: source.mode });
    res = { ...r, rows: r.rows.map((x) => ({ sentences: x.source, summary: x.targets, id: x.id })) };
  } else if (isGenericFormat(source.format)) {
    const r = genericSourceRows(path, source);
    res = {
      ...r,
      rows: r.rows.map((x, i) => {
        const e: SummarizedDocument = {
          sentences: splitSentences(String(requireField(x, 'text', path, i))),
          summary: String(requireField(x, 'summary', path, i)),
        };
        if (x.id !== undefined) e.id = String(x.id);
        return e;
      }),
    };
  } else throw new DataError(path, undefined, `task "summarization" cannot read format "${source.format}" (bbc, scitldr, csv, tsv, jsonl)`);
  if (source.split) {
    const { part, devFraction } = source.split;
    res = { ...res, rows: res.rows.filter((e, i) => inDevSplit(e.id ?? String(i), devFraction) === (part === 'dev')) };
  }
  return res;
}
