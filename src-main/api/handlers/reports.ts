import { DomainError } from '../../../src-shared/errors.js';
import type { HandlersOf } from './types.js';

/** Reports and saved comparisons. */
export const reportHandlers: HandlersOf<'reports' | 'comparisons'> = {
  'reports/export': async (i, ctx) => {
    if (!ctx.exportReport) throw new DomainError('unavailable', 'reports are not available in this build');
    return ctx.exportReport(i);
  },
  'comparisons/list': (_i, ctx) => ctx.supervisor.store.listComparisons(),
  'comparisons/save': (i, ctx) => ctx.supervisor.store.saveComparison({ name: i.name, runIds: i.runIds, baselineRunId: i.baselineRunId, settings: i.settings ?? {} }),
  'comparisons/delete': ({ id }, ctx) => {
    ctx.supervisor.store.deleteComparison(id);
    return { id };
  },
};
