/** The options of fine-tuning the encoder's top layers (./finetune.ts): their defaults and checks. */
import { UserError } from '../errors.js';

export interface FinetuneOptions {
  /** Top transformer layers trained with the heads (0: the encoder stays frozen). */
  layers: number;
  /**
   * Peak learning rate of the top (default 3e-4, chosen on the small encoders this project ships and
   * tests on: docs/benchmarks.md, "Fine-tuning the top layers"; BERT-base-sized encoders usually want 2e-5–5e-5).
   */
  lr?: number;
  /** Fraction of the steps spent warming the learning rate up linearly (default 0.1); then linear decay to 0. */
  warmup?: number;
  /** Layer-wise decay: layer L − i learns at lr · layerDecay^i (default 1: the same rate). */
  layerDecay?: number;
  /** Dropout of the top in training (hidden and attention; default 0.1). */
  dropout?: number;
  /** AdamW's decoupled weight decay of the top (default 0.01). */
  weightDecay?: number;
  /** Memory budget of the bottom's token-state cache in MiB (default 1024; 0: recompute every batch). */
  cacheMB?: number;
}

export const FINETUNE_DEFAULTS = { lr: 3e-4, warmup: 0.1, layerDecay: 1, dropout: 0.1, weightDecay: 0.01, cacheMB: 1024 } as const;

/** Options with defaults, checked (a bad value names the field). */
export function checkFinetuneOptions(o: FinetuneOptions): Required<FinetuneOptions> {
  const c = {
    ...FINETUNE_DEFAULTS,
    ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
  } as Required<FinetuneOptions>;
  const bad = (field: string, why: string) =>
    new UserError(`finetune.${field} = ${String((c as unknown as Record<string, unknown>)[field])}: ${why}`);
  if (!Number.isInteger(c.layers) || c.layers < 0) throw bad('layers', 'must be an integer ≥ 0 (the top layers to train; 0 = frozen)');
  if (!(c.lr > 0)) throw bad('lr', 'must be > 0');
  if (!(c.warmup >= 0 && c.warmup <= 1)) throw bad('warmup', 'must be a fraction of the steps in [0, 1]');
  if (!(c.layerDecay > 0 && c.layerDecay <= 1)) throw bad('layerDecay', 'must be in (0, 1]');
  if (!(c.dropout >= 0 && c.dropout < 1)) throw bad('dropout', 'must be in [0, 1)');
  if (!(c.weightDecay >= 0)) throw bad('weightDecay', 'must be ≥ 0');
  if (!(c.cacheMB >= 0)) throw bad('cacheMB', 'must be ≥ 0');
  return c;
}
