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
