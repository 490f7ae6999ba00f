/**
 * Sentiment in a task YAML: `loss: cross-entropy`, an optional `labels` map and `input` (side
 * features, pooling); data from SST-2, XLM-T or a generic file (src/data/task-sources.ts).
 */
import { z } from 'zod';
import { DataError } from '../../data/errors.js';
import { loadLabelledTexts } from '../../data/task-sources.js';
import { taskYaml } from '../yaml.js';
import { SentimentOptions, type SentimentMetric } from './config.js';
import { SentimentTask } from './task.js';

export const sentimentYaml = taskYaml({
  loss: 'cross-entropy',
  options: z.object({
    /** Label map, in class-index order. */
    labels: z.array(z.string()).min(2).optional(),
    /**
     * Numeric side features: `lexicon` (the AFINN score of the text, standardised on train); pooling:
     * `mean` (the sentence vector) or `attention` (the head also pools the token states, learned).
     */
    input: SentimentOptions.pick({ features: true, pooling: true })
      .extend({ attentionDim: z.number().int().positive().optional() })
      .optional(),
  }),
  fields: ['text', 'label'],
  create: (config) =>
    new SentimentTask({
      name: config.name,
      ...(config.labels ? { labels: config.labels } : {}),
      hidden: config.head.hidden,
      dropout: config.head.dropout,
      primaryMetric: config.primaryMetric as SentimentMetric,
      ...config.input,
    }),
  load: (config, path, source, split) => {
    const res = loadLabelledTexts(path, source, split);
    if (config.labels) {
      const known = new Set(config.labels);
      const bad = res.rows.find((r) => !known.has(String(r.label)));
      if (bad)
        throw new DataError(path, undefined, `label ${JSON.stringify(bad.label)} is not in the label map [${config.labels.join(', ')}]`);
    }
    return res;
  },
});
