/**
 * Shared setup for the notebook-style examples (not an example itself): quick mode, where the data
 * comes from, which encoder to use, and where outputs go. Each example imports it in its first code
 * cell so the notebooks stay short.
 *
 * Quick mode (`--quick` or `MTL_EXAMPLES_QUICK=1`): the samples in fixtures/data, small limits and
 * few steps: each example finishes in seconds. Default mode: the real datasets in
 * ../shared/datasets (or $MTL_DATASETS) when present, a few minutes at most. Both use the bundled
 * pretrained encoder `mtl:mini`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { datasetsDir, packageRoot } from 'mtl-nlp';

const flag = process.env.MTL_EXAMPLES_QUICK;
/** True with `--quick` or MTL_EXAMPLES_QUICK=1 (any value but '', '0', 'false'). */
export const QUICK = process.argv.includes('--quick') || (flag !== undefined && !['', '0', 'false'].includes(flag.toLowerCase()));

/** Repository root: examples run from any working directory. */
export const ROOT = packageRoot();

/** Path under the repository root. */
export const repoPath = (...parts: string[]): string => join(ROOT, ...parts);

/** examples/output (git-ignored; $MTL_EXAMPLES_OUT overrides it): plots and saved models land here. */
export const OUTPUT = process.env.MTL_EXAMPLES_OUT ? resolve(process.env.MTL_EXAMPLES_OUT) : repoPath('examples', 'output');
mkdirSync(OUTPUT, { recursive: true });

/**
 * Encoder of the run: the pretrained default shipped with the package (`mtl:mini`, q8 file), in
 * quick mode too (it is small); see docs/guide/encoders-and-gpu.md for what it is, docs/benchmarks.md for how it compares.
 */
export const ENCODER = 'mtl:mini';
/** The file `mtl:mini` ships. */
export const ENCODER_DTYPE = 'q8' as const;

/**
 * Execution provider for the encoder. 'cpu' keeps the output free of provider probes; set
 * MTL_DEVICE=auto to try CUDA, then WebGPU, then CPU.
 */
export const DEVICE = (process.env.MTL_DEVICE ?? 'cpu') as 'auto' | 'cuda' | 'webgpu' | 'cpu' | 'wasm';

export interface DataChoice {
  /** Read the self-written samples (the `sample:` sources of the task configs). */
  sample: boolean;
  /** Root of the real datasets (undefined with samples). */
  dataDir: string | undefined;
  /** One line for the notebook output. */
  describe: string;
}

/** Samples in quick mode or when the shared datasets are absent, else the real data. */
export function chooseExampleData(): DataChoice {
  const dir = datasetsDir();
  if (QUICK) return { sample: true, dataDir: undefined, describe: 'samples in fixtures/data (quick mode)' };
  if (!existsSync(dir)) return { sample: true, dataDir: undefined, describe: `samples in fixtures/data (${dir} not found)` };
  return { sample: false, dataDir: dir, describe: `real datasets in ${relative(process.cwd(), dir) || dir}` };
}

/** Print a notebook "cell output" heading. */
export function heading(text: string): void {
  console.log(`\n## ${text}\n`);
}

/** Relative path for printing. */
export const rel = (p: string): string => relative(process.cwd(), p) || p;

const started = Date.now();
/** Seconds since the example started. */
export const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;

/** The first `n` examples of every language pair, in the data's order (MLQE files are concatenated pair by pair). */
export function firstPerPair<E extends { pair?: string }>(examples: readonly E[], n: number): E[] {
  const seen = new Map<string, number>();
  return examples.filter((e) => {
    const k = seen.get(e.pair ?? '') ?? 0;
    seen.set(e.pair ?? '', k + 1);
    return k < n;
  });
}

/**
 * Published OpenKiwi (predictor-estimator) baseline, Pearson r with z_mean on the MLQE-PE *test*
 * split (WMT20 QE task 1), as quoted in ../shared/datasets/README.md. Another system on another
 * split: a reference point, not a comparable number.
 */
export const OPENKIWI_TEST_PEARSON: Readonly<Record<string, number>> = {
  'ro-en': 0.685,
  'et-en': 0.477,
  'ne-en': 0.386,
  'si-en': 0.374,
  'ru-en': 0.548,
  'en-de': 0.146,
  'en-zh': 0.168,
};
