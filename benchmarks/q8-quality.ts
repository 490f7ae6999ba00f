/**
 * What q8 costs in task quality: `npx tsx benchmarks/q8-quality.ts [model folder]` (default
 * ../shared/models/reference-mini). Quantizes the model with the project's own quantizer
 * (quantizeDynamicBytes, the fixture q8 form) into a temporary folder, encodes the same texts with the
 * fp32 and q8 files (mean pooling) and fits the same closed-form probe on each (ridge regression on the
 * frozen vectors, λ = 1), so the two numbers differ only by the encoder file. A reduced protocol (the
 * full `mtl bench --suite encoders` run takes ~40 minutes per encoder on 2 cores):
 *   SST-2: 2,000 training sentences (evenly spaced) → dev accuracy (872).
 *   MLQE-PE: en-de, et-en, ro-en, si-en, 1,000 training pairs each → dev Pearson with z_mean (1,000 each);
 *     features [s, t, s⊙t, |s−t|].
 *   BBC: sentences of 150 articles → ridge on [sentence, article mean] predicting "in the summary";
 *     on 100 other articles pick as many top sentences as the reference has, in article order; ROUGE-1/2/Lsum.
 * Also the vectors' agreement (cosine of fp32 and q8 per text). Writes results/q8-quality-<date>.json/.md.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Encoder } from '../src/encoder/index.js';
import { quantizeDynamicBytes } from '../src/generators/quantize.js';
import { loadSst2, sst2Path } from '../src/data/sst2.js';
import { loadMlqe, mlqePath } from '../src/data/mlqe.js';
import { bbcRoot, loadBbc, type BbcExample } from '../src/data/bbc.js';
import { pearson } from '../src/metrics/correlation.js';
import { scoreRouge } from '../src/metrics/rouge.js';
import { cpuFeatures } from '../src/utils/cpu.js';
import { writeFileAtomicSync } from '../src/utils/fs.js';
import { packageRoot } from '../src/utils/paths.js';

const modelDir = resolve(process.argv[2] ?? join(packageRoot(), '..', 'shared', 'models', 'reference-mini'));
const quiet = () => undefined;

/** Evenly spaced k of xs. */
function spaced<T>(xs: readonly T[], k: number): T[] {
  if (xs.length <= k) return xs.slice();
  return Array.from({ length: k }, (_, i) => xs[Math.floor((i * xs.length) / k)]!);
}

/** Ridge regression with intercept: w = (XᵀX + λI)⁻¹ Xᵀy by Cholesky. X rows of width d. */
function ridge(X: Float64Array[], y: number[], lambda = 1): (x: Float64Array) => number {
  const d = X[0]!.length + 1;
  const A = new Float64Array(d * d);
  const b = new Float64Array(d);
  const row = new Float64Array(d);
  for (let n = 0; n < X.length; n++) {
    row.set(X[n]!);
    row[d - 1] = 1;
    for (let i = 0; i < d; i++) {
      const ri = row[i]!;
      if (ri === 0) continue;
      b[i]! += ri * y[n]!;
      for (let j = 0; j <= i; j++) A[i * d + j]! += ri * row[j]!;
    }
  }
  for (let i = 0; i < d - 1; i++) A[i * d + i]! += lambda;
  // Cholesky (lower), in place
  for (let j = 0; j < d; j++) {
    let s = A[j * d + j]!;
    for (let k = 0; k < j; k++) s -= A[j * d + k]! ** 2;
    const l = Math.sqrt(Math.max(s, 1e-12));
    A[j * d + j] = l;
    for (let i = j + 1; i < d; i++) {
      let t = A[i * d + j]!;
      for (let k = 0; k < j; k++) t -= A[i * d + k]! * A[j * d + k]!;
      A[i * d + j] = t / l;
    }
  }
  const z = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= A[i * d + k]! * z[k]!;
    z[i] = s / A[i * d + i]!;
  }
  const w = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < d; k++) s -= A[k * d + i]! * w[k]!;
    w[i] = s / A[i * d + i]!;
  }
  return (x) => {
    let s = w[d - 1]!;
    for (let i = 0; i < d - 1; i++) s += w[i]! * x[i]!;
    return s;
  };
}

type Vecs = (texts: string[]) => Promise<Float64Array[]>;

function vecsOf(enc: Encoder): Vecs {
  return async (texts) => {
    const r = await enc.encode(texts);
    const d = r.dims[1];
    return texts.map((_, i) => Float64Array.from(r.data.subarray(i * d, i * d + d)));
  };
}

const concat = (...xs: Float64Array[]) => {
  const out = new Float64Array(xs.reduce((s, x) => s + x.length, 0));
  let o = 0;
  for (const x of xs) {
    out.set(x, o);
    o += x.length;
  }
  return out;
};

async function sst2(vecs: Vecs): Promise<number> {
  const train = spaced(loadSst2(sst2Path('train')).rows, 2000);
  const dev = loadSst2(sst2Path('dev')).rows;
  const f = ridge(
    await vecs(train.map((r) => r.text)),
    train.map((r) => (r.label === 'positive' ? 1 : -1)),
  );
  const X = await vecs(dev.map((r) => r.text));
  return dev.filter((r, i) => f(X[i]!) > 0 === (r.label === 'positive')).length / dev.length;
}

const PAIRS = ['en-de', 'et-en', 'ro-en', 'si-en'];
async function mlqe(vecs: Vecs): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const pair of PAIRS) {
    const feats = async (rows: { source: string; translation: string }[]) => {
      const s = await vecs(rows.map((r) => r.source));
      const t = await vecs(rows.map((r) => r.translation));
      return s.map((si, i) => {
        const ti = t[i]!;
        return concat(
          si,
          ti,
          si.map((v, k) => v * ti[k]!),
          si.map((v, k) => Math.abs(v - ti[k]!)),
        );
      });
    };
    const train = spaced(loadMlqe(mlqePath('train', pair)).rows, 1000);
    const dev = loadMlqe(mlqePath('dev', pair)).rows;
    const f = ridge(
      await feats(train),
      train.map((r) => r.score),
    );
    const X = await feats(dev);
    out[pair] = pearson(
      X.map((x) => f(x)),
      dev.map((r) => r.score),
    );
  }
  out.mean = PAIRS.reduce((s, p) => s + out[p]!, 0) / PAIRS.length;
  return out;
}

async function bbc(vecs: Vecs, docs: BbcExample[]): Promise<{ rouge1: number; rouge2: number; rougeLsum: number }> {
  const trainDocs = docs.filter((_, i) => i % 2 === 0).slice(0, 150);
  const evalDocs = docs.filter((_, i) => i % 2 === 1).slice(0, 100);
  const docFeats = async (doc: BbcExample) => {
    const v = await vecs(doc.sentences);
    const mean = new Float64Array(v[0]!.length);
    for (const x of v) for (let k = 0; k < x.length; k++) mean[k]! += x[k]! / v.length;
    return v.map((x) => concat(x, mean));
  };
  const X: Float64Array[] = [];
  const y: number[] = [];
  for (const doc of trainDocs) {
    const inSummary = new Set(doc.summarySentences.map((s) => s.trim()));
    const f = await docFeats(doc);
    doc.sentences.forEach((s, i) => {
      X.push(f[i]!);
      y.push(inSummary.has(s.trim()) ? 1 : 0);
    });
  }
  const f = ridge(X, y);
  const acc = { rouge1: 0, rouge2: 0, rougeLsum: 0 };
  for (const doc of evalDocs) {
    const feats = await docFeats(doc);
    const k = Math.max(1, doc.summarySentences.length);
    const top = feats
      .map((x, i) => [f(x), i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, k)
      .map(([, i]) => i)
      .sort((a, b) => a - b);
    const pred = top.map((i) => doc.sentences[i]!).join('\n');
    const s = scoreRouge(pred, doc.summarySentences.join('\n'));
    acc.rouge1 += (100 * s.rouge1.fmeasure) / evalDocs.length;
    acc.rouge2 += (100 * s.rouge2.fmeasure) / evalDocs.length;
    acc.rougeLsum += (100 * s.rougeLsum.fmeasure) / evalDocs.length;
  }
  return acc;
}

async function main(): Promise<void> {
  const cpu = cpuFeatures();
  const tmp = mkdtempSync(join(tmpdir(), 'q8-quality-'));
  try {
    // the model folder with a q8 file made by the project's quantizer (the shared folder is read-only)
    mkdirSync(join(tmp, 'onnx'));
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) {
      try {
        copyFileSync(join(modelDir, f), join(tmp, f));
      } catch {
        // optional file
      }
    }
    const fp32 = readFileSync(join(modelDir, 'onnx', 'model.onnx'));
    copyFileSync(join(modelDir, 'onnx', 'model.onnx'), join(tmp, 'onnx', 'model.onnx'));
    const q = quantizeDynamicBytes(new Uint8Array(fp32.buffer, fp32.byteOffset, fp32.byteLength));
    writeFileSync(join(tmp, 'onnx', 'model_quantized.onnx'), q.bytes);
    const docs = loadBbc(bbcRoot()).rows;
    const results: Record<
      string,
      { sst2: number; mlqe: Record<string, number>; bbc: { rouge1: number; rouge2: number; rougeLsum: number }; seconds: number }
    > = {};
    const encs: Record<string, Encoder> = {};
    for (const dtype of ['fp32', 'q8'] as const) {
      encs[dtype] = await Encoder.load(tmp, { dtype, device: 'cpu', logger: quiet });
      const t0 = performance.now();
      const v = vecsOf(encs[dtype]);
      results[dtype] = { sst2: await sst2(v), mlqe: await mlqe(v), bbc: await bbc(v, docs), seconds: (performance.now() - t0) / 1000 };
      console.error(`[q8-quality] ${dtype}: ${JSON.stringify(results[dtype])}`);
    }
    // vector agreement on the SST-2 dev sentences
    const dev = loadSst2(sst2Path('dev')).rows.map((r) => r.text);
    const [a, b] = [await encs.fp32!.encode(dev), await encs.q8!.encode(dev)];
    const d = a.dims[1];
    let cosSum = 0;
    let cosMin = 1;
    for (let i = 0; i < dev.length; i++) {
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let k = 0; k < d; k++) {
        const x = a.data[i * d + k]!;
        const y = b.data[i * d + k]!;
        ab += x * y;
        aa += x * x;
        bb += y * y;
      }
      const c = ab / Math.sqrt(aa * bb);
      cosSum += c;
      cosMin = Math.min(cosMin, c);
    }
    for (const e of Object.values(encs)) await e.dispose();
    const f = results.fp32!;
    const g = results.q8!;
    const out = {
      date: new Date().toISOString(),
      model: modelDir,
      quantizer: { ...q.stats },
      cpu,
      protocol:
        'ridge probe (λ = 1) on frozen mean-pooled vectors; SST-2 2,000 train → 872 dev; MLQE-PE en-de/et-en/ro-en/si-en 1,000 train → 1,000 dev each; BBC 150 train / 100 eval articles, top-k sentences',
      fp32: f,
      q8: g,
      delta: {
        sst2Accuracy: g.sst2 - f.sst2,
        mlqePearsonMean: g.mlqe.mean! - f.mlqe.mean!,
        bbcRouge1: g.bbc.rouge1 - f.bbc.rouge1,
        bbcRouge2: g.bbc.rouge2 - f.bbc.rouge2,
        bbcRougeLsum: g.bbc.rougeLsum - f.bbc.rougeLsum,
      },
      vectorCosine: { mean: cosSum / dev.length, min: cosMin },
    };
    const day = out.date.slice(0, 10);
    const dir = process.env.MTL_RESULTS_DIR ?? join(packageRoot(), 'results');
    mkdirSync(dir, { recursive: true });
    writeFileAtomicSync(join(dir, `q8-quality-${day}.json`), JSON.stringify(out, null, 2) + '\n');
    const md = [
      `| dtype | SST-2 acc | MLQE-PE Pearson (mean of 4) | BBC R-1 / R-2 / R-Lsum | encode + probe s |`,
      `|---|---|---|---|---|`,
      ...(['fp32', 'q8'] as const).map((k) => {
        const r = results[k]!;
        return `| ${k} | ${r.sst2.toFixed(3)} | ${r.mlqe.mean!.toFixed(3)} (${PAIRS.map((p) => r.mlqe[p]!.toFixed(3)).join(' / ')}) | ${r.bbc.rouge1.toFixed(2)} / ${r.bbc.rouge2.toFixed(2)} / ${r.bbc.rougeLsum.toFixed(2)} | ${r.seconds.toFixed(0)} |`;
      }),
      `| q8 − fp32 | ${out.delta.sst2Accuracy >= 0 ? '+' : ''}${out.delta.sst2Accuracy.toFixed(3)} | ${out.delta.mlqePearsonMean >= 0 ? '+' : ''}${out.delta.mlqePearsonMean.toFixed(3)} | ${out.delta.bbcRouge1.toFixed(2)} / ${out.delta.bbcRouge2.toFixed(2)} / ${out.delta.bbcRougeLsum.toFixed(2)} | |`,
      '',
      `Vectors, SST-2 dev: cosine(fp32, q8) mean ${out.vectorCosine.mean.toFixed(4)}, min ${out.vectorCosine.min.toFixed(4)}. CPU: ${cpu.summary}.`,
    ].join('\n');
    writeFileAtomicSync(
      join(dir, `q8-quality-${day}.md`),
      `# q8 vs fp32 task quality ${out.date}\n\nModel: ${modelDir}. Protocol: ${out.protocol}.\n\n${md}\n`,
    );
    console.log(md);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
