/**
 * `corpus.bin`: the corpus pre-tokenized into the compact binary that the trainer (`pretrain/mtlpretrain`) reads
 * (layout in pretrain/FORMAT.md): sections of token sequences that already carry their special
 * tokens, as int32 offsets, int32 type-1 starts and uint16 (or int32) ids.
 *
 * - `mlm`: monolingual sentences packed in order into sequences of at most `maxLength` tokens
 *   (`[CLS] s1 s2 … [SEP]`, RoBERTa's FULL-SENTENCES packing), plus every translation pair as
 *   `[CLS] source [SEP] translation [SEP]` (translation language modelling, token types 0 / 1);
 * - `val`: the same kinds from about 1 % of the documents and pairs (chosen by hash), held back;
 * - `pairs_src` / `pairs_mt`: the training pairs one side at a time, for the contrastive phase;
 * - `sentences`: single sentences (`[CLS] s [SEP]`) for SimCSE.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PretrainCorpus } from './corpus.js';
import { SPECIAL_IDS, type WordPieceEncoder } from './tokenizer.js';
import { UserError } from '../errors.js';

export const BINARY_MAGIC = 'MTLPRE01';
export const SECTION_NAMES = ['mlm', 'val', 'pairs_src', 'pairs_mt', 'sentences'] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

export interface Sequence {
  ids: number[];
  /** Index of the first type-1 token (= length for single-segment sequences). */
  typeStart: number;
}

export interface PretokenizeOptions {
  maxLength: number;
  /** Fraction of documents and pairs held back for validation (default 0.01). */
  valFraction?: number;
  /** At most this many SimCSE sentences (default 100,000), spread over the corpus. */
  maxSentences?: number;
}

export interface PretokenizedCorpus {
  vocabSize: number;
  maxLength: number;
  sections: Record<SectionName, Sequence[]>;
  /** Tokens per source (before packing; specials not counted). */
  tokensPerSource: Record<string, number>;
}

function heldBack(text: string, fraction: number): boolean {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32 < fraction;
}

/** `[CLS] a [SEP] b [SEP]` truncated longest-first to maxLength (as tokenizers' pair truncation). */
function pairSequence(a: number[], b: number[], maxLength: number): Sequence {
  const budget = maxLength - 3;
  let x = a.length;
  let y = b.length;
  while (x + y > budget) {
    if (x >= y) x--;
    else y--;
  }
  const ids = [SPECIAL_IDS.cls, ...a.slice(0, x), SPECIAL_IDS.sep, ...b.slice(0, y), SPECIAL_IDS.sep];
  return { ids, typeStart: x + 2 };
}

function single(tokens: number[], maxLength: number): Sequence {
  const ids = [SPECIAL_IDS.cls, ...tokens.slice(0, maxLength - 2), SPECIAL_IDS.sep];
  return { ids, typeStart: ids.length };
}

/** Tokenizes and packs the corpus (see the module comment). Deterministic. */
export function pretokenize(corpus: PretrainCorpus, encoder: WordPieceEncoder, options: PretokenizeOptions): PretokenizedCorpus {
  const L = options.maxLength;
  if (!Number.isInteger(L) || L < 8) throw new UserError(`pretokenize: maxLength must be an integer >= 8, got ${L}`);
  const valFraction = options.valFraction ?? 0.01;
  const sections: Record<SectionName, Sequence[]> = { mlm: [], val: [], pairs_src: [], pairs_mt: [], sentences: [] };
  const tokensPerSource: Record<string, number> = {};
  const singles: Sequence[] = [];

  // Monolingual: pack each source's sentences in order; a sentence longer than a sequence is cut into pieces.
  const packers = new Map<string, { train: number[]; val: number[] }>();
  const flush = (buf: number[], into: Sequence[]): void => {
    if (buf.length > 0) into.push(single(buf.splice(0, buf.length), L));
  };
  for (const doc of corpus.documents) {
    const isVal = heldBack(doc.sentences[0] ?? '', valFraction);
    let p = packers.get(doc.source);
    if (!p) packers.set(doc.source, (p = { train: [], val: [] }));
    const buf = isVal ? p.val : p.train;
    const into = isVal ? sections.val : sections.mlm;
    for (const s of doc.sentences) {
      const tokens = encoder.encode(s);
      if (tokens.length === 0) continue;
      tokensPerSource[doc.source] = (tokensPerSource[doc.source] ?? 0) + tokens.length;
      if (!isVal && tokens.length >= 3) singles.push(single(tokens, L));
      for (let start = 0; start < tokens.length; start += L - 2) {
        const piece = tokens.slice(start, start + L - 2);
        if (buf.length + piece.length > L - 2) flush(buf, into);
        buf.push(...piece);
      }
    }
  }
  for (const p of packers.values()) {
    flush(p.train, sections.mlm);
    flush(p.val, sections.val);
  }

  for (const pair of corpus.pairs) {
    const a = encoder.encode(pair.src);
    const b = encoder.encode(pair.mt);
    if (a.length === 0 || b.length === 0) continue;
    tokensPerSource[pair.source] = (tokensPerSource[pair.source] ?? 0) + a.length + b.length;
    if (heldBack(pair.src, valFraction)) {
      sections.val.push(pairSequence(a, b, L));
      continue;
    }
    sections.mlm.push(pairSequence(a, b, L));
    sections.pairs_src.push(single(a, L));
    sections.pairs_mt.push(single(b, L));
  }

  const maxSentences = options.maxSentences ?? 100_000;
  if (singles.length <= maxSentences) sections.sentences = singles;
  else {
    const step = singles.length / maxSentences;
    sections.sentences = Array.from({ length: maxSentences }, (_, i) => singles[Math.floor(i * step)] as Sequence);
  }
  return { vocabSize: encoder.size, maxLength: L, sections, tokensPerSource };
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Serializes to the `MTLPRE01` layout of pretrain/FORMAT.md. */
export function encodeBinary(data: PretokenizedCorpus, extraHeader: Record<string, unknown> = {}): Uint8Array {
  const wide = data.vocabSize > 65_535;
  const layout: Record<
    string,
    {
      count: number;
      tokens: number;
      offsets: { byteOffset: number };
      typeStart: { byteOffset: number };
      ids: { byteOffset: number; dtype: string };
    }
  > = {};
  // Header size depends on the offsets it holds: lay out with a placeholder size, then fix point.
  let headerBytes = 0;
  let header = '';
  for (let pass = 0; pass < 4; pass++) {
    let pos = align8(12 + headerBytes);
    for (const name of SECTION_NAMES) {
      const seqs = data.sections[name];
      const tokens = seqs.reduce((a, s) => a + s.ids.length, 0);
      const offsets = pos;
      pos = align8(pos + 4 * (seqs.length + 1));
      const typeStart = pos;
      pos = align8(pos + 4 * seqs.length);
      const ids = pos;
      pos = align8(pos + (wide ? 4 : 2) * tokens);
      layout[name] = {
        count: seqs.length,
        tokens,
        offsets: { byteOffset: offsets },
        typeStart: { byteOffset: typeStart },
        ids: { byteOffset: ids, dtype: wide ? 'int32' : 'uint16' },
      };
    }
    header = JSON.stringify({
      version: 1,
      vocabSize: data.vocabSize,
      maxLength: data.maxLength,
      special: SPECIAL_IDS,
      sections: layout,
      tokensPerSource: data.tokensPerSource,
      ...extraHeader,
    });
    const size = Buffer.byteLength(header, 'utf8');
    if (size === headerBytes) break;
    headerBytes = size;
  }
  const last = layout[SECTION_NAMES[SECTION_NAMES.length - 1] as SectionName];
  if (!last) throw new Error('encodeBinary: no sections');
  const total = align8(last.ids.byteOffset + (wide ? 4 : 2) * last.tokens);
  const buf = Buffer.alloc(total);
  buf.write(BINARY_MAGIC, 0, 'ascii');
  buf.writeUInt32LE(headerBytes, 8);
  buf.write(header, 12, 'utf8');
  for (const name of SECTION_NAMES) {
    const seqs = data.sections[name];
    const l = layout[name];
    if (!l) continue;
    let off = 0;
    buf.writeInt32LE(0, l.offsets.byteOffset);
    seqs.forEach((s, i) => {
      if (s.ids.length > data.maxLength)
        throw new Error(`encodeBinary: ${name}[${i}] has ${s.ids.length} tokens > maxLength ${data.maxLength}`);
      for (let j = 0; j < s.ids.length; j++) {
        const id = s.ids[j] as number;
        if (wide) buf.writeInt32LE(id, l.ids.byteOffset + 4 * (off + j));
        else buf.writeUInt16LE(id, l.ids.byteOffset + 2 * (off + j));
      }
      off += s.ids.length;
      buf.writeInt32LE(off, l.offsets.byteOffset + 4 * (i + 1));
      buf.writeInt32LE(s.typeStart, l.typeStart.byteOffset + 4 * i);
    });
  }
  return buf;
}

/** Reads a `corpus.bin` back (tests; the trainer has its own reader). */
export function decodeBinary(bytes: Uint8Array, file = 'corpus.bin'): PretokenizedCorpus & { header: Record<string, unknown> } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || buf.toString('ascii', 0, 8) !== BINARY_MAGIC)
    throw new UserError(`${file}: not a pretraining corpus (no ${BINARY_MAGIC} magic); write one with \`mtl pretrain\``);
  const h = buf.readUInt32LE(8);
  const header = JSON.parse(buf.toString('utf8', 12, 12 + h)) as {
    vocabSize: number;
    maxLength: number;
    tokensPerSource: Record<string, number>;
    sections: Record<
      SectionName,
      {
        count: number;
        tokens: number;
        offsets: { byteOffset: number };
        typeStart: { byteOffset: number };
        ids: { byteOffset: number; dtype: string };
      }
    >;
  };
  const sections = {} as Record<SectionName, Sequence[]>;
  for (const name of SECTION_NAMES) {
    const l = header.sections[name];
    const seqs: Sequence[] = [];
    for (let i = 0; i < l.count; i++) {
      const a = buf.readInt32LE(l.offsets.byteOffset + 4 * i);
      const b = buf.readInt32LE(l.offsets.byteOffset + 4 * (i + 1));
      const ids: number[] = [];
      for (let j = a; j < b; j++)
        ids.push(l.ids.dtype === 'int32' ? buf.readInt32LE(l.ids.byteOffset + 4 * j) : buf.readUInt16LE(l.ids.byteOffset + 2 * j));
      seqs.push({ ids, typeStart: buf.readInt32LE(l.typeStart.byteOffset + 4 * i) });
    }
    sections[name] = seqs;
  }
  return {
    vocabSize: header.vocabSize,
    maxLength: header.maxLength,
    sections,
    tokensPerSource: header.tokensPerSource,
    header: header as unknown as Record<string, unknown>,
  };
}

export function readBinary(path: string): ReturnType<typeof decodeBinary> {
  return decodeBinary(readFileSync(path), path);
}
