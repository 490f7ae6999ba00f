import { describe, expect, it, vi } from 'vitest';
import { env } from '../../src/utils/env.js';
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
    // the notice goes to the application's logger (env.logger), never to the console by itself
    const spy = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const heard: string[] = [];
    const saved = env.logger;
    env.logger = { info: (m) => heard.push(m), warn: (m) => heard.push(m) };
    expect(await initBackend('auto')).toBe('wasm');
    expect(await initBackend('auto')).toBe('wasm');
    env.logger = saved;
    expect(heard.filter((l) => l.includes('training backend'))).toEqual([
      expect.stringMatching(/training backend: wasm \(simd: (true|false), threads: false\)/),
    ]);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    const s = synthetic({ n: 16, dim: 8 });
    const model = await MultiTaskModel.create({
      encoder: { dim: 8 },
      tasks: makeTasks(),
      sharedLayers: { depth: 1, width: 8, dropout: 0 },
      features: s.features,
      log: false,
    });
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
