/** The ONNX inputs of one batch: padded ids, attention mask, token types and positions, as the graph declares them. */
import type { InputTensor } from './backend/types.js';
import { paddedLength, type BatchItem } from './batching.js';

/** The inputs a text encoder can feed. */
export const SUPPORTED_INPUTS: ReadonlySet<string> = new Set(['input_ids', 'attention_mask', 'token_type_ids', 'position_ids']);

/**
 * The feeds of `items` for a graph with inputs `inputNames`: rows padded with `padId` to the longest
 * item; `mask` (1 = real token) is returned for pooling.
 */
export function buildFeeds(
  items: readonly BatchItem[],
  padId: number,
  inputNames: readonly string[],
): { feeds: Record<string, InputTensor>; seq: number; mask: Uint8Array } {
  const rows = items.length;
  const seq = paddedLength(items);
  const n = rows * seq;
  const ids = new BigInt64Array(n).fill(BigInt(padId));
  const mask = new Uint8Array(n);
  for (let r = 0; r < rows; r++) {
    const t = items[r]!.ids;
    const o = r * seq;
    for (let j = 0; j < t.length; j++) ids[o + j] = BigInt(t[j]!);
    mask.fill(1, o, o + t.length);
  }
  const dims = [rows, seq];
  const feeds: Record<string, InputTensor> = {};
  for (const name of inputNames) {
    if (name === 'input_ids') feeds[name] = { data: ids, dims };
    else if (name === 'attention_mask') {
      const m = new BigInt64Array(n);
      for (let i = 0; i < n; i++) if (mask[i]) m[i] = 1n;
      feeds[name] = { data: m, dims };
    } else if (name === 'token_type_ids') {
      const tt = new BigInt64Array(n);
      for (let r = 0; r < rows; r++) {
        const it = items[r]!;
        if (it.typeStart !== undefined) tt.fill(1n, r * seq + it.typeStart, r * seq + it.ids.length);
      }
      feeds[name] = { data: tt, dims };
    } else if (name === 'position_ids') {
      const p = new BigInt64Array(n);
      for (let r = 0; r < rows; r++) for (let j = 0; j < items[r]!.ids.length; j++) p[r * seq + j] = BigInt(j);
      feeds[name] = { data: p, dims };
    }
  }
  return { feeds, seq, mask };
}
