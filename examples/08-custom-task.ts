// %% [markdown]
// # 08 · A task of your own
//
// The three built-in tasks are plug-ins of one contract (`Task`), and a task you write is a
// first-class citizen: it trains next to the built-in ones, predicts through the same
// `model.predict(name, inputs, options)`, saves with the model, and loads again with
// `MultiTaskModel.fromPretrained` once its type is registered.
//
// This notebook writes a small one: the **topic of a BBC headline** (business, entertainment,
// politics, sport, tech), trained together with the built-in summarization task on the same
// articles. What a task says:
//
// | member | what for |
// | --- | --- |
// | `encoderInputs(example)` | what the encoder reads (texts, or `{ pair: [a, b] }` encoded as one sequence) |
// | `toExample(input)` | how a user's input to `predict` becomes an example (here: a headline) |
// | `decodeOptions(call)` | the options of one `predict` call it takes (here: `top`, the k best topics) |
// | `prepare`, `buildHead`, `makeBatch`, `forward`, `loss`, `decode`, `metrics` | its head, loss and metrics |
// | `toSpec()` + a registered `create(spec)` | how it is saved and rebuilt |

// %%
import {
  Dense,
  dropout,
  gelu,
  loadBbc,
  loadEncoder,
  loadTaskConfig,
  loadTaskData,
  markdownTable,
  MultiTaskModel,
  createTask,
  taskTypes,
  tf,
  type CallOptions,
  type EncoderInput,
  type FeatureLookup,
  type ForwardContext,
  type MetricDirection,
  type ParamStore,
  type SummarizationExample,
  type Task,
  type TaskBatch,
  type TaskSpec,
} from 'mtl-nlp';
import { join } from 'node:path';
import { chooseExampleData, DEVICE, elapsed, ENCODER, ENCODER_DTYPE, heading, OUTPUT, QUICK, rel, repoPath } from './common.js';

const data = chooseExampleData();
console.log(`# 08 · A custom task${QUICK ? ' (quick mode)' : ''}`);
console.log(`data: ${data.describe} · encoder: ${ENCODER}`);

// %% [markdown]
// ## The task
//
// A headline is one text, so the encoder reads one vector per example; after the shared layers a
// small head (Dense → GELU → dropout → Dense) gives one logit per topic, trained with softmax
// cross-entropy. `decode` reads the call's `top` from `batch.decodeOptions` (the model puts there
// what `decodeOptions` returned for that call), so two calls with different options never mix.
// Heads use the package's own TensorFlow.js (`tf` from `mtl-nlp`) and layers.

// %%
interface Headline {
  title: string;
  topic?: string;
}
interface TopicPrediction {
  topic: string;
  top: { topic: string; probability: number }[];
}
interface TopicBatch extends TaskBatch {
  targets: Float32Array | null;
}

class HeadlineTopicTask implements Task<Headline, TopicPrediction, TopicBatch> {
  readonly type = 'headline-topic';
  readonly inputKind = 'single' as const;
  readonly lossKind = 'classification' as const;
  readonly metricDirections: Readonly<Record<string, MetricDirection>> = { accuracy: 'higher' };
  readonly primaryMetric = 'accuracy';
  readonly name: string;
  topics: string[] | null;
  private hidden: Dense | null = null;
  private out: Dense | null = null;

  constructor(options: { name?: string; topics?: string[] | null } = {}) {
    this.name = options.name ?? 'topic';
    this.topics = options.topics ?? null;
  }
  encoderInputs(e: Headline): EncoderInput[] {
    return [e.title];
  }
  toExample(input: unknown): Headline {
    if (typeof input === 'string') return { title: input };
    throw new Error(`task "${this.name}": an input is a headline (a string), got ${JSON.stringify(input)}`);
  }
  decodeOptions({ top = 1, ...rest }: CallOptions): { top: number } {
    if (Object.keys(rest).length) throw new Error(`task "${this.name}": unknown options ${Object.keys(rest).join(', ')} (known: top)`);
    if (!Number.isInteger(top) || (top as number) < 1)
      throw new RangeError(`task "${this.name}": top must be a positive integer, got ${String(top)}`);
    return { top: top as number };
  }
  prepare(train: readonly Headline[]): void {
    this.topics ??= [...new Set(train.map((e) => e.topic as string))].sort();
  }
  isPrepared(): boolean {
    return this.topics !== null;
  }
  buildHead(store: ParamStore, inputDim: number, prefix: string): void {
    const opts = { group: 'task' as const, task: this.name };
    this.hidden = new Dense(store, `${prefix}.hidden`, inputDim, 64, opts);
    this.out = new Dense(store, `${prefix}.out`, 64, this.topics!.length, opts);
  }
  makeBatch(examples: readonly Headline[], features: FeatureLookup, dim: number): TopicBatch {
    const k = this.topics!.length;
    const rows = new Float32Array(examples.length * dim);
    const hasTargets = examples.every((e) => e.topic !== undefined);
    const targets = hasTargets ? new Float32Array(examples.length * k) : null;
    examples.forEach((e, i) => {
      rows.set(features(e.title), i * dim);
      if (targets) targets[i * k + this.topics!.indexOf(e.topic!)] = 1;
    });
    return { rows, numRows: examples.length, size: examples.length, hasTargets, targets };
  }
  forward(H: tf.Tensor2D, _batch: TopicBatch, ctx: ForwardContext): tf.Tensor {
    return this.out!.apply(dropout(gelu(this.hidden!.apply(H)), 0.1, ctx) as tf.Tensor2D);
  }
  loss(logits: tf.Tensor, batch: TopicBatch): tf.Scalar {
    const y = tf.tensor2d(batch.targets!, [batch.size, this.topics!.length]);
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), -1))) as tf.Scalar;
  }
  decode(logits: tf.Tensor, batch: TopicBatch): TopicPrediction[] {
    const { top } = (batch.decodeOptions as { top: number } | undefined) ?? { top: 1 };
    const k = this.topics!.length;
    const probs = tf.tidy(() => tf.softmax(logits)).dataSync() as Float32Array;
    return Array.from({ length: batch.size }, (_, i) => {
      const ranked = this.topics!.map((topic, c) => ({ topic, probability: probs[i * k + c]! })).sort(
        (a, b) => b.probability - a.probability,
      );
      return { topic: ranked[0]!.topic, top: ranked.slice(0, top) };
    });
  }
  metrics(gold: readonly Headline[], pred: readonly TopicPrediction[]): Record<string, number> {
    return { accuracy: gold.filter((e, i) => e.topic === pred[i]!.topic).length / gold.length };
  }
  toSpec(): TaskSpec {
    return { type: this.type, name: this.name, config: { topics: this.topics } };
  }
}

// %% [markdown]
// ## Data
//
// The headlines and categories of BBC News Summary (its articles also train the built-in
// summarization task, split as `tasks/summarization.yaml` says). One headline in four goes to dev.
// The articles are stored by category, so we take evenly spaced ones to cover every category.

// %%
const bbc = loadBbc(
  data.sample ? repoPath('fixtures', 'data', 'summarization') : join(data.dataDir!, 'summarization', 'bbc-news-summary'),
).rows;
/** At most `n` items, evenly spaced through the list. */
const evenly = <T>(list: T[], n: number): T[] =>
  list.length <= n ? list : Array.from({ length: n }, (_, i) => list[Math.floor((i * list.length) / n)]!);
const headlines = bbc.map((a) => ({ title: a.title, topic: a.category }));
const topicTrain = evenly(
  headlines.filter((_, i) => i % 4 !== 0),
  QUICK ? 60 : 1200,
);
const topicDev = evenly(
  headlines.filter((_, i) => i % 4 === 0),
  QUICK ? 20 : 300,
);
const summConfig = loadTaskConfig(repoPath('tasks', 'summarization.yaml'));
const docs = (split: 'train' | 'dev') =>
  evenly(loadTaskData(summConfig, { split, sample: data.sample, dataDir: data.dataDir }) as SummarizationExample[], QUICK ? 24 : 150);
const [summTrain, summDev] = [docs('train'), docs('dev')];
console.log(`headlines: train ${topicTrain.length} · dev ${topicDev.length}; articles: train ${summTrain.length} · dev ${summDev.length}`);

// %% [markdown]
// ## Train it next to a built-in task
//
// The custom task goes into `MultiTaskModel.create` like any other; `fit` and `evaluate` take its
// examples by task name.

// %%
const encoder = await loadEncoder({ model: ENCODER, dtype: ENCODER_DTYPE, pooling: 'mean', maxLength: 128 }, { device: DEVICE });
const model = await MultiTaskModel.create({
  encoder,
  tasks: [new HeadlineTopicTask(), createTask(summConfig)],
  sharedLayers: { depth: 1, width: 256, dropout: 0.1 },
  seed: 42,
  log: false,
});
const history = await model.fit(
  { topic: { train: topicTrain, dev: topicDev }, summarization: { train: summTrain, dev: summDev } },
  { steps: QUICK ? 40 : 300, batchSize: 16, seed: 42, log: false, logFile: false },
);
const scores = await model.evaluate({ topic: topicDev, summarization: summDev });
console.log(`${history.completedSteps} steps · ${elapsed()}`);
console.log(
  `topic accuracy (dev): ${scores.topic!.accuracy!.toFixed(3)} · summarization ROUGE-2 (dev): ${scores.summarization!.rouge2!.toFixed(2)}`,
);
// next to the majority class of the training headlines, in words, as the numbers come out
const counts = new Map<string, number>();
for (const h of topicTrain) counts.set(h.topic, (counts.get(h.topic) ?? 0) + 1);
const majority = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
const majorityAcc = topicDev.filter((h) => h.topic === majority).length / topicDev.length;
console.log(
  `topic: accuracy ${scores.topic!.accuracy!.toFixed(3)} vs majority class (${majority}) ${majorityAcc.toFixed(3)} on ${topicDev.length} dev headlines: the model ${scores.topic!.accuracy! > majorityAcc ? 'beats' : 'does NOT beat'} it`,
);

// %% [markdown]
// ## Save, register, reload, predict
//
// The manifest stores the task's spec (`toSpec()`); registering its type with a factory from that
// spec lets `fromPretrained` rebuild it. `predict` hands each input to `toExample` and the call's
// own options to `decodeOptions`: `{ top: 2 }` here, as `{ selection }` for summarization.

// %%
const dir = join(OUTPUT, '08-custom-task-model');
await model.save(dir);
taskTypes.register({
  type: 'headline-topic',
  create: (spec) => new HeadlineTopicTask({ name: spec.name, topics: spec.config.topics as string[] }),
});
const loaded = await MultiTaskModel.fromPretrained(dir);
console.log(`saved to ${rel(dir)} and reloaded: tasks ${loaded.taskNames.join(', ')}`);
const titles = ['Shares slide as oil prices climb', 'Film star wins best actor award', 'New phone has a faster chip'];
const predictions = await loaded.predict<TopicPrediction>('topic', titles, { top: 2 });
heading('Topics of new headlines');
console.log(
  markdownTable(
    ['headline', 'topic', 'top 2'],
    titles.map((t, i) => [t, predictions[i]!.topic, predictions[i]!.top.map((x) => `${x.topic} ${x.probability.toFixed(2)}`).join(' · ')]),
  ),
);
const expected = ['business', 'entertainment', 'tech'];
const agree = predictions.filter((p, i) => p.topic === expected[i]).length;
console.log(`${agree} of ${titles.length} headlines get the topic a reader would give (${expected.join(', ')})`);
const same = JSON.stringify(await model.predict('topic', titles, { top: 2 })) === JSON.stringify(predictions);
console.log(`the reloaded model predicts as the trained one: ${same}`);
const [summary] = await loaded.predict('summarization', [summDev[0]!.sentences], { selection: { sentences: 2 } });
console.log(`summary (2 sentences):\n${summary!.summary}`);
for (const m of [model, loaded]) m.dispose();
await Promise.all([encoder.dispose(), loaded.encoder?.dispose()]);
