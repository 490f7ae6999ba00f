/**
 * Provider fallback. ONNX Runtime does not fall back by itself: a session created with
 * `executionProviders: ['cuda', 'cpu']` fails outright when the CUDA libraries are missing. So we create
 * the session with one provider at a time, catch the failure and try the next.
 */
import { UserError } from '../../errors.js';
import type { Device } from '../types.js';
import type { Backend, BackendSession, ModelSource, Provider, SessionConfig } from './types.js';

export type Logger = (message: string) => void;

/** No requested execution provider could start: the message lists each one's reason and the remedy. */
export class ProviderUnavailableError extends UserError {
  override name = 'ProviderUnavailableError';
}

export interface FallbackResult {
  session: BackendSession;
  provider: Provider;
  /** Providers that failed before the one used, with ORT's message. */
  failures: { provider: Provider; message: string }[];
}

/** Providers that failed to initialise in this process (per platform): skipped by later `auto` loads. */
const knownBad = new Map<string, string>();

/** Test hook: forget the providers remembered as unavailable. */
export function resetProviderMemo(): void {
  knownBad.clear();
}

/** A short reason: the first line, without ORT's source-location / assertion preamble. */
export function shortReason(message: string): string {
  let line = (message.split('\n').find((l) => l.trim() !== '') ?? message).trim();
  // "/onnxruntime_src/...cc:136 fn(...)::<lambda()> cond was false. Failed to get a WebGPU adapter: ..."
  const m = /^\/\S+\.(?:cc|cpp|h):\d+ .*? was false\. (.*)$/.exec(line);
  if (m?.[1]) line = m[1];
  return line.length > 200 ? line.slice(0, 200) + '…' : line;
}

/**
 * The one-line form of the "execution provider: X (a unavailable: …; b unavailable: …)" log line:
 * which providers were skipped, without ORT's reasons (the CLI prints the full line under --verbose).
 */
export function shortProviderLine(line: string): string {
  const m = /^(\[encoder\] execution provider: \S+) \((.*)\)$/.exec(line);
  if (!m) return line;
  const skipped = [...m[2]!.matchAll(/(?:^|; )(\w+) unavailable: /g)].map((x) => x[1]);
  return skipped.length ? `${m[1]} (${skipped.join(', ')} unavailable; --verbose for the reasons)` : line;
}

/** Is this error about the model (file missing, invalid graph), not about the provider? Then do not try others. */
export function isModelError(message: string): boolean {
  return /Load model from .* failed|File doesn't exist|Protobuf parsing failed|INVALID_PROTOBUF|INVALID_GRAPH|model_path must not be empty/i.test(
    message,
  );
}

export async function createSessionWithFallback(
  backend: Backend,
  model: ModelSource,
  device: Device,
  config: SessionConfig,
  logger: Logger,
): Promise<FallbackResult> {
  const order = backend.providerOrder(device);
  const failures: { provider: Provider; message: string }[] = [];
  for (let i = 0; i < order.length; i++) {
    const provider = order[i] as Provider;
    const isLast = i === order.length - 1;
    const memoKey = `${backend.platform}:${provider}`;
    const remembered = knownBad.get(memoKey);
    if (device === 'auto' && remembered !== undefined && !isLast) {
      failures.push({ provider, message: remembered });
      continue;
    }
    try {
      const session = await backend.createSession(model, provider, device === 'auto' && !isLast ? { ...config, auto: true } : config);
      if (order.length > 1 || failures.length > 0) {
        const why = failures.length ? ` (${failures.map((f) => `${f.provider} unavailable: ${shortReason(f.message)}`).join('; ')})` : '';
        logger(`[encoder] execution provider: ${provider}${why}`);
      }
      return { session, provider, failures };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (isModelError(message)) throw err;
      failures.push({ provider, message });
      knownBad.set(memoKey, message);
    }
  }
  const detail = failures.map((f) => `  ${f.provider}: ${shortReason(f.message)}`).join('\n');
  throw new ProviderUnavailableError(
    device === 'auto'
      ? `no ONNX Runtime execution provider could be initialised (tried ${order.join(', ')}):\n${detail}`
      : `execution provider '${device}' is not available here:\n${detail}\n` +
          `use device 'auto' to fall back, or install the provider (for CUDA: onnxruntime-node's CUDA binaries and CUDA 12 / cuDNN 9 libraries).`,
  );
}
