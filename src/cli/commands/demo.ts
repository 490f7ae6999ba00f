/**
 * `mtl demo` (npm run demo): the main job on the embedded offline default. Uses the bundled
 * pretrained encoder (`mtl:mini`, no network needed), trains the three tasks jointly on
 * the samples in fixtures/data (or on real data with --data-dir), evaluates next to the baselines,
 * saves the model, reloads it and predicts a few examples.
 */
import { resolve } from 'node:path';
import { packageRoot } from '../../utils/paths.js';
import { MultiTaskModel } from '../../training/model.js';
import type { SentimentPrediction } from '../../tasks/sentiment/index.js';
import type { SummarizationPrediction } from '../../tasks/summarization/index.js';
import type { GlobalOptions } from '../global-options.js';
import { runTraining } from './train.js';

const EXAMPLES = {
  sentiment: ['a warm , funny and beautifully acted film .', 'the plot is a mess and the jokes fall flat .'],
  translation: [
    { source: 'The museum opens at nine in the morning.', translation: 'Das Museum öffnet um neun Uhr morgens.' },
    { source: 'The museum opens at nine in the morning.', translation: 'Der Hund schläft im Garten.' },
  ],
  document: [
    'Shares in Harwick Foods fell sharply on Monday after the firm cut its profit forecast.',
    'The company blamed weak demand for ready meals and higher energy costs.',
    'Analysts said the warning was worse than expected.',
    'The firm will publish full-year results in March.',
    'Its chief executive said the company remained confident about the long term.',
  ],
};

export default async function demo(opts: Record<string, unknown>, _args: string[], global: GlobalOptions): Promise<void> {
  const out = resolve(String(opts.out));
  const say = (s: string) => {
    if (!global.quiet) process.stdout.write(s + '\n');
  };
  const started = Date.now();
  say(
    `mtl demo: training sentiment, translation-quality and summarization jointly (${opts.dataDir ? `real data in ${String(opts.dataDir)}` : 'samples in fixtures/data'}).`,
  );
  say('Encoder: mtl:mini, the pretrained default shipped in the package (models/mini; see docs/guide/encoders-and-gpu.md).');
  const run = await runTraining(
    {
      config: resolve(packageRoot(), 'tasks', 'multitask.yaml'),
      sample: !opts.dataDir,
      dataDir: opts.dataDir as string | undefined,
      out,
      // the samples are small: more passes than the config's real-data default
      epochs: opts.dataDir ? undefined : 20,
    },
    global,
    false,
  );
  run.model.dispose();
  // each number rests on the dev rows the report names: on the samples, a few dozen
  const rows = Object.entries(run.report.tasks)
    .map(([task, t]) => `${task} ${t.dev} dev / ${t.train} train ${task === 'summarization' ? 'documents' : 'rows'}`)
    .join(', ');
  if (!opts.dataDir) {
    say(
      `\nThese numbers rest on the small samples in fixtures/data (${rows}): a smoke run that shows the pipeline works ` +
        'end to end, not a measure of quality (a few dozen dev rows give wide error bars, and the samples are easier than the real dev sets). ' +
        'For real numbers: npm run demo -- --data-dir ../shared/datasets (README "Benchmarks").',
    );
  } else say(`\nDev and train sizes: ${rows}.`);

  // reload from disk, as a user would, and predict
  const model = await MultiTaskModel.load(out, { encoder: run.encoder });
  const sentiment = await model.predict<SentimentPrediction>(
    'sentiment',
    EXAMPLES.sentiment.map((text) => ({ text })),
  );
  const quality = await model.predict<number>('translation-quality', EXAMPLES.translation);
  const [summary] = await model.predict<SummarizationPrediction>('summarization', [{ sentences: EXAMPLES.document }]);
  say('\n## Predictions (model reloaded from ' + out + ')\n');
  EXAMPLES.sentiment.forEach((t, i) => say(`sentiment     "${t}" → ${sentiment[i]!.label} (${sentiment[i]!.score.toFixed(2)})`));
  EXAMPLES.translation.forEach((p, i) =>
    say(
      `quality       "${p.translation}" → ${quality[i]!.toFixed(3)} (predicted z-score of the DA rating: 0 = an average translation, higher = better)`,
    ),
  );
  say(`summary       ${summary!.sentences.map((s) => `[${s.index}] ${s.text}`).join(' ')}`);
  say(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  model.dispose();
  await run.encoder.dispose();
}
