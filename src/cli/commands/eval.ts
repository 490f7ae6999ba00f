import { formatConfusionMatrix } from '../../metrics/classification.js';
import { UserError } from '../../errors.js';
import { evaluate, parseColumns, type EvalOptions, type EvalResult } from '../../experiment/evaluate.js';
import { formatTaskTable } from '../../experiment/report.js';
import { warnUser } from '../input.js';
import type { GlobalOptions } from '../global-options.js';

export default async function evalCommand(opts: Record<string, unknown>, _args: string[], global: GlobalOptions): Promise<void> {
  const common: EvalOptions = {
    task: String(opts.task),
    data: String(opts.data),
    format: opts.format as never,
    model: opts.model as string | undefined,
    baseline: opts.baseline as string | undefined,
    train: opts.train as string | undefined,
    encoder: opts.encoder as string | undefined,
    warn: (m) => warnUser(global, m),
    ...(typeof opts.columns === 'string' ? { columns: parseColumns(opts.columns, String(opts.task)) } : {}),
  };
  const r = opts.queue === undefined ? await evaluate(common) : await evaluateOnQueue(common, opts, global);
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
    const rows = Object.fromEntries(
      pairs.map((p) => [
        p,
        { pearson: r.metrics[`pearson@${p}`]!, spearman: r.metrics[`spearman@${p}`]!, kendall: r.metrics[`kendall@${p}`]! },
      ]),
    );
    lines.push(formatTaskTable('translation-quality', rows).replace('| system |', '| pair |'));
  }
  if (r.confusion)
    lines.push('', 'confusion matrix (rows gold, columns predicted):', formatConfusionMatrix(r.confusion.matrix, r.confusion.labels));
  process.stdout.write(lines.join('\n') + '\n');
}

/** `mtl eval --queue URL`: the examples are predicted by the workers (the model folder on their allow list), scored here. */
async function evaluateOnQueue(common: EvalOptions, opts: Record<string, unknown>, global: GlobalOptions): Promise<EvalResult> {
  if (common.baseline !== undefined || common.model === undefined)
    throw new UserError('--queue applies to --model: a baseline runs here, without --queue');
  const { loadQueueModule } = await import('../../distributed/deps.js');
  const { evaluateDistributed } = await loadQueueModule(() => import('../../distributed/evaluate.js'));
  const { baseline: _b, ...rest } = common;
  return evaluateDistributed({
    ...rest,
    model: common.model,
    queue: String(opts.queue),
    ...(opts.shardSize !== undefined ? { shardSize: opts.shardSize as number } : {}),
    log: global.quiet ? () => undefined : (m) => process.stderr.write(`${m}\n`),
    onShards: (r) => {
      if (!global.quiet)
        process.stderr.write(
          `predicted on the workers (${r.shards} shards: ${r.computed} computed by workers, ${r.reused} already done)\n`,
        );
    },
  });
}

export type { GlobalOptions };
