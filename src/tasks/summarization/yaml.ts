/**
 * Summarization in a task YAML: `loss: binary-cross-entropy`, optional `inference` defaults
 * (sentences, ratio, words, trigramBlocking) and `input` (document-context features, selection);
 * data from BBC News Summary, SciTLDR or a generic file (src/data/task-sources.ts).
 */
import { z } from 'zod';
import { loadSummarizedDocuments } from '../../data/task-sources.js';
import { taskYaml } from '../yaml.js';
import { SelectionOptionsSchema, SummarizationOptions, type SummarizationMetric } from './config.js';
import { SummarizationTask } from './task.js';

export const summarizationYaml = taskYaml({
  loss: 'binary-cross-entropy',
  options: z.object({
    /** Inference defaults. */
    inference: SelectionOptionsSchema.extend({ trigramBlocking: z.boolean().default(true) }).optional(),
    /**
     * Document context per sentence from the encoder vectors (`textrank`, `centrality`,
     * `redundancy`); `selection: conditional` scores each sentence given those already selected.
     */
    input: SummarizationOptions.pick({ features: true, selection: true }).optional(),
  }),
  fields: ['text', 'summary'],
  create: (config) =>
    new SummarizationTask({
      name: config.name,
      hidden: config.head.hidden,
      dropout: config.head.dropout,
      primaryMetric: config.primaryMetric as SummarizationMetric,
      inference: config.inference ?? {},
      // the oracle labels as many sentences as inference selects by count (BertSumExt: 3)
      ...(config.inference?.sentences !== undefined ? { oracleSentences: config.inference.sentences } : {}),
      ...config.input,
    }),
  load: (_config, path, source) => loadSummarizedDocuments(path, source),
});
