import { SingleBar, Presets } from 'cli-progress';

export interface ProgressReporter {
  start(label: string, total: number): void;
  update(done: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

export interface ProgressOptions {
  quiet?: boolean;
  /** Force the mode; default: a bar on a TTY, periodic plain lines otherwise (CI logs). */
  tty?: boolean;
  stream?: NodeJS.WriteStream;
  /** Plain mode: at most one line per this many milliseconds. */
  intervalMs?: number;
}

function formatFields(fields: Record<string, string | number> | undefined): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(4)) : v}`)
    .join(' ');
}

function formatEta(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Progress for long work: a cli-progress bar on a terminal, plain periodic lines when piped. */
export function createProgress(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { start() {}, update() {}, stop() {} };
  const tty = options.tty ?? Boolean(stream.isTTY);
  if (tty) {
    let bar: SingleBar | undefined;
    return {
      start(label, total) {
        bar = new SingleBar(
          { format: `${label} [{bar}] {percentage}% {value}/{total} eta {eta_formatted} {info}`, stream, hideCursor: true },
          Presets.shades_classic,
        );
        bar.start(total, 0, { info: '' });
      },
      update(done, fields) {
        bar?.update(done, { info: formatFields(fields) });
      },
      stop() {
        bar?.stop();
      },
    };
  }
  const interval = options.intervalMs ?? 5000;
  let label = '';
  let total = 0;
  let startedAt = 0;
  let lastLine = 0;
  let lastDone = 0;
  const line = (done: number, fields?: Record<string, string | number>) => {
    const elapsed = Date.now() - startedAt;
    const eta = done > 0 ? (elapsed / done) * (total - done) : NaN;
    stream.write(`${label} ${done}/${total} eta ${formatEta(eta)} ${formatFields(fields)}`.trimEnd() + '\n');
    lastLine = Date.now();
  };
  return {
    start(l, t) {
      label = l;
      total = t;
      startedAt = Date.now();
      lastLine = startedAt;
      lastDone = 0;
    },
    update(done, fields) {
      lastDone = done;
      if (Date.now() - lastLine >= interval) line(done, fields);
    },
    stop() {
      if (total > 0) line(lastDone);
    },
  };
}
