/**
 * Baselines scored by the same task metrics as the models, on the same splits
 * (`mtl eval --baseline NAME`, and the baseline columns of training reports).
 */
import { fitSentimentBaseline } from '../baselines/sentiment.js';
import { summarizeBaseline } from '../baselines/summarization.js';
import { fitTranslationQualityBaseline } from '../baselines/translation-quality.js';
import type { SentenceEncoder } from '../encoder/types.js';
import { UserError } from '../errors.js';
import type { AnyTask } from '../tasks/types.js';
import type { SentimentExample, SentimentPrediction } from '../tasks/sentiment/index.js';
import type { SummarizationExample, SummarizationPrediction } from '../tasks/summarization/index.js';
import type { TranslationQualityExample } from '../tasks/translation-quality/index.js';

export const BASELINES: Record<string, readonly string[]> = {
  sentiment: ['majority', 'lexicon'],
  'translation-quality': ['model-scores', 'length-ratio'],
  summarization: ['lead1', 'lead3', 'textrank'],
};

export interface BaselineContext {
  task: AnyTask;
  /** Training examples, for baselines that fit something (majority label, lexicon threshold). */
  train: readonly unknown[];
  dev: readonly unknown[];
  /** Sentence vectors for textrank. */
  encoder?: SentenceEncoder;
  /** Summary length for the extractive baselines other than lead-k (default 3). */
  sentences?: number;
}

/** Predictions of a baseline on `dev`, in the task's own prediction shape. */
export async function baselinePredictions(name: string, ctx: BaselineContext): Promise<unknown[]> {
  const taskName = ctx.task.type;
  const known = BASELINES[taskName] ?? [];
  if (!known.includes(name)) throw new UserError(`baseline '${name}' does not apply to task '${taskName}' (known: ${known.join(', ')})`);
  if (taskName === 'sentiment') {
    const labels = (ctx.task.toSpec().config as { labels?: string[] }).labels ?? [];
    const train = ctx.train as SentimentExample[];
    const model = fitSentimentBaseline(
      name as 'majority' | 'lexicon',
      train.map((e) => ({ text: e.text, label: String(e.label) })),
      labels,
    );
    const dev = ctx.dev as SentimentExample[];
    return model
      .predict(dev.map((e) => e.text))
      .map((label): SentimentPrediction => ({ label, score: 1, probabilities: { [label]: 1 }, index: labels.indexOf(label) }));
  }
  if (taskName === 'translation-quality') {
    const model = fitTranslationQualityBaseline(name as 'model-scores' | 'length-ratio', ctx.train as TranslationQualityExample[]);
    const dev = ctx.dev as TranslationQualityExample[];
    if (name === 'model-scores' && dev.some((e) => typeof e.modelScore !== 'number'))
      throw new UserError('baseline model-scores needs the model_scores column (MLQE-PE format)');
    return model.predict(dev);
  }
  // summarization
  const dev = ctx.dev as SummarizationExample[];
  const k = ctx.sentences ?? 3;
  const out: SummarizationPrediction[] = [];
  for (const doc of dev) {
    let vectors: Float32Array[] | undefined;
    if (name === 'textrank') {
      if (!ctx.encoder) throw new UserError('baseline textrank needs an encoder (--encoder)');
      const enc = await ctx.encoder.encode(doc.sentences);
      const d = enc.dims[1];
      vectors = doc.sentences.map((_, i) => enc.data.subarray(i * d, (i + 1) * d));
    }
    const res = summarizeBaseline(name as 'lead1' | 'lead3' | 'textrank', doc.sentences, vectors, { k });
    out.push({
      summary: res.summary,
      sentences: res.indices.map((i) => ({ text: doc.sentences[i] as string, index: i, score: res.scores?.[i] ?? 1 })),
      scores: res.scores ?? doc.sentences.map((_, i) => (res.indices.includes(i) ? 1 : 0)),
    });
  }
  return out;
}

/** Metrics of a baseline on `dev`, computed by the task's own evaluator. */
export async function evaluateBaseline(name: string, ctx: BaselineContext): Promise<Record<string, number>> {
  const preds = await baselinePredictions(name, ctx);
  return ctx.task.metrics(ctx.dev, preds);
}
