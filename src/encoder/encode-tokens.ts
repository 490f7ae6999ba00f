/** The token-level path shared by `encodeTokens` and `encodePairTokens`: states of every token, zero at padding; not cached. */
import type { EncoderInfo, TokenEncodeResult } from './types.js';
import type { EncodeRun, Tokenize } from './encode-run.js';
import { stackTokenStates } from './pooling.js';
import { UserError } from '../errors.js';

/** What the token-level path reads from the encoder. */
export interface TokenTarget {
  run: EncodeRun;
  info: EncoderInfo;
  pooledOutput: string;
  /** The graph's token-level output; undefined when it has none. */
  tokenOutput: string | undefined;
  /** The graph's outputs, named when it has no token-level one. */
  outputNames: readonly string[];
}

/** Token states ([n, longest, d]) and the attention mask of `n` items, tokenized with `tokenize`. */
export async function encodeTokenStates(t: TokenTarget, n: number, tokenize: Tokenize): Promise<TokenEncodeResult> {
  const tokenOutput = t.tokenOutput;
  if (tokenOutput === undefined) {
    throw new UserError(`model ${t.info.model} has no token-level output (outputs: ${t.outputNames.join(', ')})`);
  }
  const per: { states: Float32Array; len: number }[] = new Array(n);
  let d = 0;
  const all = Array.from({ length: n }, (_, i) => i);
  await t.run.batches(all, tokenOutput, tokenize, (items, { output, seq }) => {
    d = output.dims[2] ?? 0;
    for (let r = 0; r < items.length; r++) {
      const len = items[r]!.ids.length;
      per[items[r]!.index] = { states: output.data.slice(r * seq * d, (r * seq + len) * d), len };
    }
  });
  if (n === 0) {
    const dim = tokenOutput === t.pooledOutput ? t.info.dim : 0;
    return { dims: [0, 0, dim], data: new Float32Array(0), attentionMask: new Uint8Array(0), lengths: [] };
  }
  return stackTokenStates(per, d);
}
