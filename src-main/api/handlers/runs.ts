import { DomainError } from '../../../src-shared/errors.js';
import { deleteRuns, startRuns } from '../../app/services/runs.js';
import { estimatorFor } from '../../runs/estimator.js';
import { resolveConfig, type RunConfig } from '../../vit/config.js';
import { seedsOf } from './repeats.js';
import type { HandlersOf } from './types.js';

/** Runs: list, read, start (with repeats over seeds), stop, resume, change, delete, estimate, weights out. */
export const runHandlers: HandlersOf<'runs'> = {
  'runs/list': (q, ctx) => ctx.supervisor.store.list(q),
  'runs/get': ({ id }, ctx) => ctx.supervisor.store.get(id),
  'runs/groups': (q, ctx) => ctx.supervisor.store.listGroups(q),
  'runs/steps': ({ ids }, ctx) => Object.fromEntries(ids.filter((i) => ctx.supervisor.store.has(i)).map((i) => [i, ctx.supervisor.store.steps.get(i)])),
  'runs/start': (i, ctx) => {
    const config = resolveConfig(i.config as Partial<RunConfig>, i.preset);
    const ids = startRuns(ctx.supervisor, { config, seeds: seedsOf(i, config.seed), name: i.name, tags: i.tags, notes: i.notes });
    return { id: ids[0]!, ids };
  },
  'runs/cancel': ({ id }, ctx) => ({ id, status: ctx.supervisor.cancel(id) }),
  'runs/delete': async ({ ids }, ctx) => ({ deleted: await deleteRuns(ctx.supervisor, ids) }),
  'runs/resume': ({ id }, ctx) => {
    ctx.supervisor.resume(id);
    return { id };
  },
  'runs/update': (i, ctx) => {
    ctx.supervisor.update(i.id, { name: i.name, notes: i.notes, tags: i.tags });
    return { id: i.id };
  },
  'runs/exportWeights': (i, ctx) => {
    if (!ctx.exportWeights) throw new DomainError('unavailable', 'weight exports are not available in this build');
    return ctx.exportWeights(i);
  },
  'runs/estimate': (i, ctx) => estimatorFor(ctx.supervisor.store).forConfig(resolveConfig(i.config as Partial<RunConfig>, i.preset), { probe: i.probe }),
  'runs/estimate-stored': ({ id }, ctx) => estimatorFor(ctx.supervisor.store).forStoredRun(id),
};
