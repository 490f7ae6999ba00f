/**
 * The training report's step times and fine-tuning line: means computed by hand from step records,
 * and the line a fine-tuned run prints (none for a frozen one).
 */
import { describe, expect, it } from 'vitest';
import { formatTrainReport } from '../../src/experiment/report.js';
import type { TrainReport } from '../../src/experiment/train.js';
import { meanStepMs } from '../../src/training/step-times.js';
import type { StepRecord } from '../../src/training/types.js';

const rec = (tasks: string[], stepMs?: number): StepRecord => ({
  step: 1,
  epoch: 0,
  tasks,
  losses: {},
  lambdas: {},
  lr: 1e-3,
  gradNorm: 1,
  elapsedMs: 0,
  ...(stepMs === undefined ? {} : { stepMs }),
});

describe('meanStepMs', () => {
  it('averages each task (or task combination of a step) over the steps that recorded a time', () => {
    const steps = [rec(['a'], 100), rec(['b'], 400), rec(['a'], 300), rec(['a', 'b'], 1000), rec(['b']), rec(['b'], 500)];
    expect(meanStepMs(steps)).toEqual({ a: 200, b: 450, 'a+b': 1000 });
    expect(meanStepMs([rec(['a'])])).toEqual({});
  });
});

describe('formatTrainReport', () => {
  const base: TrainReport = {
    config: 'tasks/multitask-finetune.yaml',
    encoderId: 'mtl:mini',
    data: { source: 'sample', dir: 'fixtures/data' },
    encoder: {
      model: 'mtl:mini',
      dtype: 'q8',
      pooling: 'mean',
      dim: 256,
      device: 'cpu',
      normalize: false,
      files: [],
    } as unknown as TrainReport['encoder'],
    architecture: { type: 'hard' },
    weighting: { type: 'static', lambdas: { sentiment: 1 } },
    sampling: { type: 'proportional' },
    backend: 'wasm',
    steps: 4,
    trainMs: 5000,
    stepMs: { sentiment: 512, summarization: 21_300 },
    tasks: {},
    lambdas: { sentiment: 1 },
    relations: {} as TrainReport['relations'],
  };

  it("a fine-tuned run names the layers, the cache and each task's mean step", () => {
    const text = formatTrainReport({
      ...base,
      finetune: { layers: 2, of: 4, read: 4, cache: { entries: 300, mb: 41.6 }, bottom: { computed: 300, cached: 900 } },
    });
    expect(text).toContain(
      "fine-tuned: top 2 of 4 encoder layers · frozen bottom's token states cached: 300 inputs, 42 MiB (75 % of reads served from the cache) · mean step: sentiment 0.51 s, summarization 21 s",
    );
  });

  it('a run that reads an inner layer names the layers trained below it', () => {
    const text = formatTrainReport({
      ...base,
      finetune: { layers: 2, of: 6, read: 4, cache: { entries: 3, mb: 1 }, bottom: { computed: 3, cached: 1 } },
    });
    expect(text).toContain('fine-tuned: layers 3–4 of 6 encoder layers (read at layer 4; the layers above dropped) · frozen');
  });

  it('a frozen run has no fine-tuning line', () => {
    expect(formatTrainReport(base)).not.toContain('fine-tuned');
  });
});
