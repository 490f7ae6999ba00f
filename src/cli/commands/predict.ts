/**
 * `mtl predict --model DIR --task NAME [texts...] | --input FILE | stdin`.
 * sentiment: one text per line; translation-quality: `source<TAB>translation[<TAB>model_score]` per line (the MT system's score, for models trained with it);
 * summarization: one document per line (sentence-split here), or JSONL `{"sentences": [...]}`.
 */
import { resolve } from 'node:path';
import { splitSentences } from '../../data/sentences.js';
import { UserError } from '../../errors.js';
import { loadEncoderFor } from '../../experiment/encoder.js';
import { readModelManifest } from '../../experiment/run-folder.js';
import type { SentimentPrediction } from '../../tasks/sentiment/index.js';
import type { SummarizationPrediction } from '../../tasks/summarization/index.js';
import { toDa, type DaScale } from '../../tasks/translation-quality/index.js';
import { MultiTaskModel } from '../../training/model.js';
import { escapeControl } from '../../utils/text.js';
import { decodeUtf8, readInputFile, warnUser } from '../input.js';
import type { GlobalOptions } from '../global-options.js';

async function readStdin(): Promise<Buffer> {
  if (process.stdin.isTTY) throw new UserError('no input: give texts as arguments, --input FILE, or pipe them on stdin');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** One input with its location: the file's own 1-based line number (blank lines are skipped, not renumbered). */
export interface InputLine {
  text: string;
  line: number;
}

/**
 * The non-blank lines of an input, each with its physical line number. Invalid UTF-8 is replaced
 * (U+FFFD) and reported once through `warn` with the first line it affects.
 */
export function inputLines(bytes: Uint8Array, where: string, warn: (message: string) => void = () => undefined): InputLine[] {
  let text = decodeUtf8(bytes, where, warn);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const out: InputLine[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    if (l.trim() !== '') out.push({ text: l, line: i + 1 });
  });
  return out;
}

function fail(where: string, line: number, reason: string): never {
  throw new UserError(`${where}:${line}: ${reason}`);
}

/** Parse each input line for a task; errors name `where:line` with the file's own line number. */
export function parseInputs(task: string, lines: readonly InputLine[], where: string): unknown[] {
  if (!['sentiment', 'translation-quality', 'summarization'].includes(task))
    throw new UserError(`unknown task '${task}' (sentiment, translation-quality, summarization)`);
  return lines.map(({ text: line, line: n }) => {
    if (task === 'sentiment') return { text: line };
    if (task === 'translation-quality') {
      const parts = line.split('\t');
      if (parts.length !== 2 && parts.length !== 3) {
        fail(
          where,
          n,
          `expected "source<TAB>translation" or "source<TAB>translation<TAB>model_score", got ${parts.length} field${parts.length === 1 ? '' : 's'}`,
        );
      }
      if (parts[0]!.trim() === '' || parts[1]!.trim() === '') fail(where, n, 'empty source or translation');
      if (parts.length === 3) {
        // the MT system's own score, for models trained with the model-score feature
        const modelScore = Number(parts[2]);
        if (parts[2]!.trim() === '' || !Number.isFinite(modelScore))
          fail(where, n, `model_score ${JSON.stringify(parts[2])} is not a number`);
        return { source: parts[0], translation: parts[1], modelScore };
      }
      return { source: parts[0], translation: parts[1] };
    }
    // summarization: a JSONL record {"sentences": [...]} or {"text": "..."}, else a plain-text document
    if (line.trimStart().startsWith('{')) {
      let o: unknown;
      try {
        o = JSON.parse(line);
      } catch (err) {
        fail(where, n, `not valid JSON (${(err as Error).message}); a JSONL document is {"sentences": [...]} or {"text": "..."}`);
      }
      if (!o || typeof o !== 'object' || Array.isArray(o))
        fail(where, n, 'a JSONL document must be an object {"sentences": [...]} or {"text": "..."}');
      const r = o as { sentences?: unknown; text?: unknown };
      if (r.sentences !== undefined) {
        if (!Array.isArray(r.sentences) || !r.sentences.every((x) => typeof x === 'string'))
          fail(where, n, '"sentences" must be an array of strings');
        if (!r.sentences.some((x) => (x as string).trim() !== '')) fail(where, n, '"sentences" is empty');
        return { sentences: r.sentences };
      }
      if (typeof r.text === 'string') {
        if (r.text.trim() === '') fail(where, n, '"text" is empty');
        return { sentences: splitSentences(r.text) };
      }
      fail(where, n, 'a JSONL document needs "sentences" (array of strings) or "text" (string)');
    }
    if (line.trimStart().startsWith('[')) {
      let isJson = false;
      try {
        JSON.parse(line);
        isJson = true;
      } catch {
        // "[Reuters] …": plain text
      }
      if (isJson) fail(where, n, 'a JSONL document must be an object {"sentences": [...]} or {"text": "..."}, not an array');
    }
    return { sentences: splitSentences(line) };
  });
}

export default async function predict(opts: Record<string, unknown>, args: string[], global: GlobalOptions): Promise<void> {
  const task = String(opts.task);
  const scale = String(opts.scale ?? 'z');
  if (scale !== 'z' && scale !== 'da') throw new UserError(`--scale ${scale}: expected z or da`);
  if (opts.scale !== undefined && task !== 'translation-quality') throw new UserError('--scale applies to --task translation-quality');
  let entries: InputLine[];
  let where = 'argument';
  if (args.length > 0) entries = args.map((text, i) => ({ text, line: i + 1 }));
  else {
    where = opts.input ? String(opts.input) : 'stdin';
    let bytes: Uint8Array;
    if (opts.input) bytes = readInputFile(where);
    else bytes = await readStdin();
    entries = inputLines(bytes, where, (m) => warnUser(global, m));
    if (entries.length === 0)
      throw new UserError(`${where}: no input (${bytes.length === 0 ? 'empty' : 'only blank lines'}); give one input per line`);
  }
  const inputs = parseInputs(task, entries, where);
  const lines = entries.map((e) => e.text);
  const model = String(opts.model);
  if (opts.queue !== undefined && scale === 'da')
    throw new UserError(
      '--scale da: not available with --queue yet (the workers return z-scores); run without --queue, or use the default --scale z',
    );
  if (opts.queue !== undefined) return predictOnQueue(opts, task, inputs as Record<string, unknown>[], lines, entries, where, global);
  const manifest = readModelManifest(model);
  const encoder = await loadEncoderFor(manifest.encoder, opts.encoder as string | undefined, (m) => warnUser(global, m), model);
  const mtl = await MultiTaskModel.load(model, { encoder, log: false });
  try {
    const taskObject = mtl.task(task); // clear error when the model has no such task
    let daScale: DaScale | null = null;
    if (task === 'translation-quality') {
      daScale = (taskObject as { daScale?: DaScale | null }).daScale ?? null;
      if (scale === 'da' && !daScale) {
        throw new UserError(
          `${model}: the model records no DA scale (trained before it was saved, or on data without raw DA ratings); use the default --scale z`,
        );
      }
      if (!global.quiet && !opts.json) {
        process.stderr.write(
          scale === 'da'
            ? `mtl predict: scores on the 0–100 DA scale (from the predicted z-score: DA ≈ ${daScale!.intercept.toFixed(1)} + ${daScale!.slope.toFixed(1)}·z, fitted on the training ratings, r = ${daScale!.r.toFixed(2)})\n`
            : `mtl predict: scores are predicted z-scores of the DA rating (0 = an annotator's average translation, higher = better)${daScale ? '; --scale da for the 0–100 DA scale' : ''}\n`,
        );
      }
    }
    let preds: unknown[];
    if (task === 'summarization' && opts.sentences !== undefined) {
      // the head selects with the requested length itself (a conditional head re-scores after each pick)
      preds = [];
      for (const x of inputs)
        preds.push(await mtl.summarize((x as { sentences: string[] }).sentences, { sentences: opts.sentences as number, task }));
    } else preds = await mtl.predict(task, inputs);
    const out = formatPredictions(task, inputs, lines, preds, Boolean(opts.json), 0, { scale, daScale });
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    mtl.dispose();
    await encoder.dispose();
  }
}

/**
 * The lines `mtl predict` prints for predictions (`offset`: the index of the first in `inputs`);
 * translation-quality scores as z-scores of DA, or on the 0–100 DA scale with `scale: 'da'`.
 */
export function formatPredictions(
  task: string,
  inputs: readonly unknown[],
  lines: readonly string[],
  preds: readonly unknown[],
  json: boolean,
  offset = 0,
  tq: { scale: string; daScale: DaScale | null } = { scale: 'z', daScale: null },
): string[] {
  const score = (p: number): number => (tq.scale === 'da' ? toDa(p, tq.daScale!) : p);
  return preds.map((p, j) => {
    const i = offset + j;
    if (json)
      return JSON.stringify(
        task === 'translation-quality'
          ? { input: inputs[i], prediction: score(p as number), scale: tq.scale }
          : { input: inputs[i], prediction: p },
      );
    if (task === 'sentiment') {
      const s = p as SentimentPrediction;
      return `${escapeControl(String(s.label))}\t${s.score.toFixed(4)}\t${escapeControl(lines[i]!)}`;
    }
    if (task === 'translation-quality') {
      const { source, translation } = inputs[i] as { source: string; translation: string };
      return `${tq.scale === 'da' ? score(p as number).toFixed(2) : (p as number).toFixed(4)}\t${escapeControl(source)}\t${escapeControl(translation)}`;
    }
    return escapeControl((p as SummarizationPrediction).summary.replace(/\n/g, ' '));
  });
}

/** `mtl predict --queue URL`: the shards go to the workers (the model folder on their allow list); lines printed in input order. */
async function predictOnQueue(
  opts: Record<string, unknown>,
  task: string,
  inputs: Record<string, unknown>[],
  lines: string[],
  entries: InputLine[],
  where: string,
  global: GlobalOptions,
): Promise<void> {
  const { loadQueueModule } = await import('../../distributed/deps.js');
  const { runPredictShards } = await loadQueueModule(() => import('../../distributed/coordinator.js'));
  const model = resolve(String(opts.model));
  readModelManifest(model); // the coordinator's own check: a folder that is no model fails here, not on every worker
  const res = await runPredictShards(
    inputs,
    {
      queue: String(opts.queue),
      model,
      settings: {
        task: task as 'sentiment',
        ...(opts.encoder !== undefined ? { encoder: String(opts.encoder) } : {}),
        ...(opts.sentences !== undefined ? { sentences: opts.sentences as number } : {}),
      },
      ...(opts.shardSize !== undefined ? { shardSize: opts.shardSize as number } : {}),
      // failures name the input's own line numbers
      source: where,
      lineOf: (i) => entries[i]!.line,
      log: global.quiet ? () => undefined : (m) => process.stderr.write(`${m}\n`),
    },
    (start, preds) => {
      process.stdout.write(formatPredictions(task, inputs, lines, preds, Boolean(opts.json), start).join('\n') + '\n');
    },
  );
  if (!global.quiet)
    process.stderr.write(
      `predicted ${res.rows} inputs (${res.shards} shards: ${res.computed} computed by workers, ${res.reused} already done)\n`,
    );
}
