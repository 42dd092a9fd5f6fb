import { z } from 'zod';
import { locateDataset } from '../data/datasets.js';
import { Conflict, NotFound, type Supervisor } from '../runs/supervisor.js';
import { planSweep, sweepRunName } from '../runs/sweep.js';
import { StoreError } from '../store/errors.js';
import { BACKENDS, ConfigError, configIssues, PRESETS, resolveConfig, validateConfig, SEED_CONFIG, type RunConfig } from '../vit/config.js';
import { computeCost } from '../vit/cost.js';
import { modelSummary } from '../vit/summary.js';
import { datasetState, startDownload } from '../data/download-job.js';
import { estimatorFor } from '../runs/estimator.js';
import {
  requests,
  type ApiErrorBody,
  type ApiResponse,
  type RequestInput,
  type RequestName,
  type RequestResult,
} from './contract.js';

export interface HandlerContext {
  supervisor: Supervisor;
  dbPath: string;
  dataDir: string;
  version: string;
  /** Exports a report; provided by the report module (kept out of here so handlers stay thin). */
  exportReport?: (input: RequestInput<'reports/export'>) => Promise<RequestResult<'reports/export'>>;
}

type Handlers = { [N in RequestName]: (input: z.output<(typeof requests)[N]['input']>, ctx: HandlerContext) => RequestResult<N> | Promise<RequestResult<N>> };

/** A handler's refusal with a code the UI can act on. */
export class ApiError extends Error {
  constructor(readonly body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiError';
  }
}

const handlers: Handlers = {
  'system/info': (_i, ctx) => ({
    version: ctx.version,
    dbPath: ctx.dbPath,
    dataDir: ctx.dataDir,
    presets: Object.entries(PRESETS).map(([name, p]) => ({ name, description: p.description, config: p.config })),
    datasets: (['fashion-mnist', 'mnist'] as const).map((name) => {
      try {
        return { name, found: true, dir: locateDataset(name).dir };
      } catch (e) {
        return { name, found: false, problem: (e as Error).message };
      }
    }),
    concurrency: ctx.supervisor.concurrency,
    backends: BACKENDS,
  }),
  'runs/list': (q, ctx) => ctx.supervisor.store.list(q),
  'runs/get': ({ id }, ctx) => ctx.supervisor.store.get(id),
  'runs/start': (i, ctx) => ({ id: ctx.supervisor.enqueue(resolveConfig(i.config as Partial<RunConfig>, i.preset), { name: i.name, tags: i.tags, notes: i.notes }) }),
  'runs/cancel': ({ id }, ctx) => ({ id, status: ctx.supervisor.cancel(id) }),
  'runs/delete': async ({ ids }, ctx) => ({ deleted: await ctx.supervisor.delete(ids) }),
  'runs/resume': ({ id }, ctx) => {
    ctx.supervisor.resume(id);
    return { id };
  },
  'runs/update': (i, ctx) => {
    ctx.supervisor.store.update(i.id, { name: i.name, notes: i.notes, tags: i.tags });
    ctx.supervisor.notifyChanged('updated');
    return { id: i.id };
  },
  'cost/preview': (i) => {
    const r = validateConfig({ ...SEED_CONFIG, ...i.config });
    if (!r.ok) return { ok: false, issues: r.issues };
    return { ok: true, issues: [], config: r.config, cost: computeCost(r.config, i.batch ?? r.config.batch), summary: modelSummary(r.config) };
  },
  'sweeps/preview': (i) => {
    const plan = planSweep(resolveConfig(i.base as Partial<RunConfig>), i.grid as never);
    return { ...plan, total: plan.runs.length + plan.skipped.length };
  },
  'sweeps/start': (i, ctx) => {
    const base = resolveConfig(i.base as Partial<RunConfig>);
    const plan = planSweep(base, i.grid as never);
    if (plan.runs.length === 0) throw new ApiError({ code: 'invalid_input', message: 'sweep: no valid combination to run', issues: plan.skipped.flatMap((s) => s.issues) });
    const sweepId = ctx.supervisor.store.createSweep({ name: i.name ?? `sweep ${new Date().toISOString().slice(0, 16)}`, grid: i.grid, base });
    const runIds = plan.runs.map((r) => ctx.supervisor.enqueue(r.config, { name: sweepRunName(r.values), sweepId }));
    return { sweepId, runIds, skipped: plan.skipped };
  },
  'reports/export': async (i, ctx) => {
    if (!ctx.exportReport) throw new ApiError({ code: 'internal', message: 'reports are not available in this build' });
    return ctx.exportReport(i);
  },
  'comparisons/list': (_i, ctx) => ctx.supervisor.store.listComparisons(),
  'comparisons/save': (i, ctx) => ctx.supervisor.store.saveComparison({ name: i.name, runIds: i.runIds, baselineRunId: i.baselineRunId, settings: i.settings ?? {} }),
  'comparisons/delete': ({ id }, ctx) => {
    ctx.supervisor.store.deleteComparison(id);
    return { id };
  },
  'runs/estimate': (i, ctx) => estimatorFor(ctx.supervisor.store).forConfig(resolveConfig(i.config as Partial<RunConfig>, i.preset), { probe: i.probe }),
  'runs/estimate-stored': ({ id }, ctx) => estimatorFor(ctx.supervisor.store).forStoredRun(id),
  'sweeps/estimate': async (i, ctx) => {
    const plan = planSweep(resolveConfig(i.base as Partial<RunConfig>), i.grid as never);
    const q = await estimatorFor(ctx.supervisor.store).forQueue(plan.runs.map((r) => r.config), { probe: i.probe });
    return { ...q, runs: q.runs.map((r) => ({ name: sweepRunName(plan.runs[r.index].values), estimate: r.estimate })) };
  },
  'data/status': (i) => datasetState(i.dataset),
  'data/download': (i) => startDownload(i.dataset),
};

function toErrorBody(e: unknown): ApiErrorBody {
  if (e instanceof ApiError) return e.body;
  if (e instanceof ConfigError) return { code: 'invalid_input', message: e.message, issues: e.issues };
  if (e instanceof NotFound) return { code: 'not_found', message: e.message };
  if (e instanceof StoreError) {
    const code = e.code === 'not-found' ? 'not_found' : e.code === 'invalid-query' ? 'invalid_input' : e.code === 'invalid-state' || e.code === 'conflict' ? 'conflict' : 'internal';
    return { code, message: e.message };
  }
  if (e instanceof Conflict) return { code: 'conflict', message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  // Domain errors ("sweep: …", "sort: …") are the caller's to fix; anything else is ours.
  if (/^(sweep|sort|filter|preset|export|out|name|tags)\b/.test(message)) return { code: 'invalid_input', message };
  return { code: 'internal', message };
}

/**
 * The one entry point both transports call: validates the request name and input against the
 * contract, runs the handler, and turns every outcome into a typed response. Never throws.
 */
export async function dispatch(name: string, input: unknown, ctx: HandlerContext): Promise<ApiResponse<RequestName>> {
  if (!Object.hasOwn(requests, name)) {
    return { ok: false, error: { code: 'unknown_request', message: `unknown request "${String(name).slice(0, 100)}"` } };
  }
  const n = name as RequestName;
  const parsed = requests[n].input.safeParse(input ?? {});
  if (!parsed.success) {
    const issues = configIssues(parsed.error);
    return { ok: false, error: { code: 'invalid_input', message: `${n}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues } };
  }
  try {
    const handler = handlers[n] as (i: unknown, c: HandlerContext) => unknown;
    return { ok: true, result: (await handler(parsed.data, ctx)) as RequestResult<RequestName> };
  } catch (e) {
    return { ok: false, error: toErrorBody(e) };
  }
}

