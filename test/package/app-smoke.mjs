// Runs inside a fresh app that installed the packed mtl-nlp tarball (test/package/install.test.ts):
// imports every public entry point, encodes with the bundled pretrained encoder, trains a few steps
// on the shipped samples, saves, reloads and predicts. Prints one JSON line.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as main from 'mtl-nlp';
import * as fixtures from 'mtl-nlp/fixtures';

const { Encoder, MultiTaskModel, createTask, loadTaskConfig, loadTaskData } = main;
const root = dirname(createRequire(import.meta.url).resolve('mtl-nlp/package.json'));
const encoder = await Encoder.load('mtl:mini', { logger: () => undefined });
const vectors = await encoder.encode(['a warm , funny film .', 'Das Museum öffnet um neun Uhr.']);
const config = loadTaskConfig(join(root, 'tasks', 'sentiment.yaml'));
const train = loadTaskData(config, { split: 'train', sample: true }).slice(0, 64);
const model = await MultiTaskModel.create({ encoder, tasks: [createTask(config)], sharedLayers: { depth: 1, width: 32 } });
await model.fit({ sentiment: { train } }, { steps: 5, batchSize: 16, optimizer: { type: 'adamw', lr: 1e-3, weightDecay: 0.01 } });
await model.save('saved-model');
const loaded = await MultiTaskModel.load('saved-model', { encoder });
const [prediction] = await loaded.sentiment(['a warm , funny film .']);
// one call from the folder: the encoder the manifest records (mtl:mini) is found again and checked
const pretrained = await MultiTaskModel.fromPretrained('saved-model');
const [again] = await pretrained.predict('sentiment', ['a warm , funny film .']);
// better-sqlite3 is an optional dependency: without it the embedding cache stays in memory, with a notice
const notices = [];
const cached = await Encoder.load('mtl:mini', { cache: { dir: 'embedding-cache' }, logger: (m) => notices.push(m) });
const cachedVectors = await cached.encode(['a warm , funny film .']);
await cached.dispose();
console.log(
  JSON.stringify({
    exports: Object.keys(main).length,
    fixtureExports: Object.keys(fixtures).length,
    dims: vectors.dims,
    encoder: encoder.info.dtype,
    label: prediction.label,
    sameAfterFromPretrained: again.label === prediction.label && Math.abs(again.score - prediction.score) < 1e-6,
    cacheNotice: notices.some((m) => m.includes('better-sqlite3 is not installed')),
    cachedDims: cachedVectors.dims,
  }),
);
await encoder.dispose();
