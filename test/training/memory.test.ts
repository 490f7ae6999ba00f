import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '../../src/utils/tf.js';
import { initBackend } from '../../src/training/backend.js';
import { MultiTaskModel } from '../../src/training/model.js';
import type { WeightingConfig } from '../../src/weighting/index.js';
import type { ArchitectureConfig } from '../../src/architectures/index.js';
import { makeTasks, synthetic } from './helpers.js';

beforeAll(async () => {
  await initBackend('wasm', { log: false });
});

const s = synthetic({ n: 48, dim: 8 });
const weightings: WeightingConfig[] = [
  { type: 'static', lambdas: { cls: 1, reg: 0.5 } },
  { type: 'equal' },
  { type: 'uncertainty' },
  { type: 'dwa' },
  { type: 'gradnorm' },
  { type: 'rlw' },
  { type: 'pcgrad' },
];

describe('no tensor leaks', () => {
  const cases: [WeightingConfig, ArchitectureConfig][] = [
    ...weightings.map((w): [WeightingConfig, ArchitectureConfig] => [w, { type: 'hard' }]),
    [{ type: 'pcgrad' }, { type: 'cross-stitch' }],
    [{ type: 'uncertainty' }, { type: 'mmoe', experts: 2 }],
  ];
  for (const [weighting, architecture] of cases) {
    it(`numTensors after step 10 equals step 200 (${weighting.type}, ${architecture.type}, evaluation every 50 steps)`, async () => {
      const model = await MultiTaskModel.create({
        encoder: { dim: 8 },
        tasks: makeTasks(),
        architecture,
        sharedLayers: { depth: 1, width: 8, dropout: 0.1 },
        seed: 1,
        features: s.features,
        log: false,
      });
      const counts: Record<number, number> = {};
      await model.fit(
        { cls: s.cls, reg: s.reg },
        {
          steps: 200,
          batchSize: 8,
          weighting,
          evalEvery: 50,
          clipNorm: 1,
          log: false,
          logFile: false,
          onProgress: (e) => void (counts[e.step] = tf.memory().numTensors),
        },
      );
      expect(counts[200]).toBe(counts[10]);
      model.dispose();
    });
  }
  it('disposing the model frees every tensor it made', async () => {
    const start = tf.memory().numTensors;
    const model = await MultiTaskModel.create({
      encoder: { dim: 8 },
      tasks: makeTasks(),
      architecture: { type: 'cross-stitch' },
      sharedLayers: { depth: 1, width: 8, dropout: 0 },
      seed: 1,
      features: s.features,
      log: false,
    });
    await model.fit({ cls: s.cls, reg: s.reg }, { steps: 5, batchSize: 8, weighting: { type: 'uncertainty' }, log: false, logFile: false });
    await model.predict('cls', [{ text: 'c1' }]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
