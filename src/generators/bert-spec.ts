/** What the BERT-family graph generator (bert-graph.ts) is asked for: shape, conventions, initialisation, checked. */
import { UserError } from '../errors.js';

export type PositionScheme = { kind: 'absolute' } | { kind: 'roberta'; paddingIdx: number };
export type OutputScheme = 'last_hidden_state' | 'last_hidden_state+pooler' | 'sentence-transformers';
export type NamingScheme = 'bert' | 'distilbert' | 'roberta';

export interface InitScales {
  /** Std of word embeddings (large enough that sentences differ clearly after pooling). */
  wordStd: number;
  positionStd: number;
  tokenTypeStd: number;
  /** Linear weights get std = linearGain / sqrt(fan_in). */
  linearGain: number;
  biasStd: number;
  /** LayerNorm gamma = 1 + N(0, lnGammaStd), beta = N(0, lnBetaStd). */
  lnGammaStd: number;
  lnBetaStd: number;
}

export const DEFAULT_INIT: InitScales = {
  wordStd: 0.5,
  positionStd: 0.1,
  tokenTypeStd: 0.1,
  linearGain: 1,
  biasStd: 0.02,
  lnGammaStd: 0.05,
  lnBetaStd: 0.02,
};

export interface EncoderGraphSpec {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  maxPositionEmbeddings: number;
  /** Rows of the token type table; 0 = none (DistilBERT). */
  typeVocabSize: number;
  /** Whether `token_type_ids` is a graph input; without it the type row 0 is added to every token. */
  tokenTypeInput: boolean;
  positions: PositionScheme;
  /** Row of the word table zeroed like `nn.Embedding(padding_idx=...)`. */
  padTokenId: number;
  layerNormEps: number;
  naming: NamingScheme;
  outputs: OutputScheme;
  seed: number;
  init?: Partial<InitScales>;
  opset?: number;
  /** Free text stored in the model's doc_string. */
  docString?: string;
  /**
   * Trained weights instead of random ones: called with each parameter's Hugging Face name
   * (`encoder.layer.0.attention.self.query.weight`, …) and its shape in the graph (linear weights
   * `[in, out]`, as MatMul initializers; the pooler dense `[out, in]`). Must return exactly
   * `product(shape)` values; `seed` and `init` are then unused.
   */
  weights?: (name: string, shape: readonly number[]) => Float32Array;
}

/** Validate a spec; throws with a readable message. */
export function checkSpec(spec: EncoderGraphSpec): void {
  const ints: (keyof EncoderGraphSpec)[] = [
    'vocabSize',
    'hiddenSize',
    'numLayers',
    'numHeads',
    'intermediateSize',
    'maxPositionEmbeddings',
  ];
  for (const k of ints) {
    const v = spec[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
      throw new UserError(`encoder spec: ${k} must be a positive integer, got ${String(v)}`);
  }
  if (spec.hiddenSize % spec.numHeads !== 0)
    throw new UserError(`encoder spec: hiddenSize ${spec.hiddenSize} not divisible by numHeads ${spec.numHeads}`);
  if (spec.tokenTypeInput && spec.typeVocabSize < 1) throw new UserError('encoder spec: token_type_ids input needs typeVocabSize >= 1');
  if (spec.padTokenId < 0 || spec.padTokenId >= spec.vocabSize)
    throw new UserError(`encoder spec: padTokenId ${spec.padTokenId} out of range [0, ${spec.vocabSize})`);
  if (spec.positions.kind === 'roberta' && spec.positions.paddingIdx + 2 > spec.maxPositionEmbeddings)
    throw new UserError('encoder spec: maxPositionEmbeddings too small for roberta positions');
}
