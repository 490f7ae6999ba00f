/** Wall and CPU time of benchmark runs. */

export async function time<T>(fn: () => Promise<T>): Promise<{ s: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { s: (performance.now() - t0) / 1000, value };
}

/** Wall seconds and process CPU seconds (all threads) of one run. */
export async function measure(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}

/** Best of `reps` runs (the machine is shared: the best run is the least disturbed). */
export async function best(reps: number, fn: () => Promise<unknown>): Promise<number> {
  let b = Infinity;
  for (let r = 0; r < reps; r++) b = Math.min(b, (await time(fn)).s);
  return b;
}
