/**
 * Extractive summarization (input kind `set`): score every sentence of a document, pick the best.
 * The folder: ./config.ts (types, options schema), ./features.ts (per-sentence inputs),
 * ./selection.ts (the selection rule), ./heads.ts (the independent and the conditional head),
 * ./task.ts (the task), ./yaml.ts (its task-YAML declaration).
 *
 * Model. A document's sentences (the first `maxSentences`, default 40) are rows of the batch; a
 * batch holds `b` documents padded to the batch's longest one, rows [b × maxN] (padding rows are
 * zero vectors, masked out). After the shared layers, H is reshaped to [b, maxN, h]; the document
 * vector d is the masked mean of its sentence vectors; each sentence i of n gets
 *   [h_i, d, h_i ⊙ d, pos(i, n)] → Dense(hidden) → GELU → dropout → Dense(1) → logit,
 * with pos(i, n) = {@link positionFeatures}: i/n, 1/(i+1), first/last flags, sinusoids of i and
 * one-hot position buckets. Loss: binary cross-entropy per real sentence (mean over the real
 * sentences of the batch; padding masked out).
 *
 * Optional document-context features (`features`), computed from the frozen encoder vectors of the
 * document's scored sentences and appended to each sentence's input (and, through a linear skip
 * initialised at zero, to its logit): `textrank` (n × the sentence's TextRank PageRank score − 1,
 * the same graph as the `textrank` baseline: cosine similarities clipped at 0, damping 0.85),
 * `centrality` (mean cosine similarity to the other sentences) and `redundancy` (highest cosine
 * similarity to an earlier sentence), so centrality and repetition are learnt in training, not
 * only handled by trigram blocking at selection.
 *
 * Optional conditional selection (`selection: 'conditional'`; default 'independent', the head
 * above): redundancy learnt in training, not only handled at selection. Each sentence is scored
 * given the sentences already selected, through two selection-state features
 * ({@link selectionFeatures}): the highest cosine similarity of its encoder vector to a selected
 * sentence (0 when none is) and how many are selected. They enter the hidden layer (a weight
 * [2 × hidden] added to its pre-activation) and the logit (a linear skip initialised at zero).
 * Training uses teacher forcing on the greedy oracle's order: a document whose oracle added o₁, …,
 * o_K gives the K + 1 states {o₁, …, o_s}, s = 0…K, and the loss is the binary cross-entropy of
 * "belongs to the oracle summary" over the sentences not yet selected in each state (mean over
 * them; with explicit `labels` the labelled sentences are taken in document order). Inference is
 * greedy: pick one sentence under the selection limits, recompute the state features from the
 * picks, score the rest again, repeat. The head's outputs are then [b, S, maxN, 2]: per state the
 * logits and the loss weight (1 for a real sentence not yet selected in a state the document
 * reached), so the dev loss is measured along the head's own picks. Predictions' `scores` are the
 * first step's (nothing selected), a selected sentence's `score` the one it was picked with;
 * {@link reselect} re-selects from the first step's scores (no re-scoring).
 *
 * Labels. `labels` (0/1 per sentence) when given, else the greedy ROUGE oracle of `oracle.ts`
 * against `summary` (as BertSumExt builds its labels), computed once per example object and cached
 * (`prepare()` computes them for the training set up front).
 *
 * Inference ({@link selectSentences}, one pick at a time in {@link GreedySelection}): sentences by
 * descending score, with trigram blocking (a candidate sharing a trigram with an already selected
 * sentence is skipped), up to a count (`sentences`), a fraction of the document (`ratio`) and/or a
 * word budget (`words`); returned in document order. A `predict` call's `selection` overrides the
 * task's `inference` defaults for that call (the task's `decodeOptions`).
 *
 * Metrics: ROUGE-1, ROUGE-2, ROUGE-L, ROUGE-Lsum F × 100 (src/metrics, rouge-score compatible,
 * Porter stemming; best over several references).
 */
export {
  SUMMARIZATION_FEATURES,
  SUMMARIZATION_SELECTIONS,
  SelectionOptionsSchema,
  SummarizationOptions,
  type SelectedSentence,
  type SelectionOptions,
  type SummarizationBatch,
  type SummarizationConfig,
  type SummarizationExample,
  type SummarizationFeature,
  type SummarizationMetric,
  type SummarizationPrediction,
  type SummarizationSelection,
} from './config.js';
export {
  POSITION_FEATURES,
  SELECTION_FEATURES,
  documentFeatures,
  positionFeatures,
  selectionFeatures,
  similarityMatrix,
} from './features.js';
export { GreedySelection, reselect, selectSentences } from './selection.js';
export { ConditionalHead, IndependentHead, type SentenceHead } from './heads.js';
export { SUMMARIZATION_TYPE, SummarizationTask, summarizationTask } from './task.js';
export { summarizationYaml } from './yaml.js';
