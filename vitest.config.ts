import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Training tests run a real worker on real data: seconds, not milliseconds.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Two cores: training workers already use both, parallel files would only thrash.
    fileParallelism: false,
    // No test may touch the user's real ~/.vitlab: a fresh VITLAB_HOME for the whole run.
    globalSetup: ['test/helpers/isolated-home.ts'],
  },
});
