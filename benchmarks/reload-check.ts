/**
 * A saved model reloaded as a user would (`MultiTaskModel.fromPretrained` in Node: the encoder from
 * the model folder on ONNX Runtime, no training code) and evaluated on its tasks' dev sets, the
 * splits `mtl train` evaluates on (docs/benchmarks.md, "Joint fine-tuning of the three tasks").
 * benchmarks/finetune-joint.ts runs it on each saved model and compares the metrics with those the
 * training run reported at its end.
 *
 *   npx tsx benchmarks/reload-check.ts <model dir> [--config multitask-finetune] [--data-dir ../shared/datasets] [--sample]
 *
 * Prints `{ "metrics": { task: { metric: value } }, "ms": … }` as JSON on stdout.
 */
import { join } from 'node:path';
import { loadTaskDataResult } from '../src/config/index.js';
import { loadTrainingConfig } from '../src/config/load.js';
import { initBackend } from '../src/training/backend.js';
import { MultiTaskModel } from '../src/training/model.js';
import { packageRoot } from '../src/utils/paths.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const dir = process.argv[2];
if (!dir || dir.startsWith('--')) throw new Error('reload-check: give the saved model folder first, e.g. runs/finetuned');
const sample = process.argv.includes('--sample');
const dataDir = arg('data-dir') ?? join(packageRoot(), '..', 'shared', 'datasets');
const cfg = loadTrainingConfig(arg('config') ?? 'multitask-finetune');

const t0 = Date.now();
await initBackend('wasm', { log: false });
const model = await MultiTaskModel.fromPretrained(dir);
const dev: Record<string, readonly unknown[]> = {};
for (const tc of cfg.taskConfigs.filter((t) => model.taskNames.includes(t.name)))
  dev[tc.name] = loadTaskDataResult(tc, { split: 'dev', sample, dataDir: sample ? undefined : dataDir }).examples;
const metrics = await model.evaluate(dev);
model.dispose();
console.log(JSON.stringify({ metrics, ms: Date.now() - t0 }));
