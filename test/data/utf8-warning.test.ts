/** Loaders report a file that is not valid UTF-8 (decoded as windows-1252) once, with its first line. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadGeneric } from '../../src/data/generic.js';
import { firstInvalidUtf8Line, setDataWarningHandler } from '../../src/data/io.js';

const tmp = mkdtempSync(join(tmpdir(), 'mtl-utf8-'));
afterEach(() => setDataWarningHandler(null));

describe('invalid UTF-8 in data files', () => {
  it('firstInvalidUtf8Line finds the line', () => {
    expect(firstInvalidUtf8Line(Buffer.from('a\nb\n'))).toBeNull();
    expect(firstInvalidUtf8Line(Buffer.concat([Buffer.from('a\n\nb '), Buffer.from([0xa3]), Buffer.from('\nc')]))).toBe(3);
    expect(firstInvalidUtf8Line(Buffer.from([0xe2, 0x82]))).toBe(1); // truncated sequence at the end
  });

  it('a latin-1 CSV is decoded as windows-1252 and reported once with file:line', () => {
    const f = join(tmp, 'l1.csv');
    writeFileSync(
      f,
      Buffer.concat([
        Buffer.from('text,label\nok,positive\nCaf'),
        Buffer.from([0xe9]),
        Buffer.from(' 5 '),
        Buffer.from([0xa3]),
        Buffer.from(',negative\n'),
      ]),
    );
    const warnings: string[] = [];
    setDataWarningHandler((m) => warnings.push(m));
    const r = loadGeneric(f, { columns: { text: 'text', label: 'label' } });
    expect(r.rows[1]!.text).toBe('Café 5 £');
    expect(warnings).toEqual([`${f}:3: not valid UTF-8 (first line affected); decoded as windows-1252`]);
  });
});
