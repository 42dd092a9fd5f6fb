import { DomainError } from '../../../src-shared/errors.js';
import { deleteComparison, listComparisons, saveComparison } from '../../app/services/comparisons.js';
import type { HandlersOf } from './types.js';

/** Reports and saved comparisons. */
export const reportHandlers: HandlersOf<'reports' | 'comparisons'> = {
  'reports/export': async (i, ctx) => {
    if (!ctx.exportReport) throw new DomainError('unavailable', 'reports are not available in this build');
    return ctx.exportReport(i);
  },
  'comparisons/list': (_i, ctx) => listComparisons(ctx.supervisor.store),
  'comparisons/save': (i, ctx) => saveComparison(ctx.supervisor.store, i),
  'comparisons/delete': ({ id }, ctx) => deleteComparison(ctx.supervisor.store, id),
};
