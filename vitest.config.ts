import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/corpus/**'],
    testTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/support/skip-reporter.ts'],
  },
});
