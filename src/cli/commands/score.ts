/**
 * `mtl score rouge|correlation|classification --input FILE.jsonl`: score any system's outputs.
 * Each input line is one JSON object; a malformed line is an error naming the file and line.
 */
import { UserError } from '../../errors.js';
import { accuracy, confusionMatrix, formatConfusionMatrix, macroF1 } from '../../metrics/classification.js';
import { kendallTauB, mse, pearson, spearman } from '../../metrics/correlation.js';
import { corpusRouge } from '../../metrics/rouge.js';
import { decodeUtf8, readInputFile, warnUser } from '../input.js';
import type { GlobalOptions } from '../global-options.js';

type Json = Record<string, unknown>;

function readJsonl(file: string, warn: (message: string) => void = () => undefined): { line: number; value: Json }[] {
  const text = decodeUtf8(readInputFile(file), file, warn);
  const out: { line: number; value: Json }[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new UserError(`${file}:${i + 1}: not valid JSON (${(err as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new UserError(`${file}:${i + 1}: expected a JSON object`);
    out.push({ line: i + 1, value: value as Json });
  });
  if (out.length === 0) throw new UserError(`${file}: no records`);
  return out;
}

function field<T>(file: string, rec: { line: number; value: Json }, name: string, check: (v: unknown) => v is T, what: string): T {
  const v = rec.value[name];
  if (!check(v)) throw new UserError(`${file}:${rec.line}: field "${name}" must be ${what}`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isReference = (v: unknown): v is string | string[] => isString(v) || (Array.isArray(v) && v.length > 0 && v.every(isString));
const isLabel = (v: unknown): v is string | number => isString(v) || isNumber(v);

export function scoreFile(kind: string, file: string, warn?: (message: string) => void): { metrics: Record<string, number>; text: string } {
  const recs = readJsonl(file, warn);
  if (kind === 'rouge') {
    return scoreRougeRecords(file, recs);
  }
  if (kind === 'correlation') {
    const pred = recs.map((r) => field(file, r, 'prediction', isNumber, 'a number'));
    const gold = recs.map((r) => field(file, r, 'gold', isNumber, 'a number'));
    return correlationReport(pred, gold);
  }
  if (kind === 'classification') {
    const pred = recs.map((r) => String(field(file, r, 'prediction', isLabel, 'a label (string or number)')));
    const gold = recs.map((r) => String(field(file, r, 'gold', isLabel, 'a label (string or number)')));
    return classificationReport(pred, gold);
  }
  throw new UserError(`unknown score kind '${kind}' (rouge, correlation, classification)`);
}

function scoreRougeRecords(file: string, recs: { line: number; value: Json }[]) {
  return rougeReport(
    recs.map((r) => ({
      prediction: field(file, r, 'prediction', isString, 'a string'),
      reference: field(file, r, 'reference', isReference, 'a string or a non-empty array of strings'),
    })),
  );
}

function rougeReport(pairs: { prediction: string; reference: string | string[] }[]) {
  const r = corpusRouge(pairs);
  const metrics = { n: r.n, rouge1: r.rouge1.f, rouge2: r.rouge2.f, rougeL: r.rougeL.f, rougeLsum: r.rougeLsum.f };
  const text = `n=${r.n}  ROUGE-1 ${metrics.rouge1.toFixed(2)}  ROUGE-2 ${metrics.rouge2.toFixed(2)}  ROUGE-L ${metrics.rougeL.toFixed(2)}  ROUGE-Lsum ${metrics.rougeLsum.toFixed(2)}  (F-measure x100, Porter stemming)`;
  return { metrics, text };
}

function correlationReport(pred: number[], gold: number[]) {
  const metrics = {
    n: pred.length,
    pearson: pearson(pred, gold),
    spearman: spearman(pred, gold),
    kendall: kendallTauB(pred, gold),
    mse: mse(pred, gold),
  };
  const text = `n=${metrics.n}  Pearson ${metrics.pearson.toFixed(4)}  Spearman ${metrics.spearman.toFixed(4)}  Kendall tau-b ${metrics.kendall.toFixed(4)}  MSE ${metrics.mse.toFixed(4)}`;
  return { metrics, text };
}

function classificationReport(pred: string[], gold: string[]) {
  const labels = [...new Set([...gold, ...pred])].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  const g = gold.map((l) => index.get(l) as number);
  const p = pred.map((l) => index.get(l) as number);
  const metrics = { n: gold.length, accuracy: accuracy(g, p), macro_f1: macroF1(g, p, labels.length) };
  const text = `n=${metrics.n}  accuracy ${metrics.accuracy.toFixed(4)}  macro-F1 ${metrics.macro_f1.toFixed(4)}\n${formatConfusionMatrix(confusionMatrix(g, p, labels.length), labels)}`;
  return { metrics, text };
}

export default async function score(opts: Record<string, unknown>, _args: string[], global: GlobalOptions, kind: string): Promise<void> {
  const { metrics, text } = scoreFile(kind, String(opts.input), (m) => warnUser(global, m));
  process.stdout.write((opts.json ? JSON.stringify(metrics) : text) + '\n');
}
