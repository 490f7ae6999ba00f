/**
 * The two sentence heads of the summarization task behind one interface. Both start from the
 * scorer's hidden pre-activation of every sentence ([h_i, d, h_i ⊙ d, pos] → Dense(hidden), built
 * by the task) and its side-feature logit:
 *
 *  - {@link IndependentHead} (`selection: independent`): GELU → dropout → Dense(1), one logit per
 *    sentence, outputs [b, maxN]; selection by the fixed scores.
 *  - {@link ConditionalHead} (`selection: conditional`): each sentence is scored given the sentences
 *    already selected (selection-state features into the hidden layer and the logit); teacher forcing
 *    on the oracle's order in training, greedy picks at inference; outputs [b, S, maxN, 2] (per state
 *    the logits and the loss weights).
 */
import * as tf from '../../utils/tf.js';
import { dropout, gelu, type Dense, type ForwardContext } from '../../nn/layers.js';
import { type ParamStore } from '../../nn/params.js';
import type { SelectionOptions, SummarizationBatch, SummarizationPrediction } from './config.js';
import { SELECTION_FEATURES, selectionFeatures } from './features.js';
import { GreedySelection, selectSentences } from './selection.js';

/** What the heads share with the task: the output layer, the hidden width and the dropout rate. */
export interface Scorer {
  readonly out: Dense;
  readonly hidden: number;
  readonly dropoutRate: number;
  readonly name: string;
}

export interface SentenceHead {
  /** Register the head's own parameters under `prefix`. */
  build(store: ParamStore, prefix: string, opts: { group: 'task'; task: string }, hidden: number): void;
  /** Batch parts the head needs beyond the rows (conditional: similarities, teacher-forced states). */
  extras(
    orders: readonly number[][] | null,
    similarities: () => number[][][],
    counts: readonly number[],
    maxN: number,
  ): Pick<SummarizationBatch, 'similarities' | 'states'>;
  /** Outputs from the hidden pre-activation [b·maxN, hidden] and the side-feature logit [b·maxN, 1] (or null). */
  forward(
    pre: tf.Tensor2D,
    side: tf.Tensor2D | null,
    batch: SummarizationBatch,
    ctx: ForwardContext,
    selection: SelectionOptions,
    scorer: Scorer,
  ): tf.Tensor;
  /** Logits, loss weights and labels, broadcast alike, for the masked binary cross-entropy. */
  lossTerms(outputs: tf.Tensor, batch: SummarizationBatch): { logits: tf.Tensor; weights: tf.Tensor; labels: tf.Tensor };
  /** Logits of the first step (nothing selected), [b, maxN]. */
  firstLogits(outputs: tf.Tensor): tf.Tensor;
  decode(outputs: tf.Tensor, batch: SummarizationBatch, selection: SelectionOptions): SummarizationPrediction[];
}

/** Sentence probabilities of each document from [b, maxN] logits (its scored sentences only); `logits` runs inside a tidy. */
function probabilities(logits: () => tf.Tensor, batch: SummarizationBatch): number[][] {
  const p = tf.tidy(() => tf.sigmoid(logits()));
  const data = p.dataSync();
  p.dispose();
  return batch.counts.map((n, d) => Array.from(data.subarray(d * batch.maxN, d * batch.maxN + n)));
}

export class IndependentHead implements SentenceHead {
  build(): void {}

  extras(): Pick<SummarizationBatch, 'similarities' | 'states'> {
    return { similarities: null, states: null };
  }

  forward(
    pre: tf.Tensor2D,
    side: tf.Tensor2D | null,
    batch: SummarizationBatch,
    ctx: ForwardContext,
    _selection: SelectionOptions,
    scorer: Scorer,
  ): tf.Tensor {
    const hid = dropout(gelu(pre), scorer.dropoutRate, ctx) as tf.Tensor2D;
    let y = scorer.out.apply(hid);
    if (side) y = tf.add(y, side);
    return tf.reshape(y, [batch.size, batch.maxN]);
  }

  lossTerms(outputs: tf.Tensor, batch: SummarizationBatch): { logits: tf.Tensor; weights: tf.Tensor; labels: tf.Tensor } {
    const shape: [number, number] = [batch.size, batch.maxN];
    return { logits: outputs, weights: tf.tensor2d(batch.mask, shape), labels: tf.tensor2d(batch.targets as Float32Array, shape) };
  }

  firstLogits(outputs: tf.Tensor): tf.Tensor {
    return outputs;
  }

  decode(outputs: tf.Tensor, batch: SummarizationBatch, selection: SelectionOptions): SummarizationPrediction[] {
    return probabilities(() => outputs, batch).map((scores, d) => {
      const picked = selectSentences(batch.documents[d] as string[], scores, selection);
      return { summary: picked.map((s) => s.text).join('\n'), sentences: picked, scores };
    });
  }
}

export class ConditionalHead implements SentenceHead {
  private stateHidden: tf.Variable | null = null;
  private stateSkip: tf.Variable | null = null;

  build(store: ParamStore, prefix: string, opts: { group: 'task'; task: string }, hidden: number): void {
    this.stateHidden = store.add(`${prefix}.selected.hidden`, [SELECTION_FEATURES, hidden], 'glorot', { ...opts, decay: true });
    this.stateSkip = store.add(`${prefix}.selected.skip`, [SELECTION_FEATURES, 1], 'zeros', { ...opts, decay: false });
  }

  extras(
    orders: readonly number[][] | null,
    similarities: () => number[][][],
    counts: readonly number[],
    maxN: number,
  ): Pick<SummarizationBatch, 'similarities' | 'states'> {
    const sims = similarities();
    return { similarities: sims, states: orders ? teacherStates(orders, sims, counts, maxN) : null };
  }

  forward(
    pre: tf.Tensor2D,
    side: tf.Tensor2D | null,
    batch: SummarizationBatch,
    ctx: ForwardContext,
    selection: SelectionOptions,
    scorer: Scorer,
  ): tf.Tensor {
    const { size: b, maxN: N } = batch;
    const { hidden, out } = scorer;
    // logits [b, S, N] of S selection states (features [b × S × N × SELECTION_FEATURES])
    const score = (state: Float32Array, S: number): tf.Tensor3D => {
      const st = tf.tensor2d(state.slice(), [b * S * N, SELECTION_FEATURES]); // a copy: greedy() updates its buffer
      const z = tf.add(tf.reshape(pre, [b, 1, N, hidden]), tf.reshape(tf.matMul(st, this.stateHidden as tf.Variable), [b, S, N, hidden]));
      const hid = dropout(gelu(tf.reshape(z, [b * S * N, hidden])), scorer.dropoutRate, ctx) as tf.Tensor2D;
      let y = tf.reshape(tf.add(out.apply(hid), tf.matMul(st, this.stateSkip as tf.Variable)), [b, S, N]);
      if (side) y = tf.add(y, tf.reshape(side, [b, 1, N]));
      return y as tf.Tensor3D;
    };
    if (ctx.training) {
      if (!batch.states) throw new Error(`task "${scorer.name}": conditional selection trains on labelled batches only`);
      const { steps, features, weights } = batch.states;
      return tf.stack([score(features, steps), tf.tensor3d(weights, [b, steps, N])], 3);
    }
    return greedy(batch, score, selection);
  }

  lossTerms(outputs: tf.Tensor, batch: SummarizationBatch): { logits: tf.Tensor; weights: tf.Tensor; labels: tf.Tensor } {
    const [logits, weights] = tf.unstack(outputs, 3) as [tf.Tensor, tf.Tensor];
    return { logits, weights, labels: tf.expandDims(tf.tensor2d(batch.targets as Float32Array, [batch.size, batch.maxN]), 1) };
  }

  firstLogits(outputs: tf.Tensor): tf.Tensor {
    return tf.squeeze(tf.slice(outputs, [0, 0, 0, 0], [-1, 1, -1, 1]), [1, 3]);
  }

  /** Replays the greedy picks of {@link greedy} from the logits of each step. */
  decode(outputs: tf.Tensor, batch: SummarizationBatch, selection: SelectionOptions): SummarizationPrediction[] {
    const [, S, N] = outputs.shape as [number, number, number, number];
    const logits = tf.tidy(() => tf.squeeze(tf.slice(outputs, [0, 0, 0, 0], [-1, -1, -1, 1]), [3]));
    const probs = tf.sigmoid(logits);
    const [x, p] = [logits.dataSync(), probs.dataSync()];
    tf.dispose([logits, probs]);
    return batch.documents.map((doc, d) => {
      const n = batch.counts[d] as number;
      const row = (s: number) => (d * S + s) * N;
      const g = new GreedySelection(doc, n, selection);
      for (let s = 0; s < S && g.next(x.subarray(row(s), row(s) + n)) !== null; s++);
      const picked = g.chosen
        .map((i, s) => ({ text: doc[i] as string, index: i, score: p[row(s) + i] as number }))
        .sort((a, b) => a.index - b.index);
      return { summary: picked.map((t) => t.text).join('\n'), sentences: picked, scores: Array.from(p.subarray(row(0), row(0) + n)) };
    });
  }
}

/** The oracle-prefix states of each document (teacher forcing; see {@link SummarizationBatch.states}). */
function teacherStates(
  orders: readonly number[][],
  sims: readonly number[][][],
  counts: readonly number[],
  N: number,
): NonNullable<SummarizationBatch['states']> {
  const F = SELECTION_FEATURES;
  const steps = 1 + Math.max(0, ...orders.map((o) => o.length));
  const features = new Float32Array(orders.length * steps * N * F);
  const weights = new Float32Array(orders.length * steps * N);
  orders.forEach((order, d) => {
    for (let s = 0; s <= order.length; s++) {
      const chosen = order.slice(0, s);
      const f = selectionFeatures(sims[d] as number[][], chosen);
      for (let i = 0; i < (counts[d] as number); i++) {
        const r = (d * steps + s) * N + i;
        features.set(f[i] as number[], r * F);
        weights[r] = chosen.includes(i) ? 0 : 1;
      }
    }
  });
  return { steps, features, weights };
}

/**
 * Conditional inference: every document picks one sentence per step ({@link GreedySelection}, by
 * logit) and is scored again given its picks, until all are complete; [b, S, N, 2] as in training,
 * the states being the head's own picks.
 */
function greedy(batch: SummarizationBatch, score: (state: Float32Array, S: number) => tf.Tensor3D, selection: SelectionOptions): tf.Tensor {
  const { size: b, maxN: N, counts } = batch;
  const F = SELECTION_FEATURES;
  const sims = batch.similarities as number[][][];
  const selections = batch.documents.map((doc, d) => new GreedySelection(doc, counts[d] as number, selection));
  const active = selections.map(() => true);
  const state = new Float32Array(b * N * F);
  const logits: tf.Tensor[] = [];
  const weights: tf.Tensor[] = [];
  do {
    const w = new Float32Array(b * N);
    selections.forEach((g, d) => {
      if (active[d]) for (let i = 0; i < (counts[d] as number); i++) w[d * N + i] = g.chosen.includes(i) ? 0 : 1;
    });
    const y = score(state, 1); // [b, 1, N]
    logits.push(y);
    weights.push(tf.tensor3d(w, [b, 1, N]));
    const values = y.dataSync();
    selections.forEach((g, d) => {
      if (!active[d]) return;
      if (g.next(values.subarray(d * N, d * N + (counts[d] as number))) === null) active[d] = false;
      else selectionFeatures(sims[d] as number[][], g.chosen).forEach((f, i) => state.set(f, (d * N + i) * F));
    });
  } while (active.some(Boolean));
  return tf.stack([tf.concat(logits, 1), tf.concat(weights, 1)], 3);
}

export { probabilities };
