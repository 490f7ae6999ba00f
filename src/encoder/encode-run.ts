/**
 * The session side of every encode path: tokenizing a text or a text pair into a batch item, and running
 * item indices through the batch scheduler (batching.ts) on the ORT session, one finished batch at a time.
 */
import type { BackendSession, OutputTensor } from './backend/types.js';
import { runBatches, type BatchItem } from './batching.js';
import { buildFeeds } from './feeds.js';
import type { TruncatingTokenizer } from './tokenize.js';
import { UserError } from '../errors.js';

export interface EncoderStats {
  /** ORT session runs since load (the load-time probe, if any, is not counted). */
  runs: number;
  /** Texts tokenized since load. */
  tokenized: number;
  /** Vectors served from the cache since load. */
  cacheHits: number;
}

/** One finished batch: the output and the padding it was run with. */
export interface BatchOutput {
  output: OutputTensor;
  seq: number;
  mask: Uint8Array;
}

/** Tokenizes the item at a caller index. */
export type Tokenize = (index: number) => BatchItem;

export interface EncodeRunInit {
  session: BackendSession;
  tok: TruncatingTokenizer;
  stats: EncoderStats;
  batchTokens: number;
  maxBatchSize: number;
}

export class EncodeRun {
  constructor(private readonly init: EncodeRunInit) {}

  /** `texts[index]` as a batch item; a tokenizer failure names the text. */
  textItem(texts: readonly string[], index: number): BatchItem {
    try {
      const ids = this.init.tok.encode(texts[index]!);
      this.init.stats.tokenized++;
      return { index, ids };
    } catch (err) {
      throw new UserError(`failed to tokenize texts[${index}]: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /** `pairs[index]` as one sequence (token type 1 from the second text on); a tokenizer failure names the pair. */
  pairItem(pairs: readonly (readonly [string, string])[], index: number): BatchItem {
    try {
      const [a, b] = pairs[index]!;
      const { ids, typeStart } = this.init.tok.encodePair(a, b);
      this.init.stats.tokenized++;
      return typeStart < ids.length ? { index, ids, typeStart } : { index, ids };
    } catch (err) {
      throw new UserError(`failed to tokenize pairs[${index}]: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /** Tokenizes `indices` with `tokenize` and runs them in batches for output `outName`, calling `sink` per batch. */
  batches(
    indices: readonly number[],
    outName: string,
    tokenize: Tokenize,
    sink: (items: BatchItem[], batch: BatchOutput) => void,
  ): Promise<void> {
    const { session, tok, stats } = this.init;
    return runBatches<BatchOutput>(indices, {
      batchTokens: this.init.batchTokens,
      maxBatchSize: this.init.maxBatchSize,
      depth: session.concurrency ?? 1,
      tokenize,
      run: (items) => {
        const { feeds, seq, mask } = buildFeeds(items, tok.padId, session.inputNames);
        stats.runs++;
        return session.run(feeds, [outName]).then((res) => {
          const output = res[outName];
          if (!output) throw new Error(`ONNX Runtime returned no '${outName}'`);
          return { output, seq, mask };
        });
      },
      sink,
    });
  }
}
