import { DomainError } from '../../../src-shared/errors.js';
import { storeOf, type HandlersOf } from './types.js';

/** Reports and saved comparisons. */
export const reportHandlers: HandlersOf<'reports' | 'comparisons'> = {
  'reports/export': async (i, ctx) => {
    if (!ctx.exportReport) throw new DomainError('unavailable', 'reports are not available in this build');
    return ctx.exportReport(i);
  },
  'comparisons/list': (_i, ctx) => storeOf(ctx).listComparisons(),
  'comparisons/save': (i, ctx) => storeOf(ctx).saveComparison({ name: i.name, runIds: i.runIds, baselineRunId: i.baselineRunId, settings: i.settings ?? {} }),
  'comparisons/delete': async ({ id }, ctx) => {
    await storeOf(ctx).deleteComparison(id);
    return { id };
  },
};
