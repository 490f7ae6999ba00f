/**
 * The code blocks of docs/ run as a user pastes them, against the built package (`npm run build`),
 * each in a temp folder of its own (relative paths such as runs/… land there; `../shared` beside
 * it links to the real datasets and models), and each is held to what its prose promises: a saved
 * model reloads and predicts as trained, a registered plug-in is accepted by name in a training YAML
 * (a bad option fails naming file, line and field) and a run uses it, the queue gives the vectors
 * and metrics of a run without it. Where the test needs more than the block prints it appends an
 * epilogue (below, per block), and the test writes the input files the prose assumes; the Redis URL
 * of the distributed blocks becomes a private redis-server's (skipped with a message without one).
 * The yaml blocks of docs/guide/configs.md are validated against the config schemas: a fragment
 * completed by the shipped config it belongs to.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncoderConfigSchema } from '../../src/config/schema.js';
import { REDIS, startWorkerProcess } from '../distributed/queue-setup.js';
import { startRedis, type RedisHandle } from '../distributed/redis.js';
import { packageRoot } from '../../src/utils/paths.js';
import type { CliResult } from '../cli/helpers.js';
import { fencedBlocks, runAsPasted } from './run-as-pasted.js';
import { checkConfigBlock } from './config-blocks.js';

const root = packageRoot();
const base = mkdtempSync(join(tmpdir(), 'mtl-docs-blocks-'));
symlinkSync(resolve(root, '..', 'shared'), join(base, 'shared'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** The ts/js blocks of a document under docs/, in order. */
const codeBlocks = (doc: string) =>
  fencedBlocks(readFileSync(join(root, doc), 'utf8')).filter((b) => /^(ts|js|typescript|javascript)$/.test(b.lang));

/** A block's folder (beside `../shared`), made empty. */
function workDir(id: string): string {
  const dir = join(base, id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  return dir;
}

/** Runs block `index` of `doc` (with `epilogue` appended) in its folder; a failure shows its output. */
async function run(doc: string, index: number, work: string, epilogue = '', edit = (code: string) => code): Promise<CliResult> {
  const block = codeBlocks(doc)[index];
  if (!block) throw new Error(`${doc}: no code block ${index}`);
  const id = `${doc.replace(/[/.]/g, '_')}_${index}`;
  const r = await runAsPasted(id, `${edit(block.body)}\n// --- test epilogue ---\n${epilogue}\n`, { cwd: work, timeoutMs: 120_000 });
  expect(r.code, `${doc}:${block.line}: exit ${r.code}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

/** The epilogue's JSON line (`DOCS-TEST {…}`). */
function report<T>(r: CliResult): T {
  const line = r.stdout.split('\n').find((l) => l.startsWith('DOCS-TEST '));
  if (!line) throw new Error(`no DOCS-TEST line in:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line.slice('DOCS-TEST '.length)) as T;
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist/index.js')))
    throw new Error('dist/index.js not found: run `npm run build` first (the docs blocks run the built package)');
});

describe('every ts/js block under docs/ is run here', () => {
  it('the blocks run below are all there are', () => {
    const docs = readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f.split(sep).join('/')}`);
    const counts = Object.fromEntries(docs.map((d) => [d, codeBlocks(d).length]).filter(([, n]) => n));
    expect(counts).toEqual({
      'docs/guide/library-api.md': 2,
      'docs/develop/extending.md': 3,
      'docs/guide/distributed.md': 2,
      'docs/guide/use-in-your-app.md': 1,
    });
  });
});

describe('docs/guide/use-in-your-app.md', () => {
  it('the smallest program encodes two texts with mtl:mini', async () => {
    const r = await run('docs/guide/use-in-your-app.md', 0, workDir('app'));
    expect(r.stdout).toMatch(/^\[ 2, \d+ \] Float32Array\(4\) \[/);
  }, 120_000);
});

describe('docs/guide/library-api.md', () => {
  it('fine-tuning the top layer: the saved folder holds the fine-tuned encoder, reloads alone and predicts as trained', async () => {
    const work = workDir('finetune');
    const r = await run(
      'docs/guide/library-api.md',
      0,
      work,
      `const probe = ['a warm , funny film .', 'a mess .', 'the cast is fine but the plot is thin .'];
const trained = await model.predict('sentiment', probe);
const loaded = await MultiTaskModel.fromPretrained('runs/finetuned');
console.log('DOCS-TEST ' + JSON.stringify({ trained, loaded: await loaded.predict('sentiment', probe) }));`,
    );
    for (const f of [
      'manifest.json',
      'model.safetensors',
      'encoder/onnx/model.onnx',
      'encoder/onnx/model_quantized.onnx',
      'encoder/tokenizer.json',
    ])
      expect(existsSync(join(work, 'runs/finetuned', f)), f).toBe(true);
    const manifest = readFileSync(join(work, 'runs/finetuned/manifest.json'), 'utf8');
    expect(manifest).toMatch(/"sha256"/);
    const { trained, loaded } = report<Record<'trained' | 'loaded', { label: string; probabilities: Record<string, number> }[]>>(r);
    expect(loaded.map((p) => p.label)).toEqual(trained.map((p) => p.label));
    for (const [i, p] of trained.entries())
      for (const [label, v] of Object.entries(p.probabilities))
        expect(Math.abs(loaded[i]!.probabilities[label]! - v), label).toBeLessThan(1e-4);
  }, 120_000);

  it('training callbacks: the evaluation is logged, and the run ends with its stop reason and best step', async () => {
    const r = await run('docs/guide/library-api.md', 1, workDir('callbacks'));
    expect(r.stdout).toMatch(/^\d+ \{\s+sentiment: \{\s+accuracy: [\d.]+,\s+macro_f1: [\d.]+,\s+loss: [\d.]+/m);
    expect(r.stdout).toMatch(/^(completed|stopped) \{ step: \d+, metric: 'sentiment\.accuracy', value: [\d.]+ \}$/m);
  }, 120_000);
});

/**
 * Epilogue of the plug-in blocks: a training YAML naming the plug-in (plugin.yaml, written by the
 * test) is loaded and trained two steps on two sample tasks; one with a bad option (bad.yaml) fails.
 */
const pluginEpilogue = `const { loadTrainingConfig, trainFromConfig } = await import('mtl-nlp');
const seen = new Set<string>();
const { report } = await trainFromConfig({
  config: 'plugin.yaml', sample: true, limit: { train: 16, dev: 8 }, baselines: false,
  onProgress: (e) => { for (const t of Object.keys((e as { losses?: object }).losses ?? {})) seen.add(t); },
});
let bad = '';
try { loadTrainingConfig('bad.yaml'); } catch (err) { bad = (err as Error).message; }
console.log('DOCS-TEST ' + JSON.stringify({ report: { weighting: report.weighting, sampling: report.sampling, architecture: report.architecture, lambdas: report.lambdas, steps: report.steps }, trained: [...seen], bad }));`;

/** A training config of the sentiment and translation-quality tasks (their shipped YAMLs) on mtl:mini, with `extra` lines. */
const pluginYaml = (extra: string) =>
  `encoder: { model: 'mtl:mini' }\ntasks:\n  - { config: ${join(root, 'tasks/sentiment.yaml')} }\n  - { config: ${join(root, 'tasks/translation-quality.yaml')} }\n${extra}\n`;

interface PluginReport {
  report: { weighting: object; sampling: object; architecture: object; lambdas: Record<string, number>; steps: number };
  trained: string[];
  bad: string;
}

async function runPlugin(index: number, good: string, bad: string): Promise<PluginReport> {
  const work = workDir(`plugin-${index}`);
  writeFileSync(join(work, 'plugin.yaml'), pluginYaml(good));
  writeFileSync(join(work, 'bad.yaml'), pluginYaml(bad));
  return report<PluginReport>(await run('docs/develop/extending.md', index, work, pluginEpilogue));
}

describe('docs/develop/extending.md', () => {
  it('a registered weighting is chosen by name in a training YAML: λ = factor for the first task; factor -1 fails naming the field', async () => {
    const r = await runPlugin(
      0,
      'training: { steps: 2, batchSize: 8, weighting: { type: first-task, factor: 3 } }',
      'training: { steps: 2, weighting: { type: first-task, factor: -1 } }',
    );
    expect(r.report.weighting).toEqual({ type: 'first-task', factor: 3 });
    expect(r.report.lambdas).toEqual({ sentiment: 3, 'translation-quality': 1 });
    expect(r.report.steps).toBe(2);
    expect(r.bad).toMatch(/bad\.yaml:\d+: training\.weighting\.factor: Too small/);
  }, 120_000);

  it('a registered sampler is chosen by name: k = 1 trains the first task only; k = 0 fails naming the field', async () => {
    const r = await runPlugin(
      1,
      'training: { steps: 3, batchSize: 8, sampling: { type: first-only, k: 1 } }',
      'training: { steps: 2, sampling: { type: first-only, k: 0 } }',
    );
    expect(r.report.sampling).toEqual({ type: 'first-only', k: 1 });
    expect(r.trained).toEqual(['sentiment']);
    expect(r.bad).toMatch(/bad\.yaml:\d+: training\.sampling\.k: Too small/);
  }, 120_000);

  it('a registered architecture is chosen by name and trains; an option it lacks fails naming the field', async () => {
    const r = await runPlugin(
      2,
      'architecture: { type: my-hard }\ntraining: { steps: 2, batchSize: 8 }',
      'architecture: { type: my-hard, experts: 2 }\ntraining: { steps: 2 }',
    );
    expect(r.report.architecture).toEqual({ type: 'my-hard' });
    expect(r.trained.sort()).toEqual(['sentiment', 'translation-quality']);
    expect(r.bad).toMatch(/bad\.yaml:\d+: architecture\.experts: /);
  }, 120_000);
});

describe.skipIf(!REDIS)('docs/guide/distributed.md (a private redis-server)', () => {
  let redis: RedisHandle;
  let worker: ChildProcess | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await redis?.dispose();
  });
  const onOurRedis = (code: string) => {
    expect(code).toContain("'redis://127.0.0.1:6379'");
    return code.replaceAll("'redis://127.0.0.1:6379'", `'${redis.url}'`);
  };

  it('encodeDistributed with an in-process worker gives the rows one Encoder gives the same batch', async () => {
    const r = await run(
      'docs/guide/distributed.md',
      0,
      workDir('encode-queue'),
      `const { Encoder } = await import('mtl-nlp');
const here = await Encoder.load('mtl:mini', { dtype: 'q8' });
const local = await here.encode(texts);
await here.dispose();
console.log('DOCS-TEST ' + JSON.stringify({ dims, local: local.dims, maxDiff: Math.max(...data.map((v, i) => Math.abs(v - local.data[i]!))) }));`,
      onOurRedis,
    );
    expect(r.stdout).toMatch(/^2 \/ 2$/m);
    const { dims, local, maxDiff } = report<{ dims: number[]; local: number[]; maxDiff: number }>(r);
    expect(dims).toEqual(local);
    expect(dims[0]).toBe(2);
    expect(maxDiff).toBeLessThan(1e-5);
  }, 120_000);

  it('trainFromConfig with queueFeatureFiller, then evaluateDistributed: the metrics of a plain evaluate', async () => {
    const work = workDir('train-queue');
    // the data file the block evaluates: a slice of SST-2 dev, in its own format (sst2)
    const dev = readFileSync(join(base, 'shared/datasets/sentiment/sst2/stsa.binary.dev'), 'utf8').split('\n');
    writeFileSync(join(work, 'reviews.txt'), dev.slice(0, 40).join('\n') + '\n');
    // the workers of section 2, with this block's model and encoder on their allow list
    worker = await startWorkerProcess(redis.url, [join(work, 'runs/model'), 'mtl:mini'], { built: true });
    const r = await run(
      'docs/guide/distributed.md',
      1,
      work,
      `const { evaluate } = await import('mtl-nlp');
const plain = await evaluate({ model: 'runs/model', task: 'sentiment', data: 'reviews.txt', format: 'sst2' });
console.log('DOCS-TEST ' + JSON.stringify({ trained: report.tasks.sentiment, queued: result, plain }));`,
      onOurRedis,
    );
    const { trained, queued, plain } = report<{
      trained: { train: number; dev: number };
      queued: { n: number; metrics: object };
      plain: { metrics: object };
    }>(r);
    expect(trained).toMatchObject({ train: 100, dev: 50 });
    expect(queued.n).toBe(40);
    expect(queued.metrics).toEqual(plain.metrics);
  }, 180_000);
});

describe('docs/guide/configs.md: every yaml block is valid against the config schemas', () => {
  const doc = 'docs/guide/configs.md';
  const yamls = fencedBlocks(readFileSync(join(root, doc), 'utf8')).filter((b) => b.lang === 'yaml');
  it('has its three blocks', () => expect(yamls).toHaveLength(3));
  it.each(yamls.map((b) => [`${doc}:${b.line}`, b] as const))('%s', (where, b) => {
    expect(checkConfigBlock(where, b.body).length, where).toBeGreaterThan(0);
  });

  it('the fine-tuning block shows the defaults of every field but layers', () => {
    const b = yamls.find((y) => y.body.includes('finetune:'))!;
    const shown = (parseYaml(b.body) as { encoder: { finetune: Record<string, number> } }).encoder.finetune;
    const defaults = EncoderConfigSchema.parse({ model: 'm', finetune: {} }).finetune!;
    expect(Object.keys(shown).sort()).toEqual(Object.keys(defaults).sort());
    expect({ ...shown, layers: defaults.layers }).toEqual(defaults);
  });

  it('would see a wrong value, an unknown key, or a block that differs from the file it names (the check can fail)', () => {
    const full = yamls[0]!.body;
    expect(() => checkConfigBlock('x', full.replace('epochs: 4', 'epochs: four'))).toThrow(/^x: training\.epochs: /);
    expect(() => checkConfigBlock('x', full.replace('epochs: 4', 'epochs: 5'))).toThrow(/says it is tasks\/multitask\.yaml but differs/);
    expect(() => checkConfigBlock('x', 'encoder: { model: m, finetune: { layer: 2 } }')).toThrow(/^x: encoder\.finetune\.layer: /);
    expect(() => checkConfigBlock('x', '# tasks/translation-quality.yaml\ninput: { mode: sideways }')).toThrow(/^x: input\.mode: /);
    expect(() => checkConfigBlock('x', 'input: { mode: cross }\n# sentiment: input: { pooling: nosuch }')).toThrow(/must name its file/);
    expect(() =>
      checkConfigBlock('x', '# tasks/translation-quality.yaml\ninput: { mode: cross }\n# sentiment: input: { pooling: nosuch }'),
    ).toThrow(/comment on sentiment\): input\.pooling: /);
  });
});
