/**
 * `mtl bench [--suite quality|speed|ablation|encoders|finetune|finetune-joint|all] [--quick]`: the
 * options, then the suites of src/bench (the quality and encoder suites run in-process; the speed,
 * ablation and fine-tuning suites run the measurement scripts of benchmarks/, see src/bench/suites.ts).
 */
import { join, resolve } from 'node:path';
import { runQualitySuite } from '../../bench/quality.js';
import { finetuneSuiteArgs } from '../../bench/finetune.js';
import { ABLATIONS, runScript, writeSpeedReport } from '../../bench/suites.js';
import { UserError } from '../../errors.js';
import { packageRoot } from '../../utils/paths.js';
import type { GlobalOptions } from '../global-options.js';

/** The encoders the encoder suite compares by default: the shipped default and the reference yardstick. */
const DEFAULT_ENCODERS = `mtl:mini,${join(packageRoot(), '..', 'shared', 'models', 'reference-mini')}`;

const splitList = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export default async function bench(opts: Record<string, unknown>, _args: string[], global: GlobalOptions): Promise<void> {
  const suite = String(opts.suite);
  const quick = Boolean(opts.quick);
  const out = resolve(String(opts.out));
  const log = (l: string) => {
    if (!global.quiet) process.stderr.write(l + '\n');
  };
  if (opts.ftLr !== undefined && suite !== 'finetune')
    throw new UserError(
      `--ft-lr sets the finetune suite's encoder learning rate, not the ${suite} suite's: add --suite finetune or drop --ft-lr`,
    );
  if (suite === 'speed' || suite === 'all') {
    for (const script of ['encoder', 'training', 'finetune-step']) {
      log(`speed: ${script} benchmark${quick ? ' (quick)' : ''}`);
      runScript(script, quick ? ['--quick'] : [], out);
    }
    await writeSpeedReport(out, quick);
  }
  if (suite === 'finetune') {
    const models = opts.encoders === undefined ? undefined : splitList(String(opts.encoders));
    const args = finetuneSuiteArgs({ quick, models, steps: opts.steps as number | undefined, ftLr: opts.ftLr as number | undefined });
    log(`finetune: finetune-quality ${args.join(' ')}`);
    runScript('finetune-quality', [...args, '--out', out], out);
  }
  if (suite === 'finetune-joint') {
    const enc = opts.encoder === undefined ? [] : ['--encoder', String(opts.encoder)];
    const args = [...(quick ? ['--quick'] : []), ...enc, '--out', out];
    log(`finetune-joint: finetune-joint ${args.join(' ')}`);
    runScript('finetune-joint', args, out);
  }
  if (suite === 'ablation') {
    for (const a of ABLATIONS) {
      const args = quick ? a.quick : a.args;
      log(`ablation: ${a.script} ${args.join(' ')}`);
      runScript(a.script, [...args, '--out', out], out);
    }
  }
  if (suite === 'encoders') {
    const list = splitList(String(opts.encoders ?? DEFAULT_ENCODERS));
    const { runEncoderSuite } = await import('../../bench/encoders.js');
    const { markdown } = await runEncoderSuite({
      encoders: list.map((model) => ({ label: model.replace(/^.*[/\\]/, ''), model })),
      quick,
      out,
      log,
      sample: Boolean(opts.sample),
      ...(opts.epochs !== undefined ? { epochs: opts.epochs as number } : {}),
    });
    process.stdout.write(markdown + '\n');
  }
  if (suite === 'quality' || suite === 'all') {
    const { markdown } = await runQualitySuite({
      quick,
      out,
      log,
      steps: opts.steps as number | undefined,
      sample: Boolean(opts.sample),
      encoder: opts.encoder as string | undefined,
    });
    process.stdout.write(markdown + '\n');
  }
}
