/** What the CLI prints for errors: the whole message, control characters escaped, stack only with --verbose. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatError } from '../../src/cli/main.js';
import { UserError } from '../../src/errors.js';
import { mtl } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mtl-errors-'));

describe('error output', () => {
  it('keeps every line of a multi-line message (reason and remedy)', () => {
    const out = formatError(
      new UserError("execution provider 'cuda' is not available here:\n  cuda: library missing\nuse device 'auto' to fall back"),
      false,
    );
    expect(out).toBe("mtl: execution provider 'cuda' is not available here:\n  cuda: library missing\nuse device 'auto' to fall back\n");
    const bug = formatError(new Error('boom:\n  detail'), false);
    expect(bug).toContain('  detail\n(run with --verbose for the stack trace)');
    expect(formatError(new Error('boom'), true)).toMatch(/\n\s+at /);
  });

  it('escapes control characters so a message cannot drive the terminal', () => {
    const out = formatError(new UserError('bad value "\u001b[2J\u0000x"'), false);
    expect(out).toBe('mtl: bad value "\\x1b[2J\\0x"\n');
  });

  it('mtl encode --device cuda prints the reason and the remedy (not just the first line)', () => {
    const input = join(tmp, 't.txt');
    writeFileSync(input, 'a\nb\n');
    const r = mtl(['encode', '--model', 'fixture:bert', '--input', input, '--output', join(tmp, 'v.jsonl'), '--device', 'cuda']);
    if (r.code === 0) return; // a machine with CUDA: nothing to report
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mtl: execution provider 'cuda' is not available here:\n\s+cuda: \S.*\nuse device 'auto' to fall back/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).not.toContain('--verbose');
  });
});
