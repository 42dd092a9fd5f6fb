import { DomainError } from '../../../src-shared/errors.js';
import { startRuns } from '../../app/services/runs.js';
import { resolveConfig, type RunConfig } from '../../vit/config.js';
import { seedsOf } from './repeats.js';
import { estimatorOf, queueOf, storeOf, type HandlersOf } from './types.js';

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
  'runs/start': async (i, ctx) => {
    const config = resolveConfig(i.config as Partial<RunConfig>, i.preset);
    const ids = await startRuns(queueOf(ctx, 'runs/start'), { config, seeds: seedsOf(i, config.seed), name: i.name, tags: i.tags, notes: i.notes });
    return { id: ids[0]!, ids };
  },
  'runs/cancel': async ({ id }, ctx) => ({ id, status: await queueOf(ctx, 'runs/cancel').cancel(id) }),
  'runs/delete': async ({ ids }, ctx) => ({ deleted: await queueOf(ctx, 'runs/delete').delete(ids) }),
  'runs/resume': async ({ id }, ctx) => {
    await queueOf(ctx, 'runs/resume').resume(id);
    return { id };
  },
  'runs/update': async (i, ctx) => {
    await queueOf(ctx, 'runs/update').update(i.id, { name: i.name, notes: i.notes, tags: i.tags });
    return { id: i.id };
  },
  'runs/exportWeights': (i, ctx) => {
    if (!ctx.exportWeights) throw new DomainError('unavailable', 'weight exports are not available in this build');
    return ctx.exportWeights(i);
  },
  'runs/estimate': (i, ctx) => estimatorOf(ctx).forConfig(resolveConfig(i.config as Partial<RunConfig>, i.preset), { probe: i.probe }),
  'runs/estimate-stored': ({ id }, ctx) => estimatorOf(ctx).forStoredRun(id),
};
