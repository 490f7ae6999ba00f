/**
 * Pooling of the fine-tuned top's token states into sentence vectors, forward (the encoder's own
 * pooling code, so eval-mode vectors equal the frozen encoder's) and backward (d loss / d pooled →
 * d loss / d token states), for mean, cls and max pooling with optional L2 normalisation; and the
 * top's token states of several passes as one encoder result (what `encodeTokens` returns).
 */
import { clsPool, l2NormalizeRows, maxPool, meanPool } from '../encoder/pooling.js';
import type { TokenEncodeResult } from '../encoder/types.js';

export type TopPooling = 'mean' | 'cls' | 'max';

/** Pooled vectors [rows, d] of token states [rows, seq, d] with the 0/1 mask [rows, seq]. */
export function poolStates(
  states: Float32Array,
  mask: Uint8Array,
  rows: number,
  seq: number,
  d: number,
  mode: TopPooling,
  normalize: boolean,
): Float32Array {
  const out = new Float32Array(rows * d);
  if (mode === 'mean') meanPool(states, mask, rows, seq, d, out);
  else if (mode === 'cls') clsPool(states, rows, seq, d, out);
  else maxPool(states, mask, rows, seq, d, out);
  if (normalize) l2NormalizeRows(out, rows, d);
  return out;
}

/**
 * d loss / d states [rows, seq, d] from d loss / d pooled [rows, d]. `states` are the token states the
 * pooled vectors came from (max pooling and normalisation need them).
 */
export function poolBackward(
  grad: Float32Array,
  states: Float32Array,
  mask: Uint8Array,
  rows: number,
  seq: number,
  d: number,
  mode: TopPooling,
  normalize: boolean,
): Float32Array {
  let g = grad;
  if (normalize) {
    // y = x / max(‖x‖, ε): dx = (g − y (y·g)) / ‖x‖
    const raw = poolStates(states, mask, rows, seq, d, mode, false);
    g = new Float32Array(rows * d);
    for (let r = 0; r < rows; r++) {
      const o = r * d;
      let s = 0;
      for (let k = 0; k < d; k++) s += raw[o + k]! * raw[o + k]!;
      const n = Math.max(Math.sqrt(s), 1e-12);
      let yg = 0;
      for (let k = 0; k < d; k++) yg += (raw[o + k]! / n) * grad[o + k]!;
      for (let k = 0; k < d; k++) g[o + k] = (grad[o + k]! - (raw[o + k]! / n) * yg) / n;
    }
  }
  const out = new Float32Array(rows * seq * d);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    const base = r * seq;
    if (mode === 'cls') {
      out.set(g.subarray(o, o + d), base * d);
    } else if (mode === 'mean') {
      let count = 0;
      for (let t = 0; t < seq; t++) if (mask[base + t]) count++;
      if (count === 0) continue;
      for (let t = 0; t < seq; t++) {
        if (!mask[base + t]) continue;
        const off = (base + t) * d;
        for (let k = 0; k < d; k++) out[off + k] = g[o + k]! / count;
      }
    } else {
      // the gradient goes to the first position holding the maximum, as the forward's strict '>' picks it
      for (let k = 0; k < d; k++) {
        let best = -1;
        let value = -Infinity;
        for (let t = 0; t < seq; t++) {
          if (!mask[base + t]) continue;
          const v = states[(base + t) * d + k]!;
          if (v > value) {
            value = v;
            best = t;
          }
        }
        if (best >= 0) out[(base + best) * d + k] = g[o + k]!;
      }
    }
  }
  return out;
}

/** Token states of passes through the top ([n, T, d] each, with their 0/1 mask) as one result padded to the longest. */
export function joinStates(
  passes: readonly { states: Float32Array; mask: Uint8Array; dims: [number, number, number] }[],
): TokenEncodeResult {
  const rows = passes.reduce((a, p) => a + p.dims[0], 0);
  const d = passes[0]?.dims[2] ?? 0;
  const T = Math.max(1, ...passes.map((p) => p.dims[1]));
  const data = new Float32Array(rows * T * d);
  const attentionMask = new Uint8Array(rows * T);
  const lengths: number[] = [];
  for (const p of passes) {
    const [n, t] = p.dims;
    for (let r = 0; r < n; r++) {
      let len = 0;
      for (let j = 0; j < t; j++) len += p.mask[r * t + j] as number;
      const row = lengths.length;
      data.set(p.states.subarray(r * t * d, (r * t + len) * d), row * T * d);
      attentionMask.fill(1, row * T, row * T + len);
      lengths.push(len);
    }
  }
  return { dims: [rows, T, d], data, attentionMask, lengths };
}
