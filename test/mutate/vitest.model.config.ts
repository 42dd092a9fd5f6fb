import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The unit tests that cover stryker.model.config.mjs's modules; none of them loads tfjs. */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: [
      'test/unit/config.test.ts',
      'test/unit/config-rules.test.ts',
      'test/unit/cost.test.ts',
      'test/unit/cost-seed.test.ts',
      'test/unit/sweep.test.ts',
      'test/unit/sweep-grid.test.ts',
    ],
  },
});
