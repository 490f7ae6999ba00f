import { resolve } from 'node:path';
import { UserError } from '../../errors.js';
import type { GlobalOptions } from '../global-options.js';

const STAGES = ['prepare', 'train', 'export'] as const;
type Stage = (typeof STAGES)[number];

function stages(value: unknown): Stage[] {
  const list =
    String(value ?? 'all') === 'all'
      ? [...STAGES]
      : String(value)
          .split(',')
          .map((s) => s.trim());
  for (const s of list)
    if (!STAGES.includes(s as Stage))
      throw new UserError(`--stage: unknown stage "${s}"; use prepare, train, export (comma-separated) or all`);
  return list as Stage[];
}

export default async function pretrain(opts: Record<string, unknown>, _args: string[], global: GlobalOptions): Promise<void> {
  const recipe = await import('../../pretrain/recipe.js');
  const log = global.quiet ? undefined : (line: string) => process.stdout.write(line + '\n');
  const work = resolve(String(opts.work));
  const todo = stages(opts.stage);
  const preset = String(opts.preset) as 'tiny' | 'cpu' | 'gpu';
  if (todo.includes('prepare')) {
    await recipe.prepare({
      workDir: work,
      vocabSize: opts.vocabSize as number,
      maxLength: opts.maxLength as number,
      dataDir: opts.datasets === false ? false : (opts.dataDir as string | undefined),
      packages: opts.packages !== false,
      textPaths: (opts.text as string[] | undefined) ?? [],
      ...(opts.maxPerSource !== undefined ? { maxPerSource: opts.maxPerSource as number } : {}),
      log,
    });
  }
  if (todo.includes('train')) {
    const extra: string[] = [];
    for (const [flag, key] of [
      ['--layers', 'layers'],
      ['--hidden', 'hidden'],
      ['--heads', 'heads'],
      ['--intermediate', 'intermediate'],
      ['--batch-size', 'batchSize'],
      ['--contrastive-batch', 'contrastiveBatch'],
    ] as const) {
      if (opts[key] !== undefined) extra.push(flag, String(opts[key]));
    }
    await recipe.train({
      workDir: work,
      preset,
      ...(opts.budget !== undefined ? { budgetSeconds: opts.budget as number } : {}),
      ...(opts.threads !== undefined ? { threads: opts.threads as number } : {}),
      resume: opts.resume === true,
      extra,
      log,
    });
  }
  if (todo.includes('export')) {
    if (!opts.out) throw new UserError('--out is needed for the export stage (the encoder folder to write)');
    const out = resolve(String(opts.out));
    const res = await recipe.exportStage({
      workDir: work,
      ...(opts.trained ? { trainedDir: resolve(String(opts.trained)) } : {}),
      outDir: out,
      name: String(opts.name ?? 'mtl-nlp/encoder'),
      fp32: opts.fp32 !== false,
      command: `mtl pretrain ${process.argv.slice(3).join(' ')}`.trim(),
    });
    log?.(
      `encoder written to ${out}${res.parity ? ` (ONNX vs PyTorch max abs diff ${res.parity.maxAbsDiff.toExponential(2)} on ${res.parity.sequences} held-back sequences)` : ''}`,
    );
  }
}
