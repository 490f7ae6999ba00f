/**
 * Fine-tuning in the benchmark suites: the table of benchmarks/finetune-step.ts (ours vs PyTorch
 * tokens/s per top-N and length, peak memory of both sides), which the script writes and the speed
 * suite puts into its report, and the arguments of the finetune suite (benchmarks/finetune-quality.ts:
 * frozen vs fine-tuned top layers on SST-2 and, jointly, MLQE-PE's 7 pairs cross-encoded).
 */
import { UserError } from '../errors.js';

type Parts = Record<'step' | 'forward' | 'backward' | 'optimizer', number>;

/** One row of finetune-step-<date>.json's `steps`. */
export interface FinetuneStepRow {
  layers: number;
  batch: number;
  seq: number;
  ours: Parts;
  torch: Parts | null;
  oursTokensPerS: number;
  torchTokensPerS: number | null;
  ratio: number | null;
  pairRatios: number[];
  fwdBwdRatio: number | null;
  /** RSS high-water marks in MiB (older results have none). */
  memory?: { oursMaxRssMiB: number; torchMaxRssMiB: number | null };
}

const f = (x: number | null | undefined, d = 0) => (x === null || x === undefined ? '–' : x.toFixed(d));

/**
 * The Markdown table of the fine-tuning step rows; `torchSkipped` (why the PyTorch side did not run)
 * fills the PyTorch columns where it is set.
 */
export function finetuneStepTable(rows: readonly FinetuneStepRow[], torchSkipped: string | null = null): string {
  const skip = torchSkipped ? 'skipped' : '–';
  const lines = [
    '| top layers | length | ours tok/s | torch tok/s | ours / torch, step (per pair) | ours / torch, fwd + bwd | ours fwd / bwd / AdamW (s) | torch fwd / bwd / AdamW (s) | peak RSS ours / torch (MiB) |',
    '|---:|---:|---:|---:|---|---:|---|---|---|',
    ...rows.map((r) => {
      const parts = (p: Parts) => [p.forward, p.backward, p.optimizer].map((x) => f(x, 3)).join(' / ');
      const cells = [
        r.layers,
        r.seq,
        f(r.oursTokensPerS),
        r.torch ? f(r.torchTokensPerS) : skip,
        r.torch ? `${f(r.ratio, 2)}x (${r.pairRatios.map((x) => x.toFixed(2)).join(', ')})` : skip,
        r.torch ? `${f(r.fwdBwdRatio, 2)}x` : skip,
        parts(r.ours),
        r.torch ? parts(r.torch) : skip,
        r.memory ? `${f(r.memory.oursMaxRssMiB)} / ${r.memory.torchMaxRssMiB === null ? skip : f(r.memory.torchMaxRssMiB)}` : '–',
      ];
      return `| ${cells.join(' | ')} |`;
    }),
  ];
  if (torchSkipped)
    lines.push('', `PyTorch side ${torchSkipped} (it needs torch in /usr/bin/python3, or in the interpreter MTL_BENCH_PYTHON names).`);
  return lines.join('\n');
}

/** The finetune suite's default models: the reference yardstick and the shipped default. */
export const FINETUNE_MODELS = ['../shared/models/reference-mini', 'mtl:mini'] as const;

export interface FinetuneSuiteOptions {
  quick: boolean;
  /** Encoders to fine-tune (default FINETUNE_MODELS). */
  models?: readonly string[];
  steps?: number;
  /** The encoder layers' learning rate (`--ft-lr`; default: the fine-tuning default of src/finetune). */
  ftLr?: number;
}

/** The joint runs' loss weightings in the finetune suite: static λ and two dynamic ones. */
export const FINETUNE_WEIGHTINGS = ['static', 'uncertainty', 'dwa'] as const;

/** The encoder layer the finetune suite reads, as tasks/multitask-finetune.yaml (both default models have it). */
export const FINETUNE_READ_LAYER = 4;

/**
 * The arguments of benchmarks/finetune-quality.ts for the finetune suite: the full comparison (top 0, 1
 * and 2 layers below layer FINETUNE_READ_LAYER, 3 seeds, sentiment, translation quality and both
 * jointly under each of FINETUNE_WEIGHTINGS) or, with `quick`, a smoke test (top 0 and 1, 1 seed,
 * 4 steps, the first 128 training and 32 dev examples of each task, of each pair).
 */
export function finetuneSuiteArgs(o: FinetuneSuiteOptions): string[] {
  const models = o.models ?? FINETUNE_MODELS;
  if (models.length === 0)
    throw new UserError('--encoders: no encoder given for the finetune suite; name one or more, e.g. --encoders mtl:mini');
  if (o.ftLr !== undefined && !(Number.isFinite(o.ftLr) && o.ftLr > 0))
    throw new UserError(`--ft-lr must be a positive learning rate, got '${o.ftLr}'; e.g. --ft-lr 2e-5`);
  const steps = o.steps ?? (o.quick ? 4 : undefined);
  return [
    '--models',
    models.join(','),
    '--layer',
    String(FINETUNE_READ_LAYER),
    ...(o.quick ? ['--layers', '0,1', '--seeds', '1', '--train', '128', '--dev', '32'] : ['--layers', '0,1,2', '--seeds', '3']),
    ...(steps === undefined ? [] : ['--steps', String(steps)]),
    ...(o.ftLr === undefined ? [] : ['--ft-lr', String(o.ftLr)]),
    '--joint',
    '--weightings',
    FINETUNE_WEIGHTINGS.join(','),
  ];
}
