import { z } from 'zod';
import { locateDataset } from '../data/datasets.js';
import { DomainError } from '../../src-shared/errors.js';
import type { Supervisor } from '../runs/supervisor.js';
import { planSweep, sweepRunName, type SweepGrid } from '../runs/sweep.js';
import { gridWithSeeds, repeatName, repeatSeeds, withSeeds } from '../../src-shared/groups.js';
import { admissionIssues, validateRun } from '../runs/admission.js';
import { BACKENDS, configIssues, PRESETS, resolveConfig, SEED_CONFIG, validateConfig, type RunConfig } from '../vit/config.js';
import { computeCost } from '../vit/cost.js';
import { modelSummary } from '../vit/summary.js';
import type { Inspector } from '../inspect/service.js';
import { MAX_JSON_DEPTH, valueDepth } from './json-body.js';
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
  /** Looks inside trained runs (mistakes, attention, own images) through inspection workers. */
  inspector?: Inspector;
  /** Exports a run's weights (safetensors, the portable run file). */
  exportWeights?: (input: RequestInput<'runs/exportWeights'>) => Promise<RequestResult<'runs/exportWeights'>>;
}

type Handlers = { [N in RequestName]: (input: z.output<(typeof requests)[N]['input']>, ctx: HandlerContext) => RequestResult<N> | Promise<RequestResult<N>> };


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
  'runs/groups': (q, ctx) => ctx.supervisor.store.listGroups(q),
  'runs/steps': ({ ids }, ctx) => Object.fromEntries(ids.filter((i) => ctx.supervisor.store.has(i)).map((i) => [i, ctx.supervisor.store.steps.get(i)])),
  'runs/start': (i, ctx) => {
    const config = resolveConfig(i.config as Partial<RunConfig>, i.preset);
    const seeds = seedsOf(i, config.seed) ?? [config.seed];
    const ids = withSeeds(config, seeds).map((c) => ctx.supervisor.enqueue(c, { name: repeatName(i.name, c.seed, seeds.length), tags: i.tags, notes: i.notes }));
    return { id: ids[0]!, ids };
  },
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
  'cost/preview': (i, ctx) => {
    const r = validateConfig({ ...SEED_CONFIG, ...i.config });
    if (!r.ok) return { ok: false, issues: r.issues };
    // The launch form's live check is the one runs/start applies (admission), so Start is offered
    // only for what will be accepted; the cost and summary still show for a valid model that this
    // machine or data folder refuses (a stored run's detail page uses them too).
    const issues = admissionIssues(r.config, ctx.supervisor.admission);
    return { ok: issues.length === 0, issues, config: r.config, cost: computeCost(r.config, i.batch ?? r.config.batch), summary: modelSummary(r.config) };
  },
  'sweeps/preview': (i, ctx) => {
    const base = resolveConfig(i.base as Partial<RunConfig>);
    const plan = planSweep(base, sweepGrid(i, base), { validate: (c) => validateRun(c, ctx.supervisor.admission) });
    return { ...plan, total: plan.runs.length + plan.skipped.length };
  },
  'sweeps/start': (i, ctx) => {
    const base = resolveConfig(i.base as Partial<RunConfig>);
    const grid = sweepGrid(i, base);
    const plan = planSweep(base, grid, { validate: (c) => validateRun(c, ctx.supervisor.admission) });
    if (plan.runs.length === 0) throw new DomainError('invalid_input', 'sweep: no valid combination to run', { issues: plan.skipped.flatMap((s) => s.issues) });
    const sweepId = ctx.supervisor.store.createSweep({ name: i.name ?? `sweep ${new Date().toISOString().slice(0, 16)}`, grid, base });
    const runIds = plan.runs.map((r) => ctx.supervisor.enqueue(r.config, { name: sweepRunName(r.values), sweepId }));
    return { sweepId, runIds, skipped: plan.skipped };
  },
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
  'inspect/mistakes': (i, ctx) => inspecting(ctx, (x) => x.mistakes(i)),
  'inspect/attention': (i, ctx) => inspecting(ctx, (x) => x.attention(i)),
  'inspect/predict': (i, ctx) => inspecting(ctx, (x) => x.predict({ id: i.id, image: Buffer.from(i.image, 'base64'), invert: i.invert })),
  'runs/exportWeights': (i, ctx) => {
    if (!ctx.exportWeights) throw new DomainError('unavailable', 'weight exports are not available in this build');
    return ctx.exportWeights(i);
  },
  'runs/estimate': (i, ctx) => estimatorFor(ctx.supervisor.store).forConfig(resolveConfig(i.config as Partial<RunConfig>, i.preset), { probe: i.probe }),
  'runs/estimate-stored': ({ id }, ctx) => estimatorFor(ctx.supervisor.store).forStoredRun(id),
  'sweeps/estimate': async (i, ctx) => {
    const plan = planSweep(resolveConfig(i.base as Partial<RunConfig>), i.grid as never, { validate: (c) => validateRun(c, ctx.supervisor.admission) });
    const q = await estimatorFor(ctx.supervisor.store).forQueue(plan.runs.map((r) => r.config), { probe: i.probe });
    return { ...q, runs: q.runs.map((r) => ({ name: sweepRunName(plan.runs[r.index].values), estimate: r.estimate })) };
  },
  'data/status': (i) => datasetState(i.dataset),
  'data/download': (i) => startDownload(i.dataset),
};

/** Runs an inspection; its refusals are DomainErrors (InspectError) and reach the caller as their kind. */
async function inspecting<T>(ctx: HandlerContext, f: (i: Inspector) => Promise<T>): Promise<T> {
  if (!ctx.inspector) throw new DomainError('unavailable', 'inspection is not available in this build');
  return f(ctx.inspector);
}

/** The seeds a request asks for (null: no repeats asked), as an invalid_input error when impossible. */
function seedsOf(i: { repeats?: number; seeds?: number[] }, first: number): number[] | null {
  if (i.repeats === undefined && i.seeds === undefined) return null;
  try {
    return repeatSeeds({ repeats: i.repeats, seeds: i.seeds, first });
  } catch (e) {
    const message = (e as Error).message;
    throw new DomainError('invalid_input', message, { issues: [{ field: i.seeds ? 'seeds' : 'repeats', message }], cause: e });
  }
}

/** The request's grid with its repeats as the last field (seeds counted from the base's seed). */
function sweepGrid(i: { grid: Record<string, (string | number)[]>; repeats?: number; seeds?: number[] }, base: RunConfig): SweepGrid {
  try {
    return gridWithSeeds(i.grid, seedsOf(i, base.seed)) as SweepGrid;
  } catch (e) {
    if (e instanceof DomainError) throw e;
    const message = (e as Error).message;
    throw new DomainError('invalid_input', message, { issues: [{ field: 'seed', message }], cause: e });
  }
}

/** The one place an error becomes an API error: its code is its kind (src-shared/errors.ts). */
function toErrorBody(e: unknown): ApiErrorBody {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof DomainError) return e.issues.length > 0 ? { code: e.kind, message, issues: e.issues } : { code: e.kind, message };
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
  // Every transport, IPC included: a value nested deeper than any request needs would overflow
  // the stack of whatever walks it recursively later (zod, the store's JSON.stringify).
  if (valueDepth(input, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    return { ok: false, error: { code: 'invalid_input', message: `${n}: the request nests deeper than ${MAX_JSON_DEPTH} levels` } };
  }
  const parsed = requests[n].input.safeParse(input ?? {});
  if (!parsed.success) {
    const issues = configIssues(parsed.error);
    return { ok: false, error: { code: 'invalid_input', message: `${n}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues } };
  }
  try {
    // The database file deleted or replaced under a running app: every request but the info says
    // so, rather than answering from (and writing into) a file that is gone.
    if (n !== 'system/info') ctx.supervisor.store.assertFileIntact();
    const handler = handlers[n] as (i: unknown, c: HandlerContext) => unknown;
    return { ok: true, result: (await handler(parsed.data, ctx)) as RequestResult<RequestName> };
  } catch (e) {
    return { ok: false, error: toErrorBody(e) };
  }
}

