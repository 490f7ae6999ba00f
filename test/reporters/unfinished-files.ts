/**
 * A Vitest reporter that names the test files that never finished. When a worker process dies (a
 * native crash, the kernel's OOM killer), Vitest reports "Worker exited unexpectedly" and counts one
 * file fewer, without saying which; this reporter prints the files that were queued but never ended,
 * with how long each had been running, so a red run says where to look. Prints nothing otherwise.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class UnfinishedFilesReporter implements Reporter {
  private readonly started = new Map<string, number>();

  private readonly write: (line: string) => void;

  /** Vitest passes the reporter's options from the config; `write` replaces stderr (the tests use it). */
  constructor(options: { write?: (line: string) => void } = {}) {
    this.write = options.write ?? ((l) => process.stderr.write(`${l}\n`));
  }

  onTestModuleQueued(m: TestModule): void {
    this.started.set(m.moduleId, Date.now());
  }

  onTestModuleEnd(m: TestModule): void {
    const state = m.state();
    if (state === 'passed' || state === 'failed' || state === 'skipped') this.started.delete(m.moduleId);
  }

  onTestRunEnd(): void {
    if (this.started.size === 0) return;
    const now = Date.now();
    this.write(`[unfinished-files] ${this.started.size} test file(s) never finished (their worker may have exited):`);
    for (const [id, t0] of this.started)
      this.write(`[unfinished-files]   ${id} (queued ${((now - t0) / 1000).toFixed(0)} s before the run ended)`);
  }
}
