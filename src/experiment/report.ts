/** Human-readable (Markdown) renderings of training and evaluation results. */
import type { TrainReport } from './train.js';

/** Metrics shown per task in summary tables (the rest stay in the JSON). */
export const HEADLINE_METRICS: Record<string, string[]> = {
  sentiment: ['accuracy', 'macro_f1'],
  'translation-quality': ['pearson', 'spearman', 'kendall'],
  summarization: ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'],
};

export function fmt(v: number | undefined, digits = 3): string {
  if (v === undefined || Number.isNaN(v)) return '–';
  const s = Math.abs(v) >= 10 ? v.toFixed(2) : v.toFixed(digits);
  return /^-0\.0*$/.test(s) ? s.slice(1) : s; // no "-0.000"
}

export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** One row per system (the model, then each baseline) and task, headline metrics as columns. */
export function formatTaskTable(task: string, systems: Record<string, Record<string, number>>): string {
  const metrics = HEADLINE_METRICS[task] ?? Object.keys(Object.values(systems)[0] ?? {});
  const rows = Object.entries(systems).map(([name, m]) => [name, ...metrics.map((k) => fmt(m[k]))]);
  return markdownTable(['system', ...metrics], rows);
}

const seconds = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(2)} s`);

/** The fine-tuning line: layers trained, the bottom's cache, mean step time per task. */
function formatFinetune(r: TrainReport): string | null {
  const f = r.finetune;
  if (!f) return null;
  const reads = f.bottom.computed + f.bottom.cached;
  const share = reads > 0 ? Math.round((100 * f.bottom.cached) / reads) : 0;
  const steps = Object.entries(r.stepMs)
    .map(([t, ms]) => `${t} ${seconds(ms)}`)
    .join(', ');
  const { read } = f;
  const which =
    read === f.of
      ? `top ${f.layers} of ${f.of} encoder layers`
      : `layers ${read - f.layers + 1}–${read} of ${f.of} encoder layers (read at layer ${read}; the layers above dropped)`;
  return (
    `fine-tuned: ${which} · frozen bottom's token states cached: ${f.cache.entries} inputs, ` +
    `${f.cache.mb.toFixed(0)} MiB (${share} % of reads served from the cache) · mean step: ${steps}`
  );
}

export function formatTrainReport(r: TrainReport): string {
  const out: string[] = [];
  out.push(`## Training report`);
  out.push('');
  out.push(
    `encoder \`${r.encoderId}\` (${r.encoder.dtype}, ${r.encoder.pooling}, dim ${r.encoder.dim}, ${r.encoder.device}) · data: ${r.data.source} (${r.data.dir}) · ` +
      `architecture ${r.architecture.type} · weighting ${r.weighting.type} · sampling ${r.sampling.type} · backend ${r.backend} · ` +
      `${r.steps} steps in ${(r.trainMs / 1000).toFixed(1)} s`,
  );
  const ft = formatFinetune(r);
  if (ft) out.push('', ft);
  for (const [task, t] of Object.entries(r.tasks)) {
    out.push('');
    out.push(`### ${task} (dev, n=${t.dev}; train n=${t.train}${t.skipped ? `; ${t.skipped} malformed rows skipped` : ''})`);
    out.push('');
    out.push(formatTaskTable(task, { model: t.metrics, ...t.baselines }));
  }
  const lambdas = Object.entries(r.lambdas)
    .map(([k, v]) => `${k}=${v.toFixed(3)}`)
    .join(', ');
  if (lambdas) out.push('', `final λ: ${lambdas}`);
  if (r.saved) out.push('', `model saved to ${r.saved}`);
  return out.join('\n');
}
