import type { EpochMetrics, EvalResult, RunEnvironment, StepPoint } from '../train/messages.js';
import type { RunConfig } from '../vit/config.js';
import { describeStoreFailure } from './errors.js';
import type { RunStore } from './runs.js';
import type { ClaimFilter, Store } from './store.js';
import { writeTransaction } from './write-transaction.js';
import type { FinalStatus, GroupQuery, ListQuery, NewRun, RunSummary, SaveComparison, SweepGrid } from './types.js';

/** The claim filter as a predicate over a queued run (SQLite's queue is small: filtered here, not in SQL). */
export function matchesClaim(run: RunSummary, filter: ClaimFilter = {}): boolean {
  if (filter.sweepId !== undefined && run.sweepId !== filter.sweepId) return false;
  if (filter.backends !== undefined && !filter.backends.includes(run.config.backend)) return false;
  if (filter.maxParams !== undefined && run.params > filter.maxParams) return false;
  if (filter.excludeIds?.includes(run.id)) return false;
  return true;
}

/**
 * The Store interface over the synchronous RunStore (better-sqlite3), which stays the SQLite
 * engine. One connection: while a `transaction(fn)` is open (BEGIN IMMEDIATE … COMMIT around an
 * async fn), calls on the outer store wait for it, so nothing from another caller lands inside it.
 * Code that writes through the RunStore directly (the supervisor) does not wait: an open
 * transaction here must not await anything that lets such a writer run meanwhile.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  /** The open transaction's end; calls outside it wait for this. */
  private busy: Promise<unknown> | null = null;

  constructor(
    readonly runs: RunStore,
    /** True for the view handed to a transaction's fn: it runs inside the open transaction. */
    private readonly inTx = false,
    private readonly root?: SqliteStore,
  ) {}

  get staleMs(): number {
    return this.runs.staleMs;
  }

  describe(): string {
    return this.runs.file?.path ?? (this.runs.db.name || ':memory:');
  }

  /** Runs a synchronous RunStore call once no transaction of another caller is open. */
  private async call<T>(fn: (r: RunStore) => T): Promise<T> {
    if (!this.inTx) while (this.busy) await this.busy.catch(() => {});
    try {
      return fn(this.runs);
    } catch (e) {
      // SQLite's own failures name the database and say what they mean, as PgStore's do.
      throw describeStoreFailure(e, this.describe());
    }
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.inTx) return fn(this); // already inside: one transaction
    while (this.busy) await this.busy.catch(() => {});
    const db = this.runs.db;
    const work = (async () => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(new SqliteStore(this.runs, true, this));
        db.exec('COMMIT');
        return out;
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw e;
      }
    })();
    this.busy = work;
    try {
      return await work;
    } finally {
      if (this.busy === work) this.busy = null;
    }
  }

  async close(): Promise<void> {
    if (this.inTx) return (this.root ?? this).close();
    while (this.busy) await this.busy.catch(() => {});
    if (this.runs.db.open) this.runs.db.close();
  }

  /** BEGIN IMMEDIATE takes SQLite's write lock first, so two processes never claim the same run. */
  claimNext(filter: ClaimFilter = {}): Promise<RunSummary | null> {
    return this.call((r) =>
      writeTransaction(r.db, () => {
        const run = r.listQueued().find((q) => matchesClaim(q, filter));
        if (!run || !r.claim(run.id)) return null;
        return r.list({ ids: [run.id], limit: 1 }).rows[0] ?? null;
      }),
    );
  }

  createRun(input: NewRun) {
    return this.call((r) => r.createRun(input));
  }
  claim(id: string) {
    return this.call((r) => r.claim(id));
  }
  markStarted(id: string, env: RunEnvironment) {
    return this.call((r) => r.markStarted(id, env));
  }
  heartbeat(id: string) {
    return this.call((r) => r.heartbeat(id));
  }
  addEpoch(id: string, m: EpochMetrics) {
    return this.call((r) => r.addEpoch(id, m));
  }
  addCheckpoint(id: string, epoch: number, path: string) {
    return this.call((r) => r.addCheckpoint(id, epoch, path));
  }
  addArtifact(id: string, kind: string, path: string, epoch: number | null = null) {
    return this.call((r) => r.addArtifact(id, kind, path, epoch));
  }
  setResult(id: string, res: EvalResult) {
    return this.call((r) => r.setResult(id, res));
  }
  finish(id: string, status: FinalStatus, error?: string) {
    return this.call((r) => r.finish(id, status, error));
  }
  markInterrupted(staleIds: readonly string[], reason?: string) {
    return this.call((r) => (reason === undefined ? r.markInterrupted(staleIds) : r.markInterrupted(staleIds, reason)));
  }
  settleStale(ids: readonly string[], reason?: string) {
    return this.call((r) => (reason === undefined ? r.settleStale(ids) : r.settleStale(ids, reason)));
  }
  requeue(id: string, options?: { keepEpochs?: number }) {
    return this.call((r) => r.requeue(id, options));
  }
  delete(id: string) {
    return this.call((r) => r.delete(id));
  }
  update(id: string, fields: { name?: string; notes?: string; tags?: readonly string[] }) {
    return this.call((r) => r.update(id, fields));
  }
  rename(id: string, name: string) {
    return this.call((r) => r.rename(id, name));
  }
  setNotes(id: string, notes: string) {
    return this.call((r) => r.setNotes(id, notes));
  }
  setTags(id: string, tags: readonly string[]) {
    return this.call((r) => r.setTags(id, tags));
  }
  setPriority(id: string, priority: number) {
    return this.call((r) => r.setPriority(id, priority));
  }
  appendStep(runId: string, point: StepPoint) {
    return this.call((r) => r.transaction(() => r.steps.append(runId, point)));
  }

  get(id: string) {
    return this.call((r) => r.get(id));
  }
  getStatus(id: string) {
    return this.call((r) => r.getStatus(id));
  }
  storedStatus(id: string) {
    return this.call((r) => r.storedStatus(id));
  }
  has(id: string) {
    return this.call((r) => r.has(id));
  }
  list(query?: ListQuery) {
    return this.call((r) => r.list(query));
  }
  listGroups(query?: GroupQuery) {
    return this.call((r) => r.listGroups(query));
  }
  listQueued() {
    return this.call((r) => r.listQueued());
  }
  listRunning() {
    return this.call((r) => r.listRunning());
  }
  listStale() {
    return this.call((r) => r.listStale());
  }
  steps(runId: string) {
    return this.call((r) => r.steps.get(runId));
  }

  createSweep(input: { name?: string; grid: SweepGrid; base?: RunConfig }) {
    return this.call((r) => r.createSweep(input));
  }
  getSweep(id: string) {
    return this.call((r) => r.getSweep(id));
  }
  listSweeps() {
    return this.call((r) => r.listSweeps());
  }

  saveComparison(input: SaveComparison) {
    return this.call((r) => r.saveComparison(input));
  }
  getComparison(id: string) {
    return this.call((r) => r.getComparison(id));
  }
  listComparisons() {
    return this.call((r) => r.listComparisons());
  }
  deleteComparison(id: string) {
    return this.call((r) => r.deleteComparison(id));
  }
}
