/**
 * The parameters of the BERT-family encoder graph: the names each export family gives its weights
 * (BERT/RoBERTa `encoder.layer.i.attention.self.query`, DistilBERT `transformer.layer.i.attention.q_lin`),
 * the node scopes torch's exporter derives from them, and the factory that draws each weight (or
 * takes the given trained values) in graph order.
 */
import { Rng } from '../utils/random.js';
import type { EncoderGraphSpec, InitScales, NamingScheme } from './bert-spec.js';

export interface Names {
  embeddings: string;
  word: string;
  position: string;
  tokenType: string;
  embLn: string;
  layer: (i: number) => string;
  q: string;
  k: string;
  v: string;
  attnOut: string;
  attnLn: string;
  ffnIn: string;
  ffnOut: string;
  outLn: string;
}

/** BERT, DistilBERT and RoBERTa exports name their embedding block alike. */
const EMBEDDING_NAMES = {
  embeddings: 'embeddings',
  word: 'embeddings.word_embeddings',
  position: 'embeddings.position_embeddings',
  tokenType: 'embeddings.token_type_embeddings',
  embLn: 'embeddings.LayerNorm',
} as const;

export function names(scheme: NamingScheme): Names {
  if (scheme === 'distilbert') {
    return {
      ...EMBEDDING_NAMES,
      layer: (i) => `transformer.layer.${i}`,
      q: 'attention.q_lin',
      k: 'attention.k_lin',
      v: 'attention.v_lin',
      attnOut: 'attention.out_lin',
      attnLn: 'sa_layer_norm',
      ffnIn: 'ffn.lin1',
      ffnOut: 'ffn.lin2',
      outLn: 'output_layer_norm',
    };
  }
  return {
    ...EMBEDDING_NAMES,
    layer: (i) => `encoder.layer.${i}`,
    q: 'attention.self.query',
    k: 'attention.self.key',
    v: 'attention.self.value',
    attnOut: 'attention.output.dense',
    attnLn: 'attention.output.LayerNorm',
    ffnIn: 'intermediate.dense',
    ffnOut: 'output.dense',
    outLn: 'output.LayerNorm',
  };
}

/** `a.b.c` → `/a/b/c` scope, as torch's exporter names nodes. */
export function scope(path: string): string {
  return '/' + path.split('.').join('/');
}

export class WeightFactory {
  private readonly rng: Rng;
  constructor(
    seed: number,
    readonly init: InitScales,
    private readonly given?: EncoderGraphSpec['weights'],
  ) {
    this.rng = new Rng(seed);
  }
  normal(n: number, std: number, mean = 0): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.rng.normal(mean, std);
    return out;
  }
  /** The named parameter: the given (trained) values, else `draw()`. */
  param(name: string, shape: readonly number[], draw: () => Float32Array): Float32Array {
    if (!this.given) return draw();
    const n = shape.reduce((a, b) => a * b, 1);
    const data = this.given(name, shape);
    if (data.length !== n)
      throw new Error(`encoder weights: ${name} has ${data.length} values, the graph needs [${shape.join(', ')}] = ${n}`);
    return data;
  }
}
