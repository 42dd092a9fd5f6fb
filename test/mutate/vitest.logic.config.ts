import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The unit tests that cover stryker.config.mjs's modules (keep in step with its `mutate`). */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: [
      'test/unit/pareto.test.ts',
      'test/unit/pareto-rules.test.ts',
      'test/unit/compare.test.ts',
      'test/unit/recipe.test.ts',
      'test/unit/schedule-edges.test.ts',
      'test/unit/checkpoint-select.test.ts',
      'test/unit/sweep-grid.test.ts',
      'test/unit/sweep.test.ts',
      'test/unit/run-status.test.ts',
      'test/unit/query-compile.test.ts',
    ],
  },
});
