/**
 * The batch scheduler (src/encoder/batching.ts) and the feeds it is run with (feeds.ts), without
 * ONNX Runtime: fake runs with random delays, checked against the scheduler's promises.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { paddedLength, runBatches, type BatchItem } from '../../src/encoder/batching.js';
import { buildFeeds } from '../../src/encoder/feeds.js';
import { dedupe, textKeys } from '../../src/encoder/inputs.js';
import '../property/helpers.js';

interface Trace {
  tokenized: number[];
  batches: BatchItem[][];
  sunk: BatchItem[][];
  maxInFlight: number;
  /** At each sink call: batches launched so far. */
  launchedAtSink: number[];
}

async function trace(
  lengths: number[],
  o: { batchTokens: number; maxBatchSize: number; depth: number; firstWindow: number; window: number; delays: number[] },
): Promise<Trace> {
  const t: Trace = { tokenized: [], batches: [], sunk: [], maxInFlight: 0, launchedAtSink: [] };
  let inFlight = 0;
  const indices = lengths.map((_, i) => i);
  await runBatches<number>(indices, {
    ...o,
    tokenize: (i) => {
      t.tokenized.push(i);
      return { index: i, ids: Array.from({ length: lengths[i]! }, (_, j) => j) };
    },
    run: async (items) => {
      t.batches.push(items);
      inFlight++;
      t.maxInFlight = Math.max(t.maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, o.delays[t.batches.length % o.delays.length]));
      inFlight--;
      return items.length;
    },
    sink: (items, rows) => {
      expect(rows).toBe(items.length);
      t.sunk.push(items);
      t.launchedAtSink.push(t.batches.length);
    },
  });
  return t;
}

describe('runBatches', () => {
  it('runs every text once, within the budget, one window at a time, longest first, up to depth in flight', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 120 }),
        fc.record({
          batchTokens: fc.integer({ min: 1, max: 300 }),
          maxBatchSize: fc.integer({ min: 1, max: 12 }),
          depth: fc.integer({ min: 1, max: 4 }),
          firstWindow: fc.integer({ min: 1, max: 40 }),
          window: fc.integer({ min: 1, max: 50 }),
          delays: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 5 }),
        }),
        async (lengths, o) => {
          const t = await trace(lengths, o);
          const all = lengths.map((_, i) => i);
          expect([...t.tokenized].sort((a, b) => a - b)).toEqual(all);
          expect(
            t.sunk
              .flat()
              .map((it) => it.index)
              .sort((a, b) => a - b),
          ).toEqual(all);
          expect(t.sunk.length).toBe(t.batches.length);
          const windowOf = (i: number) => (i < o.firstWindow ? 0 : 1 + Math.floor((i - o.firstWindow) / o.window));
          let lastWindow = 0;
          for (const b of t.batches) {
            const lens = b.map((it) => it.ids.length);
            expect(b.length).toBeLessThanOrEqual(o.maxBatchSize);
            if (b.length > 1) expect(b.length * Math.max(...lens)).toBeLessThanOrEqual(o.batchTokens);
            expect(lens).toEqual([...lens].sort((x, y) => y - x));
            const w = new Set(b.map((it) => windowOf(it.index)));
            expect(w.size).toBe(1);
            const win = [...w][0]!;
            expect(win).toBeGreaterThanOrEqual(lastWindow);
            lastWindow = win;
          }
          expect(t.maxInFlight).toBeLessThanOrEqual(o.depth);
          // each finished batch is passed on after its successors were started
          t.launchedAtSink.forEach((launched, k) => expect(launched).toBe(Math.min(t.batches.length, k + 1 + o.depth)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('names the failed batch (indices, rows × padded length) and keeps the cause', async () => {
    const cause = new Error('out of memory');
    const lengths = [3, 9, 4, 9, 2, 7, 1, 5, 6, 8];
    const run = runBatches(
      lengths.map((_, i) => i),
      {
        batchTokens: 1000,
        maxBatchSize: 100,
        tokenize: (i) => ({ index: i, ids: new Array<number>(lengths[i]!).fill(0) }),
        run: () => Promise.reject(cause),
        sink: () => expect.unreachable('no batch succeeds'),
      },
    );
    await expect(run).rejects.toThrow(
      'inference failed for a batch of 10 texts (indices 1, 3, 9, 5, 8, 7, 2, 0, …; 10×9 tokens): out of memory',
    );
    await run.catch((err: Error) => expect(err.cause).toBe(cause));
  });

  it('passes a tokenizer failure and a synchronous run failure through as they are', async () => {
    const base = { batchTokens: 10, maxBatchSize: 2, sink: () => undefined };
    const bad = new Error('bad text');
    await expect(
      runBatches([0, 1], {
        ...base,
        tokenize: () => {
          throw bad;
        },
        run: () => Promise.resolve(0),
      }),
    ).rejects.toBe(bad);
    const sync = new Error('feeds');
    await expect(
      runBatches([0], {
        ...base,
        tokenize: (i) => ({ index: i, ids: [1] }),
        run: () => {
          throw sync;
        },
      }),
    ).rejects.toBe(sync);
  });

  it('runs nothing for no texts', async () => {
    let runs = 0;
    await runBatches([], {
      batchTokens: 10,
      maxBatchSize: 2,
      tokenize: () => expect.unreachable(),
      run: async () => runs++,
      sink: () => expect.unreachable(),
    });
    expect(runs).toBe(0);
  });
});

describe('buildFeeds', () => {
  it('pads to the longest row and fills mask, token types and positions as a per-token reference does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ ids: fc.array(fc.integer({ min: 0, max: 999 }), { maxLength: 12 }), cut: fc.option(fc.nat(12)) }), {
          minLength: 1,
          maxLength: 6,
        }),
        (rows) => {
          const items: BatchItem[] = rows.map((r, index) =>
            r.cut !== null && r.cut < r.ids.length ? { index, ids: r.ids, typeStart: r.cut } : { index, ids: r.ids },
          );
          const { feeds, seq, mask } = buildFeeds(items, 7, ['input_ids', 'attention_mask', 'token_type_ids', 'position_ids']);
          expect(seq).toBe(Math.max(1, ...rows.map((r) => r.ids.length)));
          expect(seq).toBe(paddedLength(items));
          for (const f of Object.values(feeds)) expect(f.dims).toEqual([items.length, seq]);
          items.forEach((it, r) => {
            for (let j = 0; j < seq; j++) {
              const k = r * seq + j;
              const real = j < it.ids.length;
              expect(feeds.input_ids!.data[k]).toBe(BigInt(real ? it.ids[j]! : 7));
              expect(mask[k]).toBe(real ? 1 : 0);
              expect(feeds.attention_mask!.data[k]).toBe(real ? 1n : 0n);
              expect(feeds.token_type_ids!.data[k]).toBe(real && it.typeStart !== undefined && j >= it.typeStart ? 1n : 0n);
              expect(feeds.position_ids!.data[k]).toBe(real ? BigInt(j) : 0n);
            }
          });
        },
      ),
    );
  });

  it('feeds only the inputs the graph declares', () => {
    const { feeds } = buildFeeds([{ index: 0, ids: [1, 2] }], 0, ['input_ids']);
    expect(Object.keys(feeds)).toEqual(['input_ids']);
  });
});

describe('dedupe and text keys', () => {
  it('keeps the first of each key not cached, in input order, and maps repeats to it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', 'c', '\u0000x'), { maxLength: 20 }),
        fc.array(fc.boolean(), { maxLength: 20 }),
        (texts, cached) => {
          const keys = textKeys(texts);
          const hits = new Map(texts.flatMap((_, i) => (cached[i] ? [[i, 0] as const] : [])));
          const { todo, dupes } = dedupe(keys, hits);
          const rest = texts.map((_, i) => i).filter((i) => !hits.has(i));
          expect([...todo, ...dupes.map(([i]) => i)].sort((a, b) => a - b)).toEqual(rest);
          expect(new Set(todo.map((i) => keys[i])).size).toBe(todo.length);
          for (const [i, f] of dupes) {
            expect(keys[f]).toBe(keys[i]);
            expect(todo).toContain(f);
            expect(f).toBeLessThan(i);
          }
        },
      ),
    );
    expect(textKeys(['\u0000x', 'y'])).toEqual(['\u0000text\u0000x', 'y']);
  });
});
