/**
 * Loaders for the real datasets in their published formats (see ../shared/datasets/README.md),
 * plus a generic CSV/TSV/JSONL loader. Every loader takes `{ mode: 'strict' | 'lenient' }` and
 * returns `{ rows, skipped, problems }`; strict (default) throws a DataError naming file, line and
 * reason at the first malformed record.
 */
import { loadBbc } from './bbc.js';
import type { LoadMode, LoadResult } from './errors.js';
import { DataError } from './errors.js';
import { loadGeneric, type GenericRow } from './generic.js';
import { loadMlqe } from './mlqe.js';
import { loadSciTldr } from './scitldr.js';
import { loadSst2 } from './sst2.js';
import { loadXlmt } from './xlmt.js';
import type { BbcExample } from './bbc.js';
import type { MlqeExample } from './mlqe.js';
import type { SciTldrExample } from './scitldr.js';
import type { Sst2Example } from './sst2.js';
import type { XlmtExample } from './xlmt.js';

export { DataError, ProblemCollector, resolveMode, type LoadMode, type LoadOptions, type LoadResult, type Problem } from './errors.js';
export { SST2_LABELS, loadSst2, sst2Path, type Sst2Example, type Sst2Label } from './sst2.js';
export {
  XLMT_LABELS,
  XLMT_LANGUAGES,
  loadXlmt,
  unescapeTweet,
  xlmtRoot,
  type XlmtExample,
  type XlmtLabel,
  type XlmtOptions,
} from './xlmt.js';
export { MLQE_PAIRS, loadMlqe, mlqePath, type MlqeExample, type MlqeOptions } from './mlqe.js';
export { BBC_CATEGORIES, alignSummarySentences, bbcRoot, loadBbc, type BbcExample, type BbcOptions } from './bbc.js';
export { loadSciTldr, scitldrPath, type SciTldrExample } from './scitldr.js';
export { detectFormat, loadGeneric, type GenericFormat, type GenericOptions, type GenericRow } from './generic.js';
export { splitSentences } from './sentences.js';
export { decodeText } from './io.js';

export type DatasetFormat = 'sst2' | 'xlmt' | 'mlqe' | 'bbc' | 'scitldr' | 'csv' | 'tsv' | 'jsonl';

export interface DatasetSpec {
  format: DatasetFormat;
  /** File or folder (xlmt: file, language folder or root; mlqe: file or split folder; bbc: root). */
  path: string;
  /** csv/tsv/jsonl: output field → source column. */
  columns?: Record<string, string>;
  /** csv/tsv/jsonl: allowed labels (list, or raw value → label map). */
  labels?: readonly string[] | Readonly<Record<string, string>>;
  /** mlqe: `z_mean` (default) or `mean`. csv/tsv/jsonl: output field to parse as a number. */
  target?: string;
  mode?: LoadMode;
  /** xlmt: languages when `path` is the root; mlqe: pairs when `path` is a split folder; bbc: categories. */
  subsets?: readonly string[];
  /** xlmt: `train` | `valid` when `path` is a folder. */
  split?: 'train' | 'valid';
}

export type DatasetRow = Sst2Example | XlmtExample | MlqeExample | BbcExample | SciTldrExample | GenericRow;

export function loadDataset(spec: DatasetSpec & { format: 'sst2' }): LoadResult<Sst2Example>;
export function loadDataset(spec: DatasetSpec & { format: 'xlmt' }): LoadResult<XlmtExample>;
export function loadDataset(spec: DatasetSpec & { format: 'mlqe' }): LoadResult<MlqeExample>;
export function loadDataset(spec: DatasetSpec & { format: 'bbc' }): LoadResult<BbcExample>;
export function loadDataset(spec: DatasetSpec & { format: 'scitldr' }): LoadResult<SciTldrExample>;
export function loadDataset(spec: DatasetSpec & { format: 'csv' | 'tsv' | 'jsonl' }): LoadResult<GenericRow>;
export function loadDataset(spec: DatasetSpec): LoadResult<DatasetRow>;
export function loadDataset(spec: DatasetSpec): LoadResult<DatasetRow> {
  const mode = spec.mode ?? 'strict';
  switch (spec.format) {
    case 'sst2':
      return loadSst2(spec.path, { mode });
    case 'xlmt':
      return loadXlmt(spec.path, {
        mode,
        ...(spec.subsets ? { languages: spec.subsets } : {}),
        ...(spec.split ? { split: spec.split } : {}),
      });
    case 'mlqe': {
      const target = spec.target ?? 'z_mean';
      if (target !== 'z_mean' && target !== 'mean')
        throw new DataError(spec.path, undefined, `mlqe target must be "z_mean" or "mean", got "${target}"`);
      return loadMlqe(spec.path, { mode, target, ...(spec.subsets ? { pairs: spec.subsets } : {}) });
    }
    case 'bbc':
      return loadBbc(spec.path, { mode, ...(spec.subsets ? { categories: spec.subsets } : {}) });
    case 'scitldr':
      return loadSciTldr(spec.path, { mode });
    case 'csv':
    case 'tsv':
    case 'jsonl': {
      if (!spec.columns)
        throw new DataError(
          spec.path,
          undefined,
          `format "${spec.format}" needs a columns mapping, e.g. { text: 'review', label: 'stars' }`,
        );
      return loadGeneric(spec.path, {
        mode,
        format: spec.format,
        columns: spec.columns,
        ...(spec.labels ? { labels: spec.labels } : {}),
        ...(spec.target ? { numeric: [spec.target] } : {}),
      });
    }
    default:
      throw new DataError(
        spec.path,
        undefined,
        `unknown dataset format "${String((spec as { format: unknown }).format)}"; known: sst2, xlmt, mlqe, bbc, scitldr, csv, tsv, jsonl`,
      );
  }
}
