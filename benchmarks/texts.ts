/**
 * The encoder benchmark's texts: real mixed-length sentences from the shared datasets (SST-2 dev,
 * MLQE-PE en-de dev sources and translations, BBC news sentences), shuffled with a fixed seed, and
 * long BBC articles for the fixed-length (L = 128) measurement.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetsDir } from '../src/utils/paths.js';
import { Rng } from '../src/utils/random.js';

/** SST-2 dev sentences. */
function sst2Dev(): string[] {
  const ds = datasetsDir();
  return readFileSync(join(ds, 'sentiment/sst2/stsa.binary.dev'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.slice(l.indexOf(' ') + 1));
}

/** MLQE-PE en-de dev, source and translation of each segment. */
function mlqeEnDeDev(): string[] {
  const tsv = readFileSync(join(datasetsDir(), 'translation-quality/mlqe-pe/dev/en-de.tsv'), 'utf8').split('\n');
  const head = tsv[0]!.split('\t');
  const oi = head.indexOf('original');
  const ti = head.indexOf('translation');
  const out: string[] = [];
  for (const l of tsv.slice(1)) {
    const c = l.split('\t');
    if (c.length > ti) out.push(c[oi]!, c[ti]!);
  }
  return out;
}

/** Sentences (> 20 characters) of the BBC articles, `perCategory` articles from each category. */
function bbcSentences(perCategory: number): string[] {
  const bbc: string[] = [];
  const root = join(datasetsDir(), 'summarization/bbc-news-summary/News Articles');
  for (const cat of readdirSync(root).sort()) {
    for (const f of readdirSync(join(root, cat)).sort().slice(0, perCategory)) {
      const body = readFileSync(join(root, cat, f), 'latin1');
      for (const para of body.split(/\n+/).slice(1)) {
        for (const s of para.split(/(?<=[.!?])\s+/)) if (s.trim().length > 20) bbc.push(s.trim());
      }
    }
  }
  return bbc;
}

export type Mix = 'short' | 'long' | 'mixed';
export const MIXES: readonly Mix[] = ['short', 'long', 'mixed'];

/**
 * The speed suite's three text mixes, n texts each (fewer if the source has fewer), shuffled with a
 * fixed seed: `short` = SST-2 dev + MLQE-PE en-de dev (both sides; 2,872 uniform short texts), `long`
 * = the BBC articles' sentences (the longest of them first picked: the longer half, ≥ 25 words),
 * `mixed` = a third of each source ({@link loadTexts}).
 */
export function mixTexts(mix: Mix, n: number): string[] {
  const rng = new Rng(`encoder-bench-${mix}`);
  if (mix === 'mixed') return loadTexts(n);
  if (mix === 'short') return rng.shuffle([...sst2Dev(), ...mlqeEnDeDev()]).slice(0, n);
  const long = bbcSentences(1000).filter((s) => s.split(/\s+/).length >= 25);
  return rng.shuffle(long).slice(0, n);
}

export function loadTexts(n: number): string[] {
  const ds = datasetsDir();
  const sst = sst2Dev();
  const mlqe = mlqeEnDeDev();
  const bbc: string[] = [];
  const root = join(ds, 'summarization/bbc-news-summary/News Articles');
  for (const cat of readdirSync(root).sort()) {
    for (const f of readdirSync(join(root, cat)).sort().slice(0, 40)) {
      const body = readFileSync(join(root, cat, f), 'latin1');
      for (const para of body.split(/\n+/).slice(1)) {
        for (const s of para.split(/(?<=[.!?])\s+/)) if (s.trim().length > 20) bbc.push(s.trim());
      }
    }
  }
  const rng = new Rng('encoder-bench');
  const pick = (xs: string[], k: number) => rng.shuffle(xs.slice()).slice(0, k);
  const third = Math.ceil(n / 3);
  return rng.shuffle([...pick(sst, third), ...pick(mlqe, third), ...pick(bbc, third)]).slice(0, n);
}

export function bbcLong(n: number): string[] {
  const root = join(datasetsDir(), 'summarization/bbc-news-summary/News Articles');
  const out: string[] = [];
  for (const cat of readdirSync(root).sort()) {
    for (const f of readdirSync(join(root, cat)).sort()) {
      const body = readFileSync(join(root, cat, f), 'latin1').replace(/\s+/g, ' ');
      if (body.length > 2000) out.push(body);
      if (out.length >= n) return out;
    }
  }
  return out;
}
