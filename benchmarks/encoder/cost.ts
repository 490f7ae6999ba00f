/** What the encoder computes: FLOPs per sequence, and padded tokens or FLOPs of a batching. */
import { planBatches } from '../../src/encoder/batching.js';

/** FLOPs of one forward pass of a BERT-style encoder at sequence length L (matmuls + attention). */
export function encoderFlops(config: Record<string, number>, L: number): number {
  const h = config.hidden_size ?? 384;
  const inter = config.intermediate_size ?? 4 * h;
  const layers = config.num_hidden_layers ?? 6;
  const perTokenMatmul = 2 * (4 * h * h + 2 * h * inter); // Q, K, V, O projections + FFN
  const perTokenAttention = 2 * 2 * L * h; // QKᵀ and softmax(QKᵀ)V
  return layers * L * (perTokenMatmul + perTokenAttention);
}

/**
 * What ORT computes for `lengths`, batched our way (length-sorted under the budget) and the peer's way
 * (32 in the given order): the sum over batches of rows × cost(padded length). cost = L counts padded
 * tokens, cost = encoderFlops(config, ·) counts FLOPs.
 */
export function padded(
  lengths: readonly number[],
  batchTokens: number,
  maxBatchSize: number,
  cost: (L: number) => number,
): { ours: number; peer: number } {
  const ours = planBatches(lengths, { batchTokens, maxBatchSize }).reduce(
    (a, b) => a + b.length * cost(Math.max(...b.map((i) => lengths[i]!))),
    0,
  );
  let peer = 0;
  for (let s = 0; s < lengths.length; s += 32) {
    const b = lengths.slice(s, s + 32);
    peer += b.length * cost(Math.max(...b));
  }
  return { ours, peer };
}
