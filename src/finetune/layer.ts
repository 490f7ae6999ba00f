/**
 * The post-LN BERT layer (BERT, DistilBERT, XLM-R), written once on the reverse-mode builder
 * (./autodiff.ts), which gives its forward and backward ONNX graphs:
 *
 *   a   = softmax(Q·Kᵀ · scale + mask) · V            (per head; attention-probability dropout)
 *   h1  = LN1(x + dropout(a·Wo + bo))
 *   out = LN2(h1 + dropout(gelu_erf(h1·W1 + b1)·W2 + b2))
 *
 * Parameters are named `layer.<i>.<q|k|v|o|fc1|fc2>.<weight|bias>` and `layer.<i>.<ln1|ln2>.<weight|bias>`
 * (i = the layer's 0-based index in the model); linear weights are [in, out].
 */
import { Autodiff } from './autodiff.js';

export interface LayerShape {
  /** 0-based index of the layer in the whole model. */
  index: number;
  hidden: number;
  intermediate: number;
  heads: number;
  /** Multiplier of the attention scores (1/√head_dim in BERT). */
  scale: number;
  eps1: number;
  eps2: number;
}

export const LINEARS = ['q', 'k', 'v', 'o', 'fc1', 'fc2'] as const;
export type LinearName = (typeof LINEARS)[number];
export const NORMS = ['ln1', 'ln2'] as const;

/** The parameters of a layer and their shapes, in a fixed order. */
export function layerParams(s: LayerShape): { name: string; dims: number[] }[] {
  const H = s.hidden;
  const F = s.intermediate;
  const io: Record<LinearName, [number, number]> = { q: [H, H], k: [H, H], v: [H, H], o: [H, H], fc1: [H, F], fc2: [F, H] };
  const out: { name: string; dims: number[] }[] = [];
  for (const l of LINEARS) {
    out.push({ name: `layer.${s.index}.${l}.weight`, dims: io[l] });
    out.push({ name: `layer.${s.index}.${l}.bias`, dims: [io[l][1]] });
  }
  for (const n of NORMS) {
    out.push({ name: `layer.${s.index}.${n}.weight`, dims: [H] });
    out.push({ name: `layer.${s.index}.${n}.bias`, dims: [H] });
  }
  return out;
}

/** Names of the dropout mask inputs of layer `index`, with their shapes (B, T symbolic). */
export function dropoutMasks(index: number, s: { hidden: number; heads: number }): { name: string; dims: (number | string)[] }[] {
  return [
    { name: `dropout.${index}.attention`, dims: ['batch', s.heads, 'sequence', 'sequence'] },
    { name: `dropout.${index}.attention_output`, dims: ['batch', 'sequence', s.hidden] },
    { name: `dropout.${index}.output`, dims: ['batch', 'sequence', s.hidden] },
  ];
}

/** Emits one layer reading `x` [B, T, H] and the additive mask [B, 1, 1, T]; returns its output. */
export function emitLayer(ad: Autodiff, x: string, mask: string, s: LayerShape, dropout: boolean): string {
  const H = s.hidden;
  const d = H / s.heads;
  const p = (n: string) => ad.param(`layer.${s.index}.${n}`, layerParams(s).find((q) => q.name === `layer.${s.index}.${n}`)!.dims);
  const scope = `/layers.${s.index}`;
  const masks = dropout ? dropoutMasks(s.index, s).map((m) => ad.constant(m.name, m.dims)) : null;
  const lin = (name: LinearName, input: string, inF: number, outF: number) =>
    ad.linear(input, p(`${name}.weight`), p(`${name}.bias`), inF, outF, `${scope}/${name}`);
  const heads = (t: string, name: string) =>
    ad.transpose(ad.reshape(t, [0, 0, s.heads, d], [0, 0, H], `${scope}/${name}`), [0, 2, 1, 3], `${scope}/${name}`);

  const q = heads(lin('q', x, H, H), 'q_heads');
  const k = heads(lin('k', x, H, H), 'k_heads');
  const v = heads(lin('v', x, H, H), 'v_heads');
  const kt = ad.transpose(k, [0, 1, 3, 2], `${scope}/k_t`);
  const scores = ad.addConstant(ad.scale(ad.matmul(q, kt, 4, `${scope}/scores`), s.scale, `${scope}/scores`), mask, `${scope}/mask`);
  let probs = ad.softmax(scores, `${scope}/attention`);
  if (masks) probs = ad.dropout(probs, masks[0]!, `${scope}/attention`);
  const ctx = ad.matmul(probs, v, 4, `${scope}/context`);
  const merged = ad.reshape(ad.transpose(ctx, [0, 2, 1, 3], `${scope}/merge`), [0, 0, H], [0, 0, s.heads, d], `${scope}/merge`);
  let attnOut = lin('o', merged, H, H);
  if (masks) attnOut = ad.dropout(attnOut, masks[1]!, `${scope}/o`);
  const h1 = ad.layerNorm(ad.add(x, attnOut, `${scope}/residual1`), p('ln1.weight'), p('ln1.bias'), s.eps1, H, `${scope}/ln1`);
  let ffn = lin('fc2', ad.gelu(lin('fc1', h1, H, s.intermediate), `${scope}/gelu`), s.intermediate, H);
  if (masks) ffn = ad.dropout(ffn, masks[2]!, `${scope}/fc2`);
  return ad.layerNorm(ad.add(h1, ffn, `${scope}/residual2`), p('ln2.weight'), p('ln2.bias'), s.eps2, H, `${scope}/ln2`);
}
