// @ts-check
import { strykerRun } from './stryker.config.mjs';

/** The second mutation run (see stryker.config.mjs): config validation, cost model, sweep planning. */
export default strykerRun('model', ['src-main/vit/config.ts', 'src-main/vit/cost.ts', 'src-main/runs/sweep.ts'], 'test/mutate/vitest.model.config.ts');
