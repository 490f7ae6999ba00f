import { z } from 'zod';
import { loadScoredPairs } from '../../data/task-sources.js';
import { taskYaml } from '../yaml.js';
import { TranslationQualityOptions, type TranslationQualityMetric } from './config.js';
import { TranslationQualityTask } from './task.js';

/**
 * Translation quality in a task YAML: `loss: mse`, no options of its own (the language pairs come
 * from the data sources' `pairs`); data from MLQE-PE or a generic file with `source`,
 * `translation` and the target column (default `score`; optional `pair`).
 */
export const translationQualityYaml = taskYaml({
  loss: 'mse',
  options: z.object({
    /**
     * How source and translation reach the encoder (`mode`: siamese, apart, the default; cross, one
     * sequence [CLS] src [SEP] mt [SEP]; cross+siamese, both) and numeric side features for the head
     * (`model-score`, `length-ratio`, standardised on train).
     */
    input: z
      .object({ mode: TranslationQualityOptions.shape.input.unwrap().optional(), features: TranslationQualityOptions.shape.features })
      .strict()
      .optional(),
  }),
  fields: ['source', 'translation', 'score'],
  create: (config) => {
    const pairs = config.data.train.pairs ?? config.data.dev.pairs;
    return new TranslationQualityTask({
      name: config.name,
      hidden: config.head.hidden,
      dropout: config.head.dropout,
      primaryMetric: config.primaryMetric as TranslationQualityMetric,
      ...(pairs ? { pairs } : {}),
      ...(config.input ? { input: config.input.mode ?? 'siamese', features: config.input.features } : {}),
    });
  },
  load: (_config, path, source) => loadScoredPairs(path, source),
});
