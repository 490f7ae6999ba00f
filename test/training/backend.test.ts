import { describe, expect, it, vi } from 'vitest';
import * as tf from '../../src/utils/tf.js';
import { availableBackends, initBackend } from '../../src/training/backend.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { createRequire } from 'node:module';
import { makeTasks, synthetic } from './helpers.js';

const hasTfjsNode = (() => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

describe('backend selection', () => {
  it.skipIf(hasTfjsNode)('auto picks wasm when tfjs-node is not installed, logs once, and the history records it', async () => {
    const spy = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await initBackend('auto')).toBe('wasm');
    expect(await initBackend('auto')).toBe('wasm');
    const lines = spy.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('training backend'));
    expect(lines).toEqual([expect.stringMatching(/training backend: wasm \(simd: (true|false), threads: false\)/)]);
    spy.mockRestore();
    const s = synthetic({ n: 16, dim: 8 });
    const model = await MultiTaskModel.create({ encoder: { dim: 8 }, tasks: makeTasks(), sharedLayers: { depth: 1, width: 8, dropout: 0 }, features: s.features, log: false });
    const h = await model.fit({ cls: s.cls, reg: s.reg }, { steps: 2, batchSize: 4, log: false, logFile: false });
    expect(h.backend).toBe('wasm');
    const h2 = await model.fit({ cls: s.cls, reg: s.reg }, { steps: 2, batchSize: 4, backend: 'cpu', log: false, logFile: false });
    expect(h2.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    model.dispose();
  });

  it.skipIf(hasTfjsNode)('explicit overrides: cpu works, tensorflow without tfjs-node is a clear error', async () => {
    expect(await initBackend('cpu', { log: false })).toBe('cpu');
    await expect(initBackend('tensorflow', { log: false })).rejects.toThrow(/tfjs-node is not installed/);
    expect(await availableBackends()).toEqual(['wasm', 'cpu']);
  });
});
