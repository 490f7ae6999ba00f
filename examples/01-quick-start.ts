// %% [markdown]
// # 01 · Quick start: one encoder, three tasks
//
// This notebook loads a sentence encoder, trains **sentiment**, **translation quality** and
// **extractive summarization** jointly from `tasks/multitask.yaml`, prints the training report
// (each task next to its baselines), saves and reloads the model, and predicts a few examples.
//
// Run it top to bottom with `npx tsx examples/01-quick-start.ts` (add `--quick` for the
// seconds-long version on the samples), or open it in VS Code / Jupytext as a notebook.
//
// **About the numbers.** No model hub is reachable where this project is developed, so the
// encoder is `mtl:mini`, the pretrained default shipped inside the package: a small multilingual
// BERT that the project's own recipe (`mtl pretrain`) trained. It is small and briefly trained, so
// strong baselines (the lexicon, the MT system's own scores, TextRank) can still win; docs/benchmarks.md
// ("Pretrained default") compares it with a stronger reference encoder. The pipeline is the real one:
// swap in any Hugging Face encoder (see `05-pretrained-model.ts`).

// %%
import {
  cosineSimilarity,
  formatTrainReport,
  learningCurvesSpec,
  loadEncoder,
  markdownTable,
  MultiTaskModel,
  renderVegaLite,
  trainFromConfig,
  type SentimentPrediction,
  type SummarizationPrediction,
} from 'mtl-nlp';
import { chooseExampleData, DEVICE, elapsed, ENCODER, ENCODER_DTYPE, heading, OUTPUT, QUICK, rel, repoPath } from './common.js';

const data = chooseExampleData();
console.log(`# 01 · Quick start${QUICK ? ' (quick mode)' : ''}`);
console.log(`data: ${data.describe} · encoder: ${ENCODER}`);

// %% [markdown]
// ## Load an encoder
//
// `loadEncoder` takes a hub id, a local Hugging Face folder or `fixture:<variant>`, and turns on
// the persistent embedding cache (`.cache/embeddings`), so re-running a notebook skips inference.
// With network access you would load a pretrained model directly:
//
// ```ts
// import { Encoder } from 'mtl-nlp'; // here: '../src/encoder/index.js'
// const encoder = await Encoder.load('Xenova/all-MiniLM-L6-v2', { dtype: 'q8', pooling: 'mean' });
// ```
//
// `encode(texts)` returns one row-major matrix: `dims = [n, d]`, `data` a `Float32Array`.

// %%
const encoder = await loadEncoder({ model: ENCODER, dtype: ENCODER_DTYPE, pooling: 'mean', maxLength: 128 }, { device: DEVICE });
console.log(`encoder: dim ${encoder.info.dim}, pooling ${encoder.info.pooling}, ${encoder.info.dtype} on ${encoder.info.device}`);

const probe = ['A gripping, beautifully acted film.', 'A wonderful, moving movie.', 'The parliament passed the budget.'];
const enc = await encoder.encode(probe);
const [n, d] = enc.dims;
const row = (i: number) => enc.data.subarray(i * d, (i + 1) * d);
console.log(`encode(${probe.length} texts) → dims [${n}, ${d}]`);
console.log(
  markdownTable(
    ['', ...probe.map((_, j) => `#${j}`)],
    probe.map((s, i) => [`#${i} ${s}`, ...probe.map((_, j) => cosineSimilarity(row(i), row(j)).toFixed(3))]),
  ),
);
// say what the table shows, whichever way it comes out
const paraphrase = cosineSimilarity(row(0), row(1));
const unrelated = Math.max(cosineSimilarity(row(0), row(2)), cosineSimilarity(row(1), row(2)));
console.log(
  `(cosine similarities: the two film reviews are ${paraphrase > unrelated ? 'closer to each other' : 'NOT closer to each other'} (${paraphrase.toFixed(3)}) ` +
    `than to the budget sentence (${unrelated.toFixed(3)}))`,
);

// %% [markdown]
// ## Train the three tasks jointly
//
// `trainFromConfig` reads the training config (encoder, tasks with their λ, architecture, shared
// layers, optimiser, weighting, sampling), loads each task's data (the real datasets when present,
// else the samples the task configs name), encodes every text once, trains
// L = Σ λᵢ·Lᵢ, evaluates on dev and scores the baselines each task config lists.
// Here we pass the encoder we already loaded, cap the data with `limit` (that many examples taken
// evenly spaced across each split, so every language pair and news category is represented:
// 3,000 training examples for sentiment and translation quality, 300 *documents* of ~20 sentences
// for summarization; the whole SST-2 dev set) and fix the number of optimisation steps so the
// notebook stays short. Drop `limit` and `steps`
// to train on everything for the config's 4 epochs (that first encodes ~160k texts: over half an
// hour on 2 CPU cores with this encoder, then cached).

// %%
const run = await trainFromConfig({
  config: repoPath('tasks', 'multitask.yaml'),
  sample: data.sample,
  dataDir: data.dataDir,
  encoderInstance: encoder,
  steps: QUICK ? 40 : 600,
  // per task: sentences and pairs are cheap to encode, documents (~20 sentences each) are not
  limit: QUICK
    ? { train: 120, dev: 60 }
    : {
        train: { sentiment: 3000, 'translation-quality': 3000, summarization: 300 },
        dev: { sentiment: 872, 'translation-quality': 700, summarization: 100 },
      },
});
console.log(formatTrainReport(run.report));
// each task next to its strongest baseline, in words, as the numbers above come out on this data
for (const [task, t] of Object.entries(run.report.tasks)) {
  const primary = t.primaryMetric;
  const best = Object.entries(t.baselines).sort((a, b) => (b[1][primary] ?? -Infinity) - (a[1][primary] ?? -Infinity))[0];
  if (!best) continue;
  const [name, m] = best;
  const ours = t.metrics[primary]!;
  const theirs = m[primary] ?? NaN;
  console.log(
    `${task}: ${primary} ${ours.toFixed(3)} vs ${name} ${theirs.toFixed(3)} on ${t.dev} dev ${task === 'summarization' ? 'documents' : 'rows'}: the model ${ours > theirs ? 'beats' : 'does NOT beat'} its strongest baseline here`,
  );
}

// %% [markdown]
// The loss of each task over the optimisation steps. With temperature sampling (the config's
// `sampling: { type: temperature, T: 2 }`) each step trains one sampled task, so each line has a
// point only at the steps where its task was drawn.

// %%
const curves = run.history.steps.flatMap((s) => Object.entries(s.losses).map(([task, value]) => ({ step: s.step, task, value })));
const curvesFile = `${OUTPUT}/01-learning-curves`;
await renderVegaLite(learningCurvesSpec(curves, 'Training loss per task'), curvesFile);
console.log(`plot: ${rel(curvesFile)}.svg / .png`);

// %% [markdown]
// ## Save, reload, predict
//
// A saved model is a folder with `manifest.json` (encoder identity, tasks, label maps, training
// config) and `model.safetensors`. Loading checks the encoder's sha256, so a model is never paired
// with vectors from another encoder. `model.predict(taskName, examples)` takes examples in the
// task's own shape, without the gold field.

// %%
const modelDir = `${OUTPUT}/01-quick-start-model`;
await run.model.save(modelDir);
run.model.dispose();
const model = await MultiTaskModel.load(modelDir, { encoder });
console.log(`saved to and reloaded from ${rel(modelDir)} (tasks: ${model.taskNames.join(', ')})`);

// %%
heading('Sentiment');
const reviews = [
  'a warm , funny and beautifully acted film .',
  'the plot is a mess and the jokes fall flat .',
  'an honest , if slightly overlong , portrait .',
];
const sentiment = await model.predict<SentimentPrediction>(
  'sentiment',
  reviews.map((text) => ({ text })),
);
console.log(
  markdownTable(
    ['text', 'label', 'p(label)'],
    reviews.map((t, i) => [t, sentiment[i]!.label, sentiment[i]!.score.toFixed(3)]),
  ),
);

// %%
heading('Translation quality (predicted z-score of the DA rating: 0 = an average translation, higher = better)');
const pairs = [
  { source: 'The museum opens at nine in the morning.', translation: 'Das Museum öffnet um neun Uhr morgens.', pair: 'en-de' },
  { source: 'The museum opens at nine in the morning.', translation: 'Das Museum schließt am Abend.', pair: 'en-de' },
  { source: 'The museum opens at nine in the morning.', translation: 'Der Hund schläft im Garten.', pair: 'en-de' },
];
const quality = await model.predict<number>('translation-quality', pairs);
console.log(
  markdownTable(
    ['source', 'translation', 'score'],
    pairs.map((p, i) => [p.source, p.translation, quality[i]!.toFixed(3)]),
  ),
);
const ranked = pairs.map((p, i) => ({ p, q: quality[i]! })).sort((a, b) => b.q - a.q);
console.log(
  ranked[0]!.p === pairs[0]
    ? 'The faithful translation is ranked first.'
    : `The model ranks "${ranked[0]!.p.translation}" first, above the faithful translation: its scores follow human ratings only moderately (the Pearson r above), too weakly to rank single sentences reliably.`,
);

// %%
heading('Summarization (3 sentences, trigram blocking)');
const article = [
  'Shares in Harwick Foods fell sharply on Monday after the firm cut its profit forecast.',
  'The company blamed weak demand for ready meals and higher energy costs.',
  'Analysts said the warning was worse than expected.',
  'The firm will publish full-year results in March.',
  'Its chief executive said the company remained confident about the long term.',
  'Harwick employs about 4,000 people at six sites.',
];
const [summary] = await model.predict<SummarizationPrediction>('summarization', [{ sentences: article }]);
const chosen = new Set(summary!.sentences.map((s) => s.index));
console.log(
  markdownTable(
    ['#', 'score', 'chosen', 'sentence'],
    article.map((s, i) => [i, summary!.scores[i]!.toFixed(3), chosen.has(i) ? '✔' : '', s]),
  ),
);
console.log(`\nsummary:\n${summary!.summary}`);

// %%
model.dispose();
await encoder.dispose();
console.log(`\ndone in ${elapsed()}`);
