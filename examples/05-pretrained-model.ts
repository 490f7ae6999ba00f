// %% [markdown]
// # 05 · Real pretrained encoders from the Hugging Face hub
//
// The other notebooks run offline on `mtl:mini`, the small encoder shipped in the package. This one is for readers **with
// network access**: it downloads two pretrained ONNX exports (once; transformers.js caches them)
// and trains on their features:
//
// | task | encoder |
// | --- | --- |
// | sentiment, summarization (English) | `Xenova/all-MiniLM-L6-v2` (~23 MB quantized) |
// | translation quality (7 language pairs) | `Xenova/paraphrase-multilingual-MiniLM-L12-v2` (~120 MB quantized) |
//
// Without network access (and without the models in the local cache) it prints one line saying
// it was skipped and exits with status 0, so it is safe in CI.
//
// Quick mode (`--quick`) keeps the pretrained encoders (there is no small stand-in for them) but
// trains on the samples in `fixtures/data` with few steps; the default mode uses the real datasets
// when present.

// %%
import { env } from '@huggingface/transformers';
import {
  cosineSimilarity,
  createTask,
  evaluateBaseline,
  fmt,
  formatTrainReport,
  loadEncoder,
  loadTaskConfig,
  loadTaskData,
  markdownTable,
  MultiTaskModel,
  trainFromConfig,
  type Encoder,
  type SentimentPrediction,
  type TranslationQualityExample,
} from 'mtl-nlp';
import { chooseExampleData, DEVICE, elapsed, firstPerPair, heading, OPENKIWI_TEST_PEARSON, QUICK, repoPath } from './common.js';

const ENGLISH = 'Xenova/all-MiniLM-L6-v2';
const MULTILINGUAL = 'Xenova/paraphrase-multilingual-MiniLM-L12-v2';
/** 8-bit quantized exports: ~3× faster than fp32 on CPU, with nearly the same vectors. */
const DTYPE = 'q8' as const;
/** How long to wait for the hub before deciding we are offline. */
const PROBE_TIMEOUT_MS = 8000;

const data = chooseExampleData();
console.log(`# 05 · Pretrained models${QUICK ? ' (quick mode)' : ''}`);
console.log(`data: ${data.describe}`);

// %% [markdown]
// ## Reach the hub, or skip
//
// `loadEncoder` (like `Encoder.load`) accepts a hub id. We first try the local cache only
// (`offline: true`), so a model downloaded earlier works without network; otherwise we probe the
// hub with a short timeout before starting a download. Offline, we stop here with exit code 0.
//
// In a notebook kernel, replace the `process.exit(0)` with an early return of your own.

// %%
const spec = (model: string) => ({ model, dtype: DTYPE, pooling: 'mean' as const, normalize: true, maxLength: 128 });

/** Why the hub cannot be reached, or null when it answers. */
async function hubUnreachable(model: string): Promise<string | null> {
  const url = new URL(`${model}/resolve/main/config.json`, env.remoteHost).toString();
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    return res.ok || res.status === 302 || res.status === 307 ? null : `${url} answered HTTP ${res.status}`;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s` : (e.cause?.code ?? e.message);
    return `${new URL(env.remoteHost).host} unreachable (${why})`;
  }
}

/** A pretrained encoder from the local cache, else from the hub; a reason string when neither works. */
async function loadPretrained(model: string): Promise<Encoder | string> {
  try {
    return await loadEncoder(spec(model), { device: DEVICE, offline: true });
  } catch {
    // not downloaded yet
  }
  const unreachable = await hubUnreachable(model);
  if (unreachable) return `${unreachable}, and ${model} is not in the local cache (${env.cacheDir})`;
  console.log(`downloading ${model} (${DTYPE}) from the hub…`);
  try {
    return await loadEncoder(spec(model), { device: DEVICE });
  } catch (err) {
    return (err as Error).message.split('\n')[0]!;
  }
}

const english = await loadPretrained(ENGLISH);
if (typeof english === 'string') {
  console.log(`05-pretrained-model: skipped (offline): ${english}. Run it once with network access to download the pretrained encoders.`);
  process.exit(0);
}
console.log(`${ENGLISH}: dim ${english.info.dim}, ${english.info.dtype}, pooling ${english.info.pooling}, on ${english.info.device}`);

// %% [markdown]
// ## Sanity check: pretrained vectors carry meaning
//
// Paraphrases should be far more similar than unrelated sentences (the line under the table says
// whether they are).

// %%
const probe = ['A gripping, beautifully acted film.', 'A wonderful, moving movie.', 'The parliament passed the budget.'];
const enc = await english.encode(probe);
const d = enc.dims[1];
const row = (i: number) => enc.data.subarray(i * d, (i + 1) * d);
console.log(
  markdownTable(
    ['', ...probe.map((_, j) => `#${j}`)],
    probe.map((s, i) => [`#${i} ${s}`, ...probe.map((_, j) => cosineSimilarity(row(i), row(j)).toFixed(3))]),
  ),
);

// %% [markdown]
// ## Sentiment and summarization on the English encoder
//
// The same config-driven job as `01-quick-start.ts`, restricted to the two English tasks
// (`tasks`), with the pretrained encoder passed in (`encoderInstance`).

// %%
const englishRun = await trainFromConfig({
  config: repoPath('tasks', 'multitask.yaml'),
  tasks: ['sentiment', 'summarization'],
  sample: data.sample,
  dataDir: data.dataDir,
  encoderInstance: english,
  steps: QUICK ? 60 : 400,
  limit: QUICK ? { train: 120, dev: 60 } : { train: 400, dev: 150 },
});
console.log(formatTrainReport(englishRun.report));
const reviews = ['a warm , funny and beautifully acted film .', 'the plot is a mess and the jokes fall flat .'];
const sentiment = await englishRun.model.predict<SentimentPrediction>(
  'sentiment',
  reviews.map((text) => ({ text })),
);
reviews.forEach((t, i) => console.log(`"${t}" → ${sentiment[i]!.label} (${sentiment[i]!.score.toFixed(2)})`));
englishRun.model.dispose();
await english.dispose();

// %% [markdown]
// ## Translation quality on the multilingual encoder
//
// As in `03-translation-quality.ts`: the task alone, the first *n* segments of every language
// pair, Pearson r per pair on dev next to the `model-scores` baseline and the published OpenKiwi
// test-split references (another system, another split: orientation only).

// %%
const multilingual = await loadPretrained(MULTILINGUAL);
if (typeof multilingual === 'string') {
  console.log(`05-pretrained-model: translation quality skipped: ${multilingual}`);
  process.exit(0);
}
const tqConfig = loadTaskConfig(repoPath('tasks', 'translation-quality.yaml'));
const loadTq = (split: 'train' | 'dev') =>
  loadTaskData(tqConfig, { split, sample: data.sample, dataDir: data.dataDir }) as TranslationQualityExample[];
const train = firstPerPair(loadTq('train'), QUICK ? 120 : 300);
const dev = firstPerPair(loadTq('dev'), QUICK ? 40 : 150);
const task = createTask(tqConfig);
const model = await MultiTaskModel.create({
  encoder: multilingual,
  tasks: [task],
  sharedLayers: { depth: 1, width: 256, dropout: 0.1 },
  seed: 42,
  log: false,
});
await model.ensureFeatures({ [task.name]: [...train, ...dev] });
await model.fit(
  { [task.name]: { train, dev } },
  {
    steps: QUICK ? 60 : 500,
    batchSize: 32,
    optimizer: { type: 'adamw', lr: 1e-3, weightDecay: 0.01 },
    schedule: { warmup: 0.05, decay: 'linear' },
    clipNorm: 1,
    seed: 42,
    log: false,
    logFile: false,
  },
);
const predictions = await model.predict<number>(task.name, dev);
const ours = task.metrics(dev, predictions);
const modelScores = await evaluateBaseline('model-scores', { task, train, dev });
const pairs = [...new Set(dev.map((e) => e.pair ?? ''))].sort();
heading(`Translation quality, Pearson r on dev (${MULTILINGUAL})`);
console.log(
  markdownTable(
    ['pair', 'dev n', 'model', 'model-scores', 'OpenKiwi (test, ref.)'],
    pairs.map((p) => [
      p,
      dev.filter((e) => e.pair === p).length,
      fmt(ours[`pearson@${p}`]),
      fmt(modelScores[`pearson@${p}`]),
      OPENKIWI_TEST_PEARSON[p]?.toFixed(3) ?? '–',
    ]),
  ),
);
model.dispose();
await multilingual.dispose();

// %%
console.log(`\ndone in ${elapsed()}`);
