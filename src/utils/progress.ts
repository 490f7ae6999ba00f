/**
 * The one shape of progress events, whatever the work: encoding texts, training, predicting.
 * Each event says which phase it is, how much is done of how much, and (when known) the time so far
 * and the estimated time left. Phase-specific fields ride along (fit: losses, λ, learning rate).
 */
export interface Progress {
  phase: 'encode' | 'fit' | 'predict' | 'evaluate';
  /** Units done so far (texts for encode/predict/evaluate, steps for fit). */
  done: number;
  /** Units in all. */
  total: number;
  elapsedMs?: number;
  etaMs?: number;
}

/** Throw the signal's reason (an AbortError by default) when it has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}
