/**
 * The batch scheduler: length-sorted batching under a token budget ({@link planBatches}) and the
 * pipeline that tokenizes windows of texts, plans their batches and keeps batches in flight
 * ({@link runBatches}). Nothing here knows ONNX Runtime: the caller supplies `tokenize` and `run`.
 */

export interface BatchPlanOptions {
  /** rows × padded length must stay within this (a single over-long row still gets its own batch). */
  batchTokens: number;
  maxBatchSize: number;
}

/**
 * Groups items (by index into `lengths`) into batches: sorted by length (longest first, so a memory
 * problem shows up at once), each batch padded only to its own longest item, rows × longest ≤ batchTokens
 * and rows ≤ maxBatchSize. Returns batches of indices into `lengths`.
 */
export function planBatches(lengths: readonly number[], opts: BatchPlanOptions): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: number[][] = [];
  let cur: number[] = [];
  let curMax = 0;
  for (const i of order) {
    const len = lengths[i]!;
    const newMax = Math.max(curMax, len);
    if (cur.length > 0 && (cur.length + 1 > opts.maxBatchSize || (cur.length + 1) * newMax > opts.batchTokens)) {
      batches.push(cur);
      cur = [];
      curMax = 0;
    }
    cur.push(i);
    curMax = Math.max(curMax, len);
  }
  if (cur.length) batches.push(cur);
  return batches;
}

/** One tokenized text (or text pair) on its way through a batch. */
export interface BatchItem {
  /** Index into the caller's texts. */
  index: number;
  ids: number[];
  /** Text pairs: where token type 1 starts (absent: all type 0). */
  typeStart?: number;
}

/** The padded length of a batch: its longest item (at least 1). */
export function paddedLength(items: readonly BatchItem[]): number {
  let seq = 1;
  for (const it of items) if (it.ids.length > seq) seq = it.ids.length;
  return seq;
}

export interface RunBatchesOptions<R> extends BatchPlanOptions {
  /** Tokenizes the text at a caller index. */
  tokenize: (index: number) => BatchItem;
  /** Starts one batch; its rejection becomes an error naming the batch. */
  run: (items: BatchItem[]) => Promise<R>;
  /** Receives each finished batch, after its successors have been started. */
  sink: (items: BatchItem[], result: R) => void;
  /** Batches in flight at once (a worker pool: one per worker); default 1. */
  depth?: number;
  /** Texts tokenized and planned before the first run (default 256: the first batch starts early). */
  firstWindow?: number;
  /** Texts per later window (default 2048). */
  window?: number;
}

/**
 * Tokenizes and runs `indices`, calling `sink` per batch. Windows of texts (input order) are
 * tokenized, length-sorted and batched under the token budget. Up to `depth` batches are in flight,
 * and the next batch is started before a finished one is passed to `sink`: where the runs are
 * asynchronous (WebGPU, a wasm worker, a worker pool), pooling and tokenizing overlap them; where a run
 * is synchronous (a plain onnxruntime-node session) the order costs nothing. The next window is
 * tokenized a slice at a time between runs, so that it is ready when the current one is used up.
 */
export async function runBatches<R>(indices: readonly number[], opts: RunBatchesOptions<R>): Promise<void> {
  const { tokenize } = opts;
  const first = opts.firstWindow ?? 256;
  const later = opts.window ?? 2048;
  const windows: number[][] = [];
  for (let s = 0; s < indices.length;) {
    const size = windows.length === 0 ? first : later;
    windows.push(indices.slice(s, s + size));
    s += size;
  }
  let w = 0;
  let batches: BatchItem[][] = [];
  let nextItems: BatchItem[] = [];
  const plan = (items: BatchItem[]) =>
    planBatches(
      items.map((it) => it.ids.length),
      opts,
    ).map((b) => b.map((k) => items[k]!));
  const tokenizeMore = (count: number) => {
    const win = windows[w + 1];
    if (!win) return;
    const end = Math.min(win.length, nextItems.length + count);
    for (let k = nextItems.length; k < end; k++) nextItems.push(tokenize(win[k]!));
  };
  /** The next batch, planning the next window when the current one is used up; null at the end. */
  const nextBatch = (): BatchItem[] | null => {
    if (batches.length === 0) {
      const win = windows[w + 1];
      if (!win) return null;
      tokenizeMore(win.length);
      batches = plan(nextItems);
      nextItems = [];
      w++;
    }
    return batches.shift() ?? null;
  };
  batches = plan(windows[0]?.map((i) => tokenize(i)) ?? []);

  type Done = { items: BatchItem[]; result: R } | { items: BatchItem[]; error: unknown };
  // settled into a value, so that a failure is reported with the batch it belongs to
  const start = (items: BatchItem[]): Promise<Done> =>
    opts.run(items).then(
      (result): Done => ({ items, result }),
      (error: unknown): Done => ({ items, error }),
    );
  const depth = Math.max(1, opts.depth ?? 1);
  const running = new Map<number, Promise<{ key: number; done: Done }>>();
  let launched = 0;
  const launch = (): boolean => {
    const items = nextBatch();
    if (!items) return false;
    const key = launched++;
    running.set(
      key,
      start(items).then((done) => ({ key, done })),
    );
    return true;
  };
  while (running.size < depth && launch());
  while (running.size > 0) {
    const nextWin = windows[w + 1];
    if (nextWin) tokenizeMore(Math.ceil((nextWin.length - nextItems.length) / (batches.length + 1)));
    const { key, done } = await Promise.race(running.values());
    running.delete(key);
    if ('error' in done) throw batchError(done.items, done.error);
    while (running.size < depth && launch());
    opts.sink(done.items, done.result);
  }
}

function batchError(items: readonly BatchItem[], err: unknown): Error {
  const which = items.map((it) => it.index);
  return new Error(
    `inference failed for a batch of ${items.length} texts (indices ${which.slice(0, 8).join(', ')}${which.length > 8 ? ', …' : ''}; ${items.length}×${paddedLength(items)} tokens): ${err instanceof Error ? err.message : String(err)}`,
    { cause: err },
  );
}
