import { describe, expect, it } from 'vitest';
import type { TestModule } from 'vitest/node';
import UnfinishedFilesReporter from './unfinished-files.js';

const mod = (moduleId: string, state: string) => ({ moduleId, state: () => state }) as unknown as TestModule;

describe('unfinished-files reporter', () => {
  it('names the files queued but never finished, and prints nothing when every file ended', () => {
    const lines: string[] = [];
    const r = new UnfinishedFilesReporter({ write: (l) => lines.push(l) });
    r.onTestModuleQueued(mod('/p/test/a.test.ts', 'queued'));
    r.onTestModuleQueued(mod('/p/test/b.test.ts', 'queued'));
    r.onTestModuleQueued(mod('/p/test/c.test.ts', 'queued'));
    r.onTestModuleEnd(mod('/p/test/a.test.ts', 'passed'));
    r.onTestModuleEnd(mod('/p/test/c.test.ts', 'pending')); // ended without a result: still unfinished
    r.onTestRunEnd();
    expect(lines[0]).toBe('[unfinished-files] 2 test file(s) never finished (their worker may have exited):');
    expect(lines.slice(1).map((l) => l.replace(/ \(queued .*/, ''))).toEqual([
      '[unfinished-files]   /p/test/b.test.ts',
      '[unfinished-files]   /p/test/c.test.ts',
    ]);

    const quiet: string[] = [];
    const ok = new UnfinishedFilesReporter({ write: (l) => quiet.push(l) });
    ok.onTestModuleQueued(mod('/p/test/a.test.ts', 'queued'));
    ok.onTestModuleEnd(mod('/p/test/a.test.ts', 'failed'));
    ok.onTestRunEnd();
    expect(quiet).toEqual([]);
  });
});
