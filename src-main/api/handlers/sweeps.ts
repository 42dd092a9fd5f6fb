import { DomainError } from '../../../src-shared/errors.js';
import { validateRun } from '../../runs/admission.js';
import { planSweep, sweepRunName } from '../../runs/sweep.js';
import { resolveConfig, type RunConfig } from '../../vit/config.js';
import { sweepGrid } from './repeats.js';
import { admissionOf, estimatorOf, queueOf, type HandlersOf } from './types.js';

/** Sweeps: a grid planned with the same admission as a single run, started, or estimated. */
export const sweepHandlers: HandlersOf<'sweeps'> = {
  'sweeps/preview': (i, ctx) => {
    const base = resolveConfig(i.base as Partial<RunConfig>);
    const plan = planSweep(base, sweepGrid(i, base), { validate: (c) => validateRun(c, admissionOf(ctx)) });
    return { ...plan, total: plan.runs.length + plan.skipped.length };
  },
  'sweeps/start': async (i, ctx) => {
    const base = resolveConfig(i.base as Partial<RunConfig>);
    const grid = sweepGrid(i, base);
    const queue = queueOf(ctx, 'sweeps/start');
    const plan = planSweep(base, grid, { validate: (c) => validateRun(c, queue.admission) });
    if (plan.runs.length === 0) throw new DomainError('invalid_input', 'sweep: no valid combination to run', { issues: plan.skipped.flatMap((s) => s.issues) });
    return { ...(await queue.queueSweep(plan, { name: i.name, grid, base })), skipped: plan.skipped };
  },
  'sweeps/estimate': async (i, ctx) => {
    const base = resolveConfig(i.base as Partial<RunConfig>);
    const plan = planSweep(base, sweepGrid(i, base), { validate: (c) => validateRun(c, admissionOf(ctx)) });
    const q = await estimatorOf(ctx).forQueue(plan.runs.map((r) => r.config), { probe: i.probe });
    return { ...q, runs: q.runs.map((r) => ({ name: sweepRunName(plan.runs[r.index].values), estimate: r.estimate })) };
  },
};
