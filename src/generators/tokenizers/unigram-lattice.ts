/** Viterbi segmentation of code points into Unigram pieces, over a character trie of the pieces. */

// A character trie over pieces (code points), rebuilt whenever the piece set changes.
export class Trie {
  private readonly children: Array<Map<number, number>> = [new Map()];
  private readonly piece: number[] = [-1];
  constructor(pieces: ReadonlyArray<readonly number[]>) {
    pieces.forEach((cps, id) => {
      let node = 0;
      for (const cp of cps) {
        const kids = this.children[node] as Map<number, number>;
        let next = kids.get(cp);
        if (next === undefined) {
          next = this.children.length;
          this.children.push(new Map());
          this.piece.push(-1);
          kids.set(cp, next);
        }
        node = next;
      }
      this.piece[node] = id;
    });
  }
  child(node: number, cp: number): number | undefined {
    return this.children[node]?.get(cp);
  }
  pieceAt(node: number): number {
    return this.piece[node] ?? -1;
  }
}

export interface Segmenter {
  trie: Trie;
  logp: Float64Array;
  unkScore: number;
}

// Work buffers for viterbi(), grown on demand (training is synchronous, so sharing is safe).
let bestBuf = new Float64Array(64);
let lenBuf = new Int32Array(64);
let idBuf = new Int32Array(64);

/**
 * Viterbi best segmentation of `cps`. Calls `emit` with the piece ids (-1 for an unknown
 * character) in order, and returns the total score. `exclude` is a piece id that may not span the
 * whole input (used for pruning).
 */
export function viterbi(seg: Segmenter, cps: readonly number[], exclude = -1, emit?: (id: number) => void): number {
  const n = cps.length;
  if (bestBuf.length < n + 1) {
    bestBuf = new Float64Array(2 * (n + 1));
    lenBuf = new Int32Array(2 * (n + 1));
    idBuf = new Int32Array(2 * (n + 1));
  }
  const best = bestBuf;
  const backLen = lenBuf;
  const backId = idBuf;
  best.fill(-Infinity, 0, n + 1);
  best[0] = 0;
  for (let s = 0; s < n; s++) {
    const base = best[s] as number;
    if (base === -Infinity) continue;
    let node: number | undefined = 0;
    let matchedSingle = false;
    for (let e = s; e < n; e++) {
      node = seg.trie.child(node, cps[e] as number);
      if (node === undefined) break;
      const id = seg.trie.pieceAt(node);
      if (id < 0) continue;
      if (id === exclude && s === 0 && e === n - 1) continue;
      if (e === s) matchedSingle = true;
      const sc = base + (seg.logp[id] as number);
      if (sc > (best[e + 1] as number)) {
        best[e + 1] = sc;
        backLen[e + 1] = e + 1 - s;
        backId[e + 1] = id;
      }
    }
    if (!matchedSingle) {
      const sc = base + seg.unkScore;
      if (sc > (best[s + 1] as number)) {
        best[s + 1] = sc;
        backLen[s + 1] = 1;
        backId[s + 1] = -1;
      }
    }
  }
  if (emit) for (let e = n; e > 0; e -= backLen[e] as number) emit(backId[e] as number);
  return best[n] as number;
}
