/** Step times of a training history, for reports. */
import type { StepRecord } from './types.js';

/** Mean step time (ms) per task of a step (tasks of one step joined by '+'), over the steps that recorded one. */
export function meanStepMs(steps: readonly StepRecord[]): Record<string, number> {
  const sum = new Map<string, { ms: number; n: number }>();
  for (const s of steps) {
    if (s.stepMs === undefined) continue;
    const k = s.tasks.join('+');
    const a = sum.get(k) ?? { ms: 0, n: 0 };
    sum.set(k, { ms: a.ms + s.stepMs, n: a.n + 1 });
  }
  return Object.fromEntries([...sum].map(([k, a]) => [k, Math.round(a.ms / a.n)]));
}
