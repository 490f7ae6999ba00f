/**
 * The ground floor of the trainable model: named parameters, layers (Dense, LayerNorm, the shared
 * block) with seeded dropout, and the optimiser (AdamW, schedule, clipping). Tasks, architectures
 * and weightings build on these; nothing here imports anything above `utils/`.
 */
export * from './layers.js';
export * from './optimizer.js';
