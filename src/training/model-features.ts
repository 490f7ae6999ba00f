/**
 * Which feature-store keys a model's examples read, and their batches (see ./model-network.ts): a task
 * reads its texts' vectors as the encoder was loaded, or at its own encoder layer (`taskLayers`).
 */
import { inputKey, type AnyTask, type TaskBatch } from '../tasks/types.js';
import { layerKey, type FeatureStore } from './features.js';

/** What these helpers need of the model. */
export interface FeatureReadingModel {
  task(name: string): AnyTask;
  readonly taskLayers: ReadonlyMap<string, number>;
  readonly features: FeatureStore;
  readonly dim: number;
}

/** A task's feature-store key of a text: the text itself, or its key at the task's encoder layer. */
function keyOf(model: FeatureReadingModel, task: string): (text: string) => string {
  const layer = model.taskLayers.get(task);
  return layer === undefined ? (t) => t : (t) => layerKey(layer, t);
}

/**
 * The feature-store keys these examples read (with repeats): `texts` need a vector each,
 * `tokenTexts` token states (heads that pool tokens themselves).
 */
export function featureKeys(
  model: FeatureReadingModel,
  examples: Record<string, readonly unknown[]>,
): { texts: string[]; tokenTexts: string[] } {
  const texts: string[] = [];
  const tokenTexts: string[] = [];
  for (const [name, list] of Object.entries(examples)) {
    const t = model.task(name);
    const key = keyOf(model, name);
    for (const e of list) for (const x of t.encoderInputs(e)) texts.push(key(inputKey(x)));
    if (t.tokenTexts) for (const e of list) for (const s of t.tokenTexts(e)) tokenTexts.push(key(s));
  }
  return { texts, tokenTexts };
}

/** One task's batch, its vectors (and token states) read from the store at the task's layer. */
export function makeTaskBatch(model: FeatureReadingModel, task: string, examples: readonly unknown[]): TaskBatch {
  const layer = model.taskLayers.get(task);
  const { lookup, tokenLookup } = model.features;
  if (layer === undefined) return model.task(task).makeBatch(examples, lookup, model.dim, tokenLookup);
  return model.task(task).makeBatch(
    examples,
    (t) => lookup(layerKey(layer, t)),
    model.dim,
    (t) => tokenLookup(layerKey(layer, t)),
  );
}
