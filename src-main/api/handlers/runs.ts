import { DomainError } from '../../../src-shared/errors.js';
import { deleteRuns, startRuns } from '../../app/services/runs.js';
import { estimatorFor } from '../../runs/estimator.js';
import { resolveConfig, type RunConfig } from '../../vit/config.js';
import { seedsOf } from './repeats.js';
import { storeOf, supervisorOf, type HandlersOf } from './types.js';

/** Runs: list, read, start (with repeats over seeds), stop, resume, change, delete, estimate, weights out. */
export const runHandlers: HandlersOf<'runs'> = {
  'runs/list': (q, ctx) => storeOf(ctx).list(q),
  'runs/get': ({ id }, ctx) => storeOf(ctx).get(id),
  'runs/groups': (q, ctx) => storeOf(ctx).listGroups(q),
  'runs/steps': async ({ ids }, ctx) => {
    const store = storeOf(ctx);
    const out: Record<string, Awaited<ReturnType<typeof store.steps>>> = {};
    for (const i of ids) if (await store.has(i)) out[i] = await store.steps(i);
    return out;
  },
  'runs/start': (i, ctx) => {
    const config = resolveConfig(i.config as Partial<RunConfig>, i.preset);
    const ids = startRuns(supervisorOf(ctx, 'runs/start'), { config, seeds: seedsOf(i, config.seed), name: i.name, tags: i.tags, notes: i.notes });
    return { id: ids[0]!, ids };
  },
  'runs/cancel': ({ id }, ctx) => ({ id, status: supervisorOf(ctx, 'runs/cancel').cancel(id) }),
  'runs/delete': async ({ ids }, ctx) => ({ deleted: await deleteRuns(supervisorOf(ctx, 'runs/delete'), ids) }),
  'runs/resume': ({ id }, ctx) => {
    supervisorOf(ctx, 'runs/resume').resume(id);
    return { id };
  },
  'runs/update': (i, ctx) => {
    supervisorOf(ctx, 'runs/update').update(i.id, { name: i.name, notes: i.notes, tags: i.tags });
    return { id: i.id };
  },
  'runs/exportWeights': (i, ctx) => {
    if (!ctx.exportWeights) throw new DomainError('unavailable', 'weight exports are not available in this build');
    return ctx.exportWeights(i);
  },
  'runs/estimate': (i, ctx) => estimatorFor(supervisorOf(ctx, 'runs/estimate').store).forConfig(resolveConfig(i.config as Partial<RunConfig>, i.preset), { probe: i.probe }),
  'runs/estimate-stored': ({ id }, ctx) => estimatorFor(supervisorOf(ctx, 'runs/estimate-stored').store).forStoredRun(id),
};
