import { formatConfusionMatrix } from '../../metrics/classification.js';
import { evaluate, parseColumns } from '../../experiment/evaluate.js';
import { formatTaskTable } from '../../experiment/report.js';
import { warnUser } from '../input.js';
import type { GlobalOptions } from '../global-options.js';

export default async function evalCommand(opts: Record<string, unknown>, _args: string[], global: GlobalOptions): Promise<void> {
  const r = await evaluate({
    task: String(opts.task),
    data: String(opts.data),
    format: opts.format as never,
    model: opts.model as string | undefined,
    baseline: opts.baseline as string | undefined,
    train: opts.train as string | undefined,
    encoder: opts.encoder as string | undefined,
    warn: (m) => warnUser(global, m),
    ...(typeof opts.columns === 'string' ? { columns: parseColumns(opts.columns, String(opts.task)) } : {}),
  });
  if (opts.json) {
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    return;
  }
  const lines = [`${r.task} · ${r.system} · ${r.data} (n=${r.n}${r.skipped ? `, ${r.skipped} skipped` : ''})`, ''];
  lines.push(formatTaskTable(r.task, { [r.system]: r.metrics }));
  const perPair = Object.keys(r.metrics).filter((k) => k.includes('@'));
  if (perPair.length) {
    const pairs = [...new Set(perPair.map((k) => k.split('@')[1]!))];
    lines.push('', 'per language pair:', '');
    const rows = Object.fromEntries(pairs.map((p) => [p, { pearson: r.metrics[`pearson@${p}`]!, spearman: r.metrics[`spearman@${p}`]!, kendall: r.metrics[`kendall@${p}`]! }]));
    lines.push(formatTaskTable('translation-quality', rows).replace('| system |', '| pair |'));
  }
  if (r.confusion) lines.push('', 'confusion matrix (rows gold, columns predicted):', formatConfusionMatrix(r.confusion.matrix, r.confusion.labels));
  process.stdout.write(lines.join('\n') + '\n');
}

export type { GlobalOptions };
