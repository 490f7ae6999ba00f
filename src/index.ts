// Public API (Node). Each area re-exports from its own index; see src/index.browser.ts for browsers.
export * from './encoder/types.js';
export { Rng } from './utils/random.js';
