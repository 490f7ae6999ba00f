/**
 * The encoder's model file by default: `auto` takes what the model has (mtl:mini ships q8 only; a
 * user's folder may hold fp32 only), on the command line (`mtl encode`, `mtl train --dtype`) and in
 * the library; a dtype the model lacks is an error whose remedy names the flag, and never suggests
 * exporting a model the package ships.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTrainingConfig } from '../../src/config/load.js';
import { Encoder } from '../../src/encoder/index.js';
import { ensureFixture } from '../../src/generators/index.js';
import { mtl } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mtl-dtype-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const quiet = () => undefined;

describe('dtype auto', () => {
  it('the library: a q8-only model without VNNI, an fp32-only folder with VNNI: each loads what it has', async () => {
    const mini = await Encoder.load('mtl:mini', { dtype: 'auto', device: 'cpu', int8Features: [], logger: quiet } as never);
    expect(mini.info.dtype).toBe('q8');
    expect(mini.info.dtypeChoice).toMatch(/auto: q8 \(the model has no fp32 file/);
    await mini.dispose();
    const fp32Only = join(tmp, 'fp32-only');
    cpSync(await ensureFixture('bert'), fp32Only, { recursive: true });
    rmSync(join(fp32Only, 'onnx', 'model_quantized.onnx'));
    const f = await Encoder.load(fp32Only, { dtype: 'auto', device: 'cpu', int8Features: ['avx512_vnni'], logger: quiet } as never);
    expect(f.info.dtype).toBe('fp32');
    await f.dispose();
  });

  it('a training config without dtype, and tasks/multitask.yaml, take auto', () => {
    const cfg = join(tmp, 'c.yaml');
    writeFileSync(cfg, 'encoder: { model: mtl:mini }\ntasks:\n  - { config: ' + join(process.cwd(), 'tasks', 'sentiment.yaml') + ' }\n');
    expect(loadTrainingConfig(cfg).encoder.dtype).toBe('auto');
    expect(loadTrainingConfig('multitask').encoder.dtype).toBe('auto');
  });

  it('mtl encode --model mtl:mini works with the default options; --dtype fp32 names --dtype q8, not optimum-cli', () => {
    const input = join(tmp, 'in.txt');
    writeFileSync(input, 'a good film\nDas Museum öffnet um neun Uhr.\n');
    const out = join(tmp, 'v.jsonl');
    const r = mtl(['--quiet', 'encode', '--model', 'mtl:mini', '--input', input, '--output', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(2);
    const bad = mtl(['encode', '--model', 'mtl:mini', '--dtype', 'fp32', '--input', input, '--output', join(tmp, 'w.jsonl')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/model\.onnx not found .*run with --dtype q8/);
    expect(bad.stderr).not.toMatch(/optimum-cli|quantize_dynamic/);
  });

  it('mtl train --config tasks/multitask.yaml on an fp32-only encoder folder trains; --dtype q8 there names --dtype fp32', async () => {
    const enc = join(tmp, 'fp32-enc');
    cpSync(await ensureFixture('bert'), enc, { recursive: true });
    rmSync(join(enc, 'onnx', 'model_quantized.onnx'));
    const ok = mtl([
      '--quiet',
      'train',
      '--config',
      'tasks/multitask.yaml',
      '--sample',
      '--encoder',
      enc,
      '--tasks',
      'sentiment',
      '--steps',
      '4',
      '--out',
      join(tmp, 'm1'),
      '--json',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).encoder.dtype).toBe('fp32');
    const bad = mtl([
      '--quiet',
      'train',
      '--config',
      'tasks/multitask.yaml',
      '--sample',
      '--encoder',
      enc,
      '--dtype',
      'q8',
      '--tasks',
      'sentiment',
      '--steps',
      '4',
      '--out',
      join(tmp, 'm2'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/model_quantized\.onnx not found .*run with --dtype fp32/);
  });
});
