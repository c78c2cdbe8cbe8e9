import { defineConfig } from 'vitest/config';

// The shared tcpdump corpus sweep (830 files) and the tshark differential test over it:
// kept out of `npm test` so the everyday suite stays quick; .ci/run runs both.
export default defineConfig({
  test: {
    include: ['test/corpus/**/*.test.ts'],
    testTimeout: 600_000,
    pool: 'forks',
    reporters: ['default', './test/support/skip-reporter.ts'],
  },
});
