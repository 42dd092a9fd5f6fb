// @ts-check
/**
 * Mutation testing of the pure core (`npm run mutate`; not part of `npm test`, see README, Testing).
 * Two runs over disjoint modules, each with the smallest set of unit tests that covers them, since
 * a mutant is only ever tested by its own run's tests:
 *   logic  (this file)               Pareto, compare, schedules, checkpoint selection, grid values
 *   model  (stryker.model.config.mjs) config validation, cost model, sweep planning
 * The model modules are mostly module-level zod schemas and presets ("static" mutants, which
 * re-run every test of their run), so their run leaves out the tests that load tfjs.
 * Concurrency 1: the machine is shared, and Stryker is CPU-heavy.
 */

/** @param {string} name @param {string[]} mutate @param {string} vitestConfig */
export function strykerRun(name, mutate, vitestConfig) {
  return {
    $schema: './node_modules/@stryker-mutator/core/schema/stryker-schema.json',
    testRunner: 'vitest',
    vitest: { configFile: vitestConfig, related: false },
    checkers: ['typescript'],
    tsconfigFile: 'tsconfig.mutate.json',
    typescriptChecker: { prioritizePerformanceOverAccuracy: true },
    mutate,
    coverageAnalysis: 'perTest',
    concurrency: 1,
    timeoutMS: 15000,
    reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    thresholds: { high: 90, low: 85, break: null },
    tempDirName: `.stryker-tmp/${name}`,
    cleanTempDir: true,
    incremental: true,
    incrementalFile: `reports/mutation/${name}-incremental.json`,
  };
}

export default strykerRun(
  'logic',
  [
    'src-shared/pareto.ts',
    'src-shared/run-status.ts',
    'src-renderer/src/lib/compare.ts',
    'src-main/train/schedule.ts',
    // latestResumableCheckpoint only: the rest of the file is tfjs I/O, tested in integration.
    'src-main/train/checkpoint.ts:107-125',
    'src-shared/grid-values.ts',
  ],
  'test/mutate/vitest.logic.config.ts',
);
