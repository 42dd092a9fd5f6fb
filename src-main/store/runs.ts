import type BetterSqlite3 from 'better-sqlite3';
import type { EpochMetrics, EvalResult, RunEnvironment } from '../train/messages.js';
import type { RunConfig } from '../vit/config.js';
import { Comparisons } from './comparisons.js';
import { StoreContext, type RunStoreOptions } from './context.js';
import type { FileIdentity } from './file-identity.js';
import { STALE_REASON } from './liveness.js';
import { RunEdits } from './run-edits.js';
import { RunLifecycle } from './run-lifecycle.js';
import { RunReads } from './run-reads.js';
import { RunResults } from './run-results.js';
import { StepCurves } from './steps.js';
import { Sweeps } from './sweeps.js';
import type {
  Comparison,
  DeletedRun,
  FinalStatus,
  GroupListResult,
  GroupQuery,
  ListQuery,
  ListResult,
  NewRun,
  RunDetail,
  RunStatus,
  RunSummary,
  SaveComparison,
  Sweep,
  SweepDetail,
  SweepGrid,
} from './types.js';

// Callers that hold a RunStore can catch its errors without a second import path.
export { NotFoundError, StoreError } from './errors.js';
export { newId } from './rows.js';
export type { RunStoreOptions } from './context.js';

/**
 * The SQLite store over one open database, as its callers see it: a facade over the repositories
 * that do the work (run-lifecycle, run-results, run-edits, run-reads, sweeps, comparisons, steps;
 * the listings' SQL comes from store/query/). In the app the supervisor is its only writer; every
 * method that writes more than one statement does so in one transaction, and `transaction(fn)`
 * groups several calls (one worker message) into one.
 */
export class RunStore {
  readonly staleMs: number;
  /** The file this store writes to (null for an in-memory database). */
  readonly file: FileIdentity | null;
  /** Per-step training curves (store/steps.ts). */
  readonly steps: StepCurves;
  private readonly ctx: StoreContext;
  private readonly lifecycle: RunLifecycle;
  private readonly results: RunResults;
  private readonly edits: RunEdits;
  private readonly reads: RunReads;
  private readonly sweeps: Sweeps;
  private readonly comparisons: Comparisons;

  constructor(
    readonly db: BetterSqlite3.Database,
    options: RunStoreOptions = {},
  ) {
    this.ctx = new StoreContext(db, options);
    this.staleMs = this.ctx.staleMs;
    this.file = this.ctx.file;
    this.steps = new StepCurves(db);
    this.reads = new RunReads(this.ctx);
    this.results = new RunResults(this.ctx, this.steps);
    this.edits = new RunEdits(this.ctx);
    this.sweeps = new Sweeps(this.ctx);
    this.comparisons = new Comparisons(this.ctx, (id) => this.reads.has(id));
    this.lifecycle = new RunLifecycle(this.ctx, { reads: this.reads, results: this.results, sweeps: this.sweeps, comparisons: this.comparisons });
  }

  /**
   * Runs `fn` in one transaction: all of its writes land, or (when it throws) none do. Nests:
   * an inner call becomes a savepoint. `fn` must be synchronous.
   */
  transaction<T>(fn: () => T): T {
    return this.ctx.transaction(fn);
  }

  /**
   * Throws (a StoreError 'database-gone') once the database file was deleted or replaced: every
   * write checks first, so nothing is reported saved into a file that is gone.
   */
  assertFileIntact(): void {
    this.ctx.assertFileIntact();
  }

  // ── a run's life (run-lifecycle.ts) ─────────────────────────────────────────────────────────

  /** Validates the config, computes its cost and queues the run. Returns its id. */
  createRun(input: NewRun): string {
    return this.lifecycle.createRun(input);
  }

  /**
   * queued → running before the worker has reported, so that a worker dying during start-up leaves
   * a running run (which recovery turns into interrupted) rather than a queued one started again
   * and again. Returns false when the run is no longer queued (cancelled meanwhile).
   */
  claim(id: string): boolean {
    return this.lifecycle.claim(id);
  }

  /** The worker's `started` message: the run is running on this backend, machine and versions. */
  markStarted(id: string, env: RunEnvironment): void {
    this.lifecycle.markStarted(id, env);
  }

  /** Returns false (and writes nothing) when the run is not running. */
  heartbeat(id: string): boolean {
    return this.lifecycle.heartbeat(id);
  }

  /** queued|running → completed|failed|cancelled|interrupted. */
  finish(id: string, status: FinalStatus, error?: string): void {
    this.lifecycle.finish(id, status, error);
  }

  /**
   * Runs found `running` without a live worker (the supervisor decides which) become interrupted.
   * Returns the ids that changed; ids no longer running are left alone.
   */
  markInterrupted(staleIds: readonly string[], reason = 'the worker stopped without reporting (crash or app exit); resume it from its last checkpoint'): string[] {
    return this.lifecycle.markInterrupted(staleIds, reason);
  }

  /**
   * Writes the heartbeat rule down for runs that are still stale (their owner died): running →
   * interrupted. Returns the ids that changed.
   */
  settleStale(ids: readonly string[], reason = STALE_REASON): string[] {
    return this.lifecycle.settleStale(ids, reason);
  }

  /**
   * failed|cancelled|interrupted → queued, at the back of the queue. With `keepEpochs`, epochs
   * after it are dropped (the run resumes from the checkpoint of that epoch); final results go,
   * since the resumed run will evaluate again.
   */
  requeue(id: string, options: { keepEpochs?: number } = {}): void {
    this.lifecycle.requeue(id, options);
  }

  /**
   * Deletes the run's rows (epochs, results, cost, artifacts by cascade) and drops it from saved
   * comparisons, in one transaction. Returns the files it owned: the caller removes those. A
   * running run must be cancelled first, or its worker would go on writing files.
   */
  delete(id: string): DeletedRun {
    return this.lifecycle.delete(id);
  }

  // ── what a run produces (run-results.ts) ────────────────────────────────────────────────────

  /** Stores (or replaces) one epoch's metrics; the run's epochs_done and test accuracy follow the latest epoch. */
  addEpoch(id: string, m: EpochMetrics): void {
    this.results.addEpoch(id, m);
  }

  /** Records a checkpoint; the run's checkpoint_path becomes this one (the one to resume from). */
  addCheckpoint(id: string, epoch: number, path: string): void {
    this.results.addCheckpoint(id, epoch, path);
  }

  /** Records another file owned by the run (a report, an export), so delete() returns it too. */
  addArtifact(id: string, kind: string, path: string, epoch: number | null = null): void {
    this.results.addArtifact(id, kind, path, epoch);
  }

  /** The final evaluation: per-class counts, confusion matrix, test loss and accuracy = correct / total. */
  setResult(id: string, r: EvalResult): void {
    this.results.setResult(id, r);
  }

  // ── the user's fields (run-edits.ts) ────────────────────────────────────────────────────────

  /** Several edits of the user's fields at once (a form's save); absent fields stay as they are. */
  update(id: string, fields: { name?: string; notes?: string; tags?: readonly string[] }): void {
    this.edits.update(id, fields);
  }

  rename(id: string, name: string): void {
    this.edits.rename(id, name);
  }

  setNotes(id: string, notes: string): void {
    this.edits.setNotes(id, notes);
  }

  setTags(id: string, tags: readonly string[]): string[] {
    return this.edits.setTags(id, tags);
  }

  /** Higher runs first among queued runs. */
  setPriority(id: string, priority: number): void {
    this.edits.setPriority(id, priority);
  }

  // ── reads (run-reads.ts) ────────────────────────────────────────────────────────────────────

  get(id: string): RunDetail {
    return this.reads.get(id);
  }

  /** The status, or undefined for an unknown id (a cheap existence check). */
  getStatus(id: string): RunStatus | undefined {
    return this.ctx.derivedStatus(id);
  }

  /**
   * The status as stored, without the heartbeat rule: for the process that owns the run (its
   * supervisor), whose own heartbeat may lag while the database is locked.
   */
  storedStatus(id: string): RunStatus | undefined {
    return this.ctx.storedStatus(id);
  }

  has(id: string): boolean {
    return this.reads.has(id);
  }

  list(query: ListQuery = {}): ListResult {
    return this.reads.list(query);
  }

  /** The runs matching the query grouped by config without the seed (store/groups.ts). */
  listGroups(query: GroupQuery = {}): GroupListResult {
    return this.reads.listGroups(query);
  }

  /** Queued runs in the order they will start. */
  listQueued(): RunSummary[] {
    return this.reads.listQueued();
  }

  /** Runs stored as running (whether or not their owner is alive). */
  listRunning(): RunSummary[] {
    return this.reads.listRunning();
  }

  /** Runs stored as running whose heartbeat is older than the grace period: their owner died. */
  listStale(): string[] {
    return this.reads.listStale();
  }

  // ── sweeps (sweeps.ts) ──────────────────────────────────────────────────────────────────────

  /** Records a sweep (its runs are created with `createRun({ sweepId })`). Returns its id. */
  createSweep(input: { name?: string; grid: SweepGrid; base?: RunConfig }): string {
    return this.sweeps.create(input);
  }

  getSweep(id: string): SweepDetail {
    return this.sweeps.get(id);
  }

  listSweeps(): Sweep[] {
    return this.sweeps.list();
  }

  // ── comparisons (comparisons.ts) ────────────────────────────────────────────────────────────

  /** Creates (no id) or updates (id) a saved comparison. Names are unique. */
  saveComparison(input: SaveComparison): Comparison {
    return this.comparisons.save(input);
  }

  getComparison(id: string): Comparison {
    return this.comparisons.get(id);
  }

  listComparisons(): Comparison[] {
    return this.comparisons.list();
  }

  deleteComparison(id: string): void {
    this.comparisons.delete(id);
  }
}
