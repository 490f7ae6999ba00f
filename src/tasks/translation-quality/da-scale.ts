/**
 * The 0–100 direct-assessment scale of a model trained on z-scores of DA (MLQE `z_mean`): the least-
 * squares line DA ≈ intercept + slope · z over the training rows that have both, saved with the model.
 * z-scores are per-annotator normalised, so the line is an approximation (`r` says how close).
 */
export interface DaScale {
  intercept: number;
  slope: number;
  /** Pearson r of z and DA on the rows it was fitted on. */
  r: number;
  n: number;
}

/** The DA scale from (z, DA) pairs; null with fewer than 2 pairs or a constant z. */
export function fitDaScale(rows: readonly { score?: number; da?: number }[]): DaScale | null {
  const xy = rows.filter((e) => Number.isFinite(e.score) && Number.isFinite(e.da)) as { score: number; da: number }[];
  const n = xy.length;
  if (n < 2) return null;
  const mx = xy.reduce((a, e) => a + e.score, 0) / n;
  const my = xy.reduce((a, e) => a + e.da, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const e of xy) {
    sxx += (e.score - mx) ** 2;
    sxy += (e.score - mx) * (e.da - my);
    syy += (e.da - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { intercept: my - slope * mx, slope, r: syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0, n };
}

/** A predicted z-score on the 0–100 DA scale (clamped to it). */
export function toDa(z: number, scale: DaScale): number {
  return Math.min(100, Math.max(0, scale.intercept + scale.slope * z));
}
