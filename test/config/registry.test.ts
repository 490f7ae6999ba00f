/**
 * The config schema is built from the registries: every task the task registry can declare in
 * YAML, and every option of every registered weighting, sampler and architecture, is settable from
 * a training YAML, validated there, and reaches the plug-in unchanged.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ARCHITECTURES,
  architectures,
  createArchitecture,
  registerArchitecture,
  type ArchitectureConfig,
} from '../../src/architectures/index.js';
import { loadTaskConfig, loadTrainingConfig } from '../../src/config/load.js';
import { EXPECTED_LOSS, TASK_NAMES, TaskConfigSchema } from '../../src/config/schema.js';
import { createTask } from '../../src/config/tasks.js';
import { ParamStore } from '../../src/nn/params.js';
import {
  createSampler,
  registerSampler,
  SAMPLERS,
  samplers,
  samplingProbabilities,
  type SamplingConfig,
} from '../../src/sampling/index.js';
import { TASKS, YAML_TASKS } from '../../src/tasks/registry.js';
import { initBackend } from '../../src/training/backend.js';
import { Rng } from '../../src/utils/random.js';
import { trainFromConfig } from '../../src/experiment/train.js';
import { packageRoot } from '../../src/utils/paths.js';
import { createWeighting, registerWeighting, WEIGHTINGS, weightings, type WeightingConfig } from '../../src/weighting/index.js';

const tasksDir = join(packageRoot(), 'tasks');
const dir = mkdtempSync(join(tmpdir(), 'mtl-registry-'));
let n = 0;

/** A training YAML over the three shipped tasks, with `extra` lines appended (top level). */
function trainingYaml(extra: string[], training: string[] = []): string {
  const file = join(dir, `train-${n++}.yaml`);
  writeFileSync(
    file,
    [
      'encoder: { model: fixture:xlm-roberta }',
      'tasks:',
      ...['sentiment', 'translation-quality', 'summarization'].map((t) => `  - { config: ${join(tasksDir, `${t}.yaml`)} }`),
      ...extra,
      'training:',
      '  steps: 1',
      ...training.map((l) => `  ${l}`),
    ].join('\n'),
  );
  return file;
}

/** One valid value per option of the built-in plug-ins (the test fails when a plug-in gains an option not listed here). */
const WEIGHTING_OPTIONS: Record<string, Record<string, unknown>> = {
  static: { lambdas: { sentiment: 2, summarization: 0.5 } },
  equal: {},
  uncertainty: {},
  dwa: { T: 3 },
  gradnorm: { alpha: 0.5, lr: 0.01 },
  rlw: {},
  pcgrad: {},
};
const SAMPLING_OPTIONS: Record<string, Record<string, unknown>> = {
  all: {},
  proportional: {},
  temperature: { T: 3 },
  'round-robin': {},
  uniform: {},
};
const ARCHITECTURE_OPTIONS: Record<string, Record<string, unknown>> = {
  hard: {},
  'cross-stitch': { selfWeight: 0.7 },
  mmoe: { experts: 3, window: 7 },
};
const flow = (o: Record<string, unknown>) => JSON.stringify(o); // JSON is YAML flow syntax

const TASK_LIST = ['sentiment', 'translation-quality', 'summarization'];
const init = () => ({
  tasks: TASK_LIST,
  lossKinds: { sentiment: 'classification', 'translation-quality': 'regression', summarization: 'binary' } as const,
  rng: new Rng(1),
});

beforeAll(async () => {
  await initBackend('wasm', { log: false });
});

describe('task registry', () => {
  it('TASK_NAMES, the `name` choices and the expected losses come from the registry', () => {
    expect(TASK_NAMES).toEqual(Object.keys(YAML_TASKS));
    expect(TASK_NAMES).toEqual(
      Object.entries(TASKS)
        .filter(([, e]) => 'yaml' in e)
        .map(([k]) => k),
    );
    expect(TASK_NAMES).toEqual(['sentiment', 'translation-quality', 'summarization']);
    expect(EXPECTED_LOSS).toEqual({ sentiment: 'cross-entropy', 'translation-quality': 'mse', summarization: 'binary-cross-entropy' });
    const r = TaskConfigSchema.safeParse({ name: 'nope' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toBe('Invalid option: expected one of "sentiment"|"translation-quality"|"summarization"');
  });

  it("a task's own options belong to that task only, and reach the task", () => {
    const file = join(dir, 'summ.yaml');
    const base = loadTaskConfig(join(tasksDir, 'summarization.yaml'));
    expect(base.name === 'summarization' && base.inference).toEqual({ sentences: 3, trigramBlocking: false });
    writeFileSync(
      file,
      [
        `name: translation-quality`,
        'data: { train: { format: mlqe, path: a }, dev: { format: mlqe, path: b } }',
        'sample: { train: { format: mlqe, path: a }, dev: { format: mlqe, path: b } }',
        'loss: mse',
        'metrics: [pearson]',
        'primaryMetric: pearson',
        'inference: { sentences: 2 }',
      ].join('\n'),
    );
    expect(() => loadTaskConfig(file)).toThrowError(/summ\.yaml:7: inference: Unrecognized key/);
    const s = createTask(loadTaskConfig(join(tasksDir, 'sentiment-tweets.yaml'))) as unknown as { labels: string[] | undefined };
    expect(s.labels).toEqual(['negative', 'neutral', 'positive']);
  });
});

describe('plug-in options from YAML', () => {
  it('the tables above cover every option of every registered plug-in', () => {
    const keys = (r: Record<string, { options: z.ZodObject }>) =>
      Object.fromEntries(Object.entries(r).map(([k, p]) => [k, Object.keys(p.options.shape).sort()]));
    const tableKeys = (t: Record<string, Record<string, unknown>>) =>
      Object.fromEntries(Object.entries(t).map(([k, o]) => [k, Object.keys(o).sort()]));
    expect(tableKeys(WEIGHTING_OPTIONS)).toEqual(keys(WEIGHTINGS));
    expect(tableKeys(SAMPLING_OPTIONS)).toEqual(keys(SAMPLERS));
    expect(tableKeys(ARCHITECTURE_OPTIONS)).toEqual(keys(ARCHITECTURES));
  });

  it.each(Object.entries(WEIGHTING_OPTIONS))('weighting %s: every option parsed and visible in the created weighting', (type, options) => {
    const cfg = loadTrainingConfig(trainingYaml([], [`weighting: ${flow({ type, ...options })}`]));
    expect(cfg.training.weighting).toEqual({ type, ...options });
    const w = createWeighting(cfg.training.weighting as WeightingConfig, init());
    expect(w.config()).toMatchObject({ type, ...options });
    w.dispose();
  });

  it('gradnorm and dwa defaults are unchanged when their options are left out', () => {
    const gn = createWeighting(
      loadTrainingConfig(trainingYaml([], ['weighting: { type: gradnorm }'])).training.weighting as WeightingConfig,
      init(),
    );
    expect(gn.config()).toEqual({ type: 'gradnorm', alpha: 1.5, lr: 0.025 });
    const dwa = createWeighting(
      loadTrainingConfig(trainingYaml([], ['weighting: { type: dwa }'])).training.weighting as WeightingConfig,
      init(),
    );
    expect(dwa.config()).toEqual({ type: 'dwa', T: 2 });
    expect(loadTrainingConfig(trainingYaml([])).training.weighting).toEqual({ type: 'static' });
  });

  it.each(Object.entries(SAMPLING_OPTIONS))('sampling %s: every option parsed and used by the sampler', (type, options) => {
    const cfg = loadTrainingConfig(trainingYaml([], [`sampling: ${flow({ type, ...options })}`]));
    expect(cfg.training.sampling).toEqual({ type, ...options });
    const sizes = { a: 100, b: 25 };
    const sampler = createSampler(cfg.training.sampling as SamplingConfig, { taskSizes: sizes, batchSize: 5, rng: new Rng(1) });
    expect(sampler.name).toBe(type);
    if (type === 'temperature') {
      // P ∝ n^(1/3): 100^(1/3) / (100^(1/3) + 25^(1/3)) — T = 3 reached the sampler
      const p = samplingProbabilities(cfg.training.sampling as SamplingConfig, sizes);
      expect(p.a).toBeCloseTo(100 ** (1 / 3) / (100 ** (1 / 3) + 25 ** (1 / 3)), 10);
    }
  });

  it.each(Object.entries(ARCHITECTURE_OPTIONS))(
    'architecture %s: every option parsed and visible in the created architecture',
    (type, options) => {
      const cfg = loadTrainingConfig(trainingYaml([`architecture: ${flow({ type, ...options })}`]));
      expect(cfg.architecture).toEqual({ type, ...options });
      const store = new ParamStore(1);
      const arch = createArchitecture(cfg.architecture as ArchitectureConfig, {
        tasks: TASK_LIST,
        inputDim: 8,
        shared: { depth: 1, width: 8, dropout: 0 },
        store,
      });
      expect(arch.config()).toMatchObject({ type, ...options });
      arch.dispose();
      store.dispose();
    },
  );

  it('architecture defaults to hard sharing (also when `type` is left out)', () => {
    expect(loadTrainingConfig(trainingYaml([])).architecture).toEqual({ type: 'hard' });
    expect(loadTrainingConfig(trainingYaml(['architecture: {}'])).architecture).toEqual({ type: 'hard' });
  });

  it('an unknown option or a wrong type is rejected with the file, line and field', () => {
    const cases: [string[], string[], RegExp][] = [
      [['architecture: { type: mmoe, windw: 7 }'], [], /:\d+: architecture\.windw: Unrecognized key: "windw"/],
      [['architecture: { type: mmoe, window: many }'], [], /:\d+: architecture\.window: Invalid input: expected number, received string/],
      [['architecture: { type: hard, experts: 2 }'], [], /:\d+: architecture\.experts: Unrecognized key/],
      [[], ['weighting: { type: gradnorm, lr: fast }'], /:\d+: training\.weighting\.lr: Invalid input: expected number, received string/],
      [[], ['weighting: { type: gradnorm, beta: 1 }'], /:\d+: training\.weighting\.beta: Unrecognized key: "beta"/],
      [[], ['weighting: { type: dwa, T: -1 }'], /:\d+: training\.weighting\.T: Too small/],
      [[], ['weighting: { type: equal, T: 2 }'], /:\d+: training\.weighting\.T: Unrecognized key/],
      [[], ['weighting: { type: fancy }'], /:\d+: training\.weighting\.type: Invalid option: expected one of "static"\|"equal"\|/],
      [[], ['sampling: { type: temperature }'], /:\d+: training\.sampling\.T: Invalid input: expected number, received undefined/],
      [[], ['sampling: { type: uniform, T: 2 }'], /:\d+: training\.sampling\.T: Unrecognized key/],
    ];
    for (const [top, training, message] of cases) {
      const file = trainingYaml(top, training);
      expect(() => loadTrainingConfig(file), `${top.join()} ${training.join()}`).toThrowError(message);
    }
  });

  it("static λ from YAML: merged over the tasks' own lambda; an unknown task is named", () => {
    expect(() => loadTrainingConfig(trainingYaml([], ['weighting: { type: static, lambdas: { sentimnt: 1 } }']))).toThrowError(
      /:\d+: training\.weighting\.lambdas\.sentimnt: no task named 'sentimnt'/,
    );
    expect(() =>
      loadTrainingConfig(
        trainingYaml([], ['weighting: { type: static, lambdas: { sentiment: 0, translation-quality: 0, summarization: 0 } }']),
      ),
    ).toThrowError(/every lambda is 0/);
  });
});

describe('a plug-in registered at run time is configurable from YAML', () => {
  const cleanup: (() => void)[] = [];
  afterAll(() => cleanup.forEach((f) => f()));

  it('a toy weighting with its options schema', () => {
    const options = z.object({ gain: z.number().positive().default(2) }).strict();
    registerWeighting('toy', {
      options,
      create: (config, init) => {
        const gain = (config as unknown as { gain: number }).gain;
        const w = createWeighting({ type: 'equal' }, init);
        return Object.assign(Object.create(w) as typeof w, {
          config: () => ({ type: 'toy', gain }) as unknown as WeightingConfig,
          lambdas: () => Object.fromEntries(init.tasks.map((t) => [t, gain])),
        });
      },
    });
    cleanup.push(() => weightings.unregister('toy'));
    const cfg = loadTrainingConfig(trainingYaml([], ['weighting: { type: toy, gain: 4 }']));
    expect(cfg.training.weighting).toEqual({ type: 'toy', gain: 4 });
    expect(loadTrainingConfig(trainingYaml([], ['weighting: { type: toy }'])).training.weighting).toEqual({ type: 'toy', gain: 2 });
    const w = createWeighting(cfg.training.weighting as WeightingConfig, init());
    expect(w.config()).toEqual({ type: 'toy', gain: 4 });
    expect(w.lambdas()).toEqual({ sentiment: 4, 'translation-quality': 4, summarization: 4 });
    expect(() => loadTrainingConfig(trainingYaml([], ['weighting: { type: toy, gain: -1 }']))).toThrowError(
      /training\.weighting\.gain: Too small/,
    );
    expect(() => loadTrainingConfig(trainingYaml([], ['weighting: { type: toy, loss: 1 }']))).toThrowError(
      /training\.weighting\.loss: Unrecognized key/,
    );
  });

  it('a toy sampler with its options schema', () => {
    registerSampler({
      type: 'first-only',
      description: 'always the first k tasks',
      options: z.object({ k: z.number().int().positive() }).strict(),
      validate: (c) => ({ type: 'first-only', k: c.k as number }),
      create: (c, ctx) => ({
        name: 'first-only',
        nextStep: () => Object.keys(ctx.taskSizes).slice(0, c.k),
        stepsPerEpoch: () => 1,
        getState: () => null,
        setState: () => {},
      }),
      probabilities: (c, sizes) => Object.fromEntries(Object.keys(sizes).map((t, i) => [t, i < c.k ? 1 : 0])),
    });
    cleanup.push(() => samplers.unregister('first-only'));
    const cfg = loadTrainingConfig(trainingYaml([], ['sampling: { type: first-only, k: 2 }']));
    expect(cfg.training.sampling).toEqual({ type: 'first-only', k: 2 });
    const s = createSampler(cfg.training.sampling as unknown as SamplingConfig, {
      taskSizes: { a: 1, b: 1, c: 1 },
      batchSize: 1,
      rng: new Rng(1),
    });
    expect(s.nextStep()).toEqual(['a', 'b']);
    expect(() => loadTrainingConfig(trainingYaml([], ['sampling: { type: first-only, k: 1.5 }']))).toThrowError(
      /training\.sampling\.k: Invalid input: expected int/,
    );
  });

  it('a toy architecture with its options schema', () => {
    registerArchitecture('wide-hard', {
      options: z.object({ factor: z.number().int().min(1) }).strict(),
      create: (config, ctx) => {
        const factor = (config as unknown as { factor: number }).factor;
        const inner = createArchitecture({ type: 'hard' }, { ...ctx, shared: { ...ctx.shared, width: ctx.shared.width * factor } });
        return Object.assign(Object.create(inner) as typeof inner, {
          config: () => ({ type: 'wide-hard', factor }) as unknown as ArchitectureConfig,
        });
      },
    });
    cleanup.push(() => architectures.unregister('wide-hard'));
    const cfg = loadTrainingConfig(trainingYaml(['architecture: { type: wide-hard, factor: 2 }']));
    const store = new ParamStore(1);
    const arch = createArchitecture(cfg.architecture as ArchitectureConfig, {
      tasks: TASK_LIST,
      inputDim: 8,
      shared: { depth: 1, width: 8, dropout: 0 },
      store,
    });
    expect(arch.config()).toEqual({ type: 'wide-hard', factor: 2 });
    expect(arch.outputDim).toBe(16);
    store.dispose();
  });
});

describe('trainFromConfig passes the parsed options through', () => {
  it('mmoe.window, gradnorm.lr and the sampling T reach the model and the trainer', async () => {
    const file = trainingYaml(
      ['architecture: { type: mmoe, experts: 2, window: 7 }', 'sharedLayers: { depth: 1, width: 16, dropout: 0 }'],
      ['weighting: { type: gradnorm, alpha: 0.5, lr: 0.01 }', 'sampling: { type: temperature, T: 3 }'],
    );
    const run = await trainFromConfig({
      config: file,
      sample: true,
      tasks: ['sentiment', 'translation-quality'],
      limit: { train: 8, dev: 4 },
      baselines: false,
      steps: 2,
      batchSize: 4,
    });
    try {
      expect(run.model.architecture.config()).toEqual({ type: 'mmoe', experts: 2, window: 7 });
      expect(run.report.architecture).toEqual({ type: 'mmoe', experts: 2, window: 7 });
      expect(run.report.weighting).toEqual({ type: 'gradnorm', alpha: 0.5, lr: 0.01 });
      expect(run.report.sampling).toEqual({ type: 'temperature', T: 3 });
      expect(run.history.completedSteps).toBe(2);
    } finally {
      run.model.dispose();
      await run.encoder.dispose();
    }
  }, 120_000);
});
