import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // the default output, plus the names of test files whose worker died before they finished
    reporters: ['default', './test/reporters/unfinished-files.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
