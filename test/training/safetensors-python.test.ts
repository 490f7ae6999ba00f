/**
 * Interoperability with Python's `safetensors`: a file written by safetensors 0.8.0 (committed
 * fixture, made with save_file from numpy arrays) decodes to the same tensors here. The other
 * direction — model.safetensors written by this package loading in Python's safe_open/load_file —
 * was checked by hand with the same package (see the issue notes).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from '../../src/training/safetensors.js';
import { packageRoot } from '../../src/utils/paths.js';

describe('safetensors written by Python', () => {
  const bytes = new Uint8Array(readFileSync(join(packageRoot(), 'fixtures/safetensors/python-written.safetensors')));

  it('decodes names, shapes, values and metadata', () => {
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ written_by: 'python safetensors 0.8.0' });
    const w = tensors.get('layer.weight')!;
    expect(w.shape).toEqual([2, 3]);
    expect([...w.data]).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
    expect([...tensors.get('layer.bias')!.data]).toEqual([-1.5, 2.25]);
    expect(tensors.get('scalar_vec')!.shape).toEqual([1]);
  });

  it('round-trips through our encoder to the same tensors', () => {
    const { tensors } = decodeSafetensors(bytes);
    const again = decodeSafetensors(encodeSafetensors(tensors)).tensors;
    for (const [name, t] of tensors) {
      expect(again.get(name)!.shape).toEqual(t.shape);
      expect([...again.get(name)!.data]).toEqual([...t.data]);
    }
  });
});

describe('safetensors F16 (the GPU pretraining run saves fp16 weights)', () => {
  it('widens half floats exactly (hand-computed values, subnormal and max included)', () => {
    const halves = [0x3c00, 0xc000, 0x3555, 0x0001, 0x7bff, 0x8000];
    const header = JSON.stringify({ w: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 12] } }).padEnd(64, ' ');
    const bytes = new Uint8Array(8 + header.length + 12);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, BigInt(header.length), true);
    bytes.set(new TextEncoder().encode(header), 8);
    halves.forEach((h, i) => view.setUint16(8 + header.length + 2 * i, h, true));
    const w = decodeSafetensors(bytes).tensors.get('w')!;
    expect(w.shape).toEqual([2, 3]);
    expect([...w.data]).toEqual([1, -2, 0.333251953125, 2 ** -24, 65504, -0]);
    // a wrong byte count for F16 is still caught
    view.setBigUint64(0, BigInt(header.length), true);
    const bad = JSON.stringify({ w: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 10] } }).padEnd(64, ' ');
    bytes.set(new TextEncoder().encode(bad), 8);
    expect(() => decodeSafetensors(bytes, 'x.safetensors')).toThrow(/x\.safetensors/);
  });
});
