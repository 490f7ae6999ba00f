/**
 * `mtl predict --model DIR --task NAME [texts...] | --input FILE | stdin`.
 * sentiment: one text per line; translation-quality: `source<TAB>translation` per line;
 * summarization: one document per line (sentence-split here), or JSONL `{"sentences": [...]}`.
 */
import { readFileSync } from 'node:fs';
import { splitSentences } from '../../data/sentences.js';
import { UserError } from '../../errors.js';
import { loadEncoderFor } from '../../pipeline/encoder.js';
import { readModelManifest } from '../../pipeline/run-folder.js';
import type { SentimentPrediction } from '../../tasks/sentiment.js';
import { selectSentences, type SummarizationPrediction } from '../../tasks/summarization.js';
import { MultiTaskModel } from '../../training/model.js';
import type { GlobalOptions } from '../main.js';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UserError('no input: give texts as arguments, --input FILE, or pipe them on stdin');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function parseInputs(task: string, lines: string[], where: string): unknown[] {
  return lines.map((line, i) => {
    if (task === 'sentiment') return { text: line };
    if (task === 'translation-quality') {
      const parts = line.split('\t');
      if (parts.length !== 2) throw new UserError(`${where}:${i + 1}: expected "source<TAB>translation"`);
      return { source: parts[0], translation: parts[1] };
    }
    if (task === 'summarization') {
      if (line.trimStart().startsWith('{')) {
        try {
          const o = JSON.parse(line) as { sentences?: unknown; text?: unknown };
          if (Array.isArray(o.sentences) && o.sentences.every((s) => typeof s === 'string')) return { sentences: o.sentences };
          if (typeof o.text === 'string') return { sentences: splitSentences(o.text) };
        } catch {
          // fall through: treat as plain text
        }
      }
      return { sentences: splitSentences(line) };
    }
    throw new UserError(`unknown task '${task}' (sentiment, translation-quality, summarization)`);
  });
}

export default async function predict(opts: Record<string, unknown>, args: string[], _global: GlobalOptions): Promise<void> {
  const task = String(opts.task);
  let lines: string[];
  let where = 'argument';
  if (args.length > 0) lines = args;
  else {
    where = opts.input ? String(opts.input) : 'stdin';
    let text: string;
    try {
      text = opts.input ? readFileSync(String(opts.input), 'utf8') : await readStdin();
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`${where}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  }
  const inputs = parseInputs(task, lines, where);
  const model = String(opts.model);
  const manifest = readModelManifest(model);
  const encoder = await loadEncoderFor(manifest.encoder);
  const mtl = await MultiTaskModel.load(model, { encoder, log: false });
  try {
    mtl.task(task); // clear error when the model has no such task
    let preds = await mtl.predict(task, inputs);
    if (task === 'summarization' && opts.sentences !== undefined) {
      // re-select from the per-sentence scores with the requested length
      preds = (preds as SummarizationPrediction[]).map((p, i) => {
        const sentences = (inputs[i] as { sentences: string[] }).sentences;
        const picked = selectSentences(sentences, p.scores, { sentences: opts.sentences as number, trigramBlocking: true });
        return { ...p, sentences: picked, summary: picked.map((x) => x.text).join('\n') };
      });
    }
    const out: string[] = [];
    preds.forEach((p, i) => {
      if (opts.json) {
        out.push(JSON.stringify({ input: inputs[i], prediction: p }));
      } else if (task === 'sentiment') {
        const s = p as SentimentPrediction;
        out.push(`${s.label}\t${s.score.toFixed(4)}\t${lines[i]}`);
      } else if (task === 'translation-quality') {
        out.push(`${(p as number).toFixed(4)}\t${lines[i]}`);
      } else {
        out.push((p as SummarizationPrediction).summary.replace(/\n/g, ' '));
      }
    });
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    mtl.dispose();
    await encoder.dispose();
  }
}
