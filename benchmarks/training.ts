/**
 * Training throughput benchmark (not a timed test): `npx tsx benchmarks/training.ts [--quick]`.
 *
 * Synthetic cached features (dim 384) with the sizes of the three shared datasets:
 *   sentiment      SST-2 train, 6,920 sentences, 2 classes           (single text → softmax)
 *   translation QE MLQE-PE, 7 language pairs × 7,000 = 49,000 pairs  (pair → [u,v,|u−v|,u⊙v] → MSE)
 *   summarization  BBC News, 2,004 documents × ~20 sentences          (sentence set → masked BCE)
 * Each task alone, then all three together (hard sharing, sampling 'all', equal weighting), on every
 * backend available here (tfjs-node when installed, wasm, cpu). Shared layers: depth 2, width 384,
 * dropout 0.1; AdamW. Reports optimisation steps/s and examples/s (documents for summarization; rows
 * through the shared layers as well). Writes results/training-<date>[-quick].json, prints a Markdown table.
 * Numbers are wall-clock on a possibly shared machine: compare ratios more than absolute values.
 *
 * Summarization is the real SummarizationTask (sentence, document vector and position features →
 * score; masked BCE); the synthetic documents carry 0/1 labels, so no ROUGE oracle runs.
 */
import '../src/utils/tf.js'; // the project's TensorFlow.js setup (backend registration)
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { availableBackends, initBackend, type BackendName } from '../src/training/backend.js';
import { FeatureStore } from '../src/training/features.js';
import { MultiTaskModel } from '../src/training/model.js';
import { ClassificationTask } from '../src/tasks/classification.js';
import { PairRegressionTask } from '../src/tasks/pair-regression.js';
import type { Task } from '../src/tasks/types.js';
import { SummarizationTask } from '../src/tasks/summarization/index.js';
import { writeFileAtomicSync } from '../src/utils/fs.js';
import { packageRoot } from '../src/utils/paths.js';
import { Rng } from '../src/utils/random.js';

const quick = process.argv.includes('--quick');
const DIM = 384;

interface Workload {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a workload mixes tasks of every example type
  tasks: () => Task<any, any, any>[];
  data: Record<string, { train: unknown[] }>;
  batchSize: number;
  /** Examples and shared-layer rows per optimisation step (with sampling 'all'). */
  examplesPerStep: number;
  rowsPerStep: number;
}

function buildData(scale: number) {
  const rng = new Rng('training-bench');
  const features = new FeatureStore(DIM);
  const vec = () => {
    const v = new Float32Array(DIM);
    for (let i = 0; i < DIM; i++) v[i] = (rng.next() - 0.5) * 0.2;
    return v;
  };
  const nSst = Math.round(6920 * scale);
  const sst = Array.from({ length: nSst }, (_, i) => {
    features.set(`sst${i}`, vec());
    return { text: `sst${i}`, label: rng.next() < 0.5 ? 'negative' : 'positive' };
  });
  const nQe = Math.round(49000 * scale);
  const qe = Array.from({ length: nQe }, (_, i) => {
    features.set(`src${i}`, vec());
    features.set(`mt${i}`, vec());
    return { a: `src${i}`, b: `mt${i}`, score: rng.normal() };
  });
  const nDocs = Math.round(2004 * scale);
  const docs = Array.from({ length: nDocs }, (_, d) => {
    const n = 12 + rng.int(17); // 12..28 sentences, mean 20
    const sentences = Array.from({ length: n }, (_, j) => {
      const t = `doc${d}s${j}`;
      features.set(t, vec());
      return t;
    });
    return { sentences, labels: sentences.map(() => (rng.next() < 0.3 ? 1 : 0)) };
  });
  return { features, sst, qe, docs };
}

interface Row {
  backend: BackendName;
  workload: string;
  batchSize: string;
  steps: number;
  stepsPerSec: number;
  examplesPerSec: number;
  rowsPerSec: number;
  msPerStep: number;
}

async function measure(backend: BackendName, w: Workload, features: FeatureStore, warmup: number, timed: number): Promise<Row> {
  const model = await MultiTaskModel.create({
    encoder: { dim: DIM },
    tasks: w.tasks(),
    sharedLayers: { depth: 2, width: 384, dropout: 0.1 },
    seed: 1,
    features,
    backend,
    log: false,
  });
  let t0 = 0;
  let t1 = 0;
  await model.fit(w.data, {
    steps: warmup + timed,
    batchSize: w.batchSize,
    optimizer: { type: 'adamw', lr: 1e-3, weightDecay: 0.01 },
    clipNorm: 1,
    log: false,
    logFile: false,
    onProgress: (e) => {
      if (e.step === warmup) t0 = performance.now();
      if (e.step === warmup + timed) t1 = performance.now();
    },
  });
  model.dispose();
  const sec = (t1 - t0) / 1000;
  return {
    backend,
    workload: w.name,
    batchSize: String(w.batchSize),
    steps: timed,
    stepsPerSec: timed / sec,
    examplesPerSec: (timed * w.examplesPerStep) / sec,
    rowsPerSec: (timed * w.rowsPerStep) / sec,
    msPerStep: (sec * 1000) / timed,
  };
}

async function main(): Promise<void> {
  const scale = quick ? 0.1 : 1;
  const warmup = quick ? 2 : 5;
  const timed = quick ? 10 : 40;
  const t = Date.now();
  const { features, sst, qe, docs } = buildData(scale);
  console.log(`synthetic features: ${features.size} texts × ${DIM} in ${Date.now() - t} ms (scale ${scale})`);
  const meanSent = docs.reduce((a, d) => a + d.sentences.length, 0) / docs.length;
  const sentimentTask = () => new ClassificationTask({ name: 'sentiment', labels: ['negative', 'positive'] });
  const qeTask = () => new PairRegressionTask({ name: 'qe', hidden: 128 });
  const sumTask = () => new SummarizationTask({ name: 'summ' });
  const workloads: Workload[] = [
    {
      name: `sentiment (${sst.length} sentences)`,
      tasks: () => [sentimentTask()],
      data: { sentiment: { train: sst } },
      batchSize: 32,
      examplesPerStep: 32,
      rowsPerStep: 32,
    },
    {
      name: `translation QE (${qe.length} pairs)`,
      tasks: () => [qeTask()],
      data: { qe: { train: qe } },
      batchSize: 32,
      examplesPerStep: 32,
      rowsPerStep: 64,
    },
    {
      name: `summarization (${docs.length} docs × ${meanSent.toFixed(1)} sent.)`,
      tasks: () => [sumTask()],
      data: { summ: { train: docs } },
      batchSize: 8,
      examplesPerStep: 8,
      rowsPerStep: Math.round(8 * meanSent),
    },
  ];
  // all three at once: one batch of each per step
  workloads.push({
    name: 'all three (hard sharing, sampling all)',
    tasks: () => [sentimentTask(), qeTask(), sumTask()],
    data: { sentiment: { train: sst }, qe: { train: qe }, summ: { train: docs } },
    batchSize: 16,
    examplesPerStep: 48,
    rowsPerStep: 16 + 32 + Math.round(16 * meanSent),
  });
  const backends = await availableBackends();
  const rows: Row[] = [];
  for (const backend of backends) {
    await initBackend(backend, { log: true });
    for (const w of workloads) {
      // the pure-JS cpu backend is ~10× slower: time fewer steps there
      const r = await measure(backend, w, features, warmup, backend === 'cpu' ? Math.max(3, Math.round(timed / 4)) : timed);
      rows.push(r);
      console.log(
        `${backend.padEnd(10)} ${w.name.padEnd(44)} ${r.stepsPerSec.toFixed(2)} steps/s  ${r.examplesPerSec.toFixed(0)} examples/s`,
      );
    }
  }
  const result = {
    date: new Date().toISOString(),
    quick,
    machine: { cpus: `${cpus().length}× ${cpus()[0]?.model ?? 'unknown'}`, node: process.version },
    config: {
      dim: DIM,
      sharedLayers: { depth: 2, width: 384, dropout: 0.1 },
      optimizer: 'adamw',
      clipNorm: 1,
      warmupSteps: warmup,
      timedSteps: timed,
      datasetScale: scale,
    },
    backends,
    rows,
    note: 'Synthetic cached features; batch sizes: sentiment 32 sentences, QE 32 pairs (64 rows), summarization 8 documents; "all three" uses batch 16 per task. Examples = sentences / pairs / documents; rows = vectors through the shared layers.',
  };
  const outDir = process.env.MTL_RESULTS_DIR ?? join(packageRoot(), 'results');
  mkdirSync(outDir, { recursive: true });
  const day = result.date.slice(0, 10);
  const file = join(outDir, `training-${day}${quick ? '-quick' : ''}.json`);
  writeFileAtomicSync(file, JSON.stringify(result, null, 2) + '\n');
  const md = [
    '| backend | workload | batch | steps/s | examples/s | rows/s | ms/step |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.backend} | ${r.workload} | ${r.batchSize} | ${r.stepsPerSec.toFixed(2)} | ${r.examplesPerSec.toFixed(0)} | ${r.rowsPerSec.toFixed(0)} | ${r.msPerStep.toFixed(1)} |`,
    ),
  ].join('\n');
  console.log(`\n${md}\n\n${result.note}\nwritten ${file}`);
}

await main();
