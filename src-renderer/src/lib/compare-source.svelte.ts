import { call, errorMessage } from './api';
import type { ComparisonRecord, RunDetail, RunSummary } from './types';

/** Runs whose epochs and per-class results are loaded (curves and per-class tables). */
const MAX_DETAIL = 24;

/** What the compare view compares: explicit run ids, a sweep's runs, or a saved comparison. */
export interface CompareTarget {
  ids: string[];
  comparisonId: string | null;
  sweepId: string | null;
}

/** What the view does as a load goes: take over a saved comparison's name and baseline, then its settings for the runs. */
export interface LoadHooks {
  opened(c: ComparisonRecord): void;
  /** Called in the same tick as the runs change, so nothing renders them with the last settings. */
  loaded(rows: RunSummary[], settings: Record<string, unknown>): void;
}

/**
 * The runs of a comparison and the saved comparisons: loads the summaries in one request, then
 * the details (epochs, per-class) of the first runs that have any, and says which runs are gone.
 */
export class CompareSource {
  runs = $state.raw<RunSummary[]>([]);
  details = $state.raw<RunDetail[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Requested ids no run has any more. */
  missing = $state<string[]>([]);
  saved = $state.raw<ComparisonRecord[]>([]);
  /** The saved comparison being shown, if one is. */
  current = $state<ComparisonRecord | null>(null);

  async loadSaved(): Promise<void> {
    try {
      this.saved = await call('comparisons/list', {});
    } catch {
      // The list is a convenience; the view works without it.
    }
  }

  async load(target: CompareTarget, hooks: LoadHooks): Promise<void> {
    this.loading = true;
    this.error = null;
    this.missing = [];
    try {
      let wanted = target.ids;
      let settings: Record<string, unknown> = {};
      this.current = null;
      if (target.comparisonId) {
        await this.loadSaved();
        const c = this.saved.find((x) => x.id === target.comparisonId);
        if (!c) throw new Error(`no saved comparison with id "${target.comparisonId}"`);
        this.current = c;
        wanted = c.runIds;
        settings = c.settings ?? {};
        hooks.opened(c);
      }
      let rows: RunSummary[] = [];
      if (target.sweepId && !target.comparisonId) {
        rows = (await call('runs/list', { sweepId: target.sweepId, limit: 10_000, sort: 'createdAt', dir: 'asc' })).rows;
      } else if (wanted.length) {
        const byId = await summaries(wanted);
        rows = wanted.map((id) => byId.get(id)).filter((x): x is RunSummary => !!x);
        this.missing = wanted.filter((id) => !byId.has(id));
      }
      this.runs = rows;
      hooks.loaded(rows, settings);
      void this.loadDetails(rows);
    } catch (e) {
      this.error = errorMessage(e);
      this.runs = [];
      this.details = [];
    } finally {
      this.loading = false;
    }
  }

  async loadDetails(rows: RunSummary[]): Promise<void> {
    const pick = rows.filter((r) => r.epochsDone > 0 || r.testAcc != null).slice(0, MAX_DETAIL);
    const got = await Promise.all(pick.map((r) => call('runs/get', { id: r.id }).catch(() => null)));
    this.details = got.filter((x): x is RunDetail => !!x);
  }
}

/** Summaries of the given runs, in one request (runs/list filters by ids). */
async function summaries(wanted: string[]): Promise<Map<string, RunSummary>> {
  const r = await call('runs/list', { ids: wanted, limit: Math.min(10_000, Math.max(1, wanted.length)), sort: 'createdAt', dir: 'asc' });
  return new Map(r.rows.map((row) => [row.id, row]));
}
