// @ts-check
import { readFileSync } from 'node:fs';

/**
 * Mutation testing of the pure core (`npm run mutate`; not part of `npm test`, see README, Testing).
 * Two runs over disjoint modules, each with the smallest set of unit tests that covers them, since
 * a mutant is only ever tested by its own run's tests:
 *   logic  (this file)               Pareto, compare, schedules, checkpoint selection, grid values,
 *                                    run-state transitions, the store's query compiler
 *   model  (stryker.model.config.mjs) config validation, cost model, sweep planning
 * The model modules are mostly module-level zod schemas and presets ("static" mutants, which
 * re-run every test of their run), so their run leaves out the tests that load tfjs.
 * Concurrency 1: the machine is shared, and Stryker is CPU-heavy.
 */

/**
 * `file:first-last`, the lines of one top-level function found by name, so that the range follows
 * the function when the file around it changes (a written-out range went stale once). The function
 * ends at the first line after its start that is a lone `}` (how Prettier closes a top-level one).
 * @param {string} file @param {string} name
 */
export function functionLines(file, name) {
  const lines = readFileSync(new URL(file, import.meta.url), 'utf8').split('\n');
  const start = lines.findIndex((l) => new RegExp(`^export (async )?function ${name}\\b`).test(l));
  const end = lines.findIndex((l, i) => i > start && l === '}');
  if (start < 0 || end < 0) throw new Error(`stryker.config.mjs: no top-level function ${name} in ${file}`);
  return `${file}:${start + 1}-${end + 1}`;
}

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
    // Without it, the vitest runner bails on a mutant's first failing test and the next mutant
    // often meets "[vitest-pool]: Cannot run tasks while pool is cancelling", reported as a
    // RuntimeError and left out of the score: 166 of 408 query-compiler and run-status mutants
    // (2026-12-01), against 0 with bail disabled (the run took 4.8 min instead of 3.4).
    disableBail: true,
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
    'src-main/store/query/compile.ts',
    'src-main/store/query/compile-groups.ts',
    'src-main/store/query/dialect.ts',
    'src-renderer/src/lib/compare.ts',
    'src-main/train/schedule.ts',
    // latestResumableCheckpoint only: the rest of the file is tfjs I/O, tested in integration.
    functionLines('src-main/train/checkpoint.ts', 'latestResumableCheckpoint'),
    'src-shared/grid-values.ts',
  ],
  'test/mutate/vitest.logic.config.ts',
);
