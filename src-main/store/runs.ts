import type BetterSqlite3 from 'better-sqlite3';
import type { EpochMetrics, EvalResult, RunEnvironment } from '../train/messages.js';
import { parseConfig, type RunConfig } from '../vit/config.js';
import { computeCost } from '../vit/cost.js';
import { COLUMN_KEYS, columnOf } from '../../src-shared/fields.js';
import { canMove, FINAL_STATUSES, isFinished, isResumable } from '../../src-shared/run-status.js';
import { NotFoundError, StoreError } from './errors.js';
import { FileIdentity } from './file-identity.js';
import { DERIVED_STATUS_SQL, liveness, STALE_REASON } from './liveness.js';
import { GroupQueries } from './groups.js';
import { CONFIG_COLUMNS, compileList, type QueryContext } from './query/compile.js';
import { StatementCache } from './statement-cache.js';
import { StepCurves } from './steps.js';
import { countStatuses, defaultRunName, newId, summaryColumns, finiteOrNull, normaliseTags, toComparison, toDetail, toSummary, toSweep, type ComparisonRow, type EpochRow, type RunRow, type SweepRow } from './rows.js';

export { newId } from './rows.js';

// Callers that hold a RunStore can catch its errors without a second import path.
export { NotFoundError, StoreError } from './errors.js';
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

type DB = BetterSqlite3.Database;


const configColumns = Object.values(CONFIG_COLUMNS);

const SUMMARY_COLUMNS = summaryColumns(DERIVED_STATUS_SQL);

export interface RunStoreOptions {
  /** The clock used for timestamps and ids; tests and benchmarks inject one. */
  now?: () => Date;
  /** The grace period of the heartbeat rule (liveness.ts); default from `liveness()`. */
  staleMs?: number;
}

/**
 * The repository over one open database. In the app the supervisor is its only writer; every
 * method that writes more than one statement does so in one transaction, and `transaction(fn)`
 * groups several calls (one worker message) into one.
 */
export class RunStore {
  private readonly now: () => Date;
  readonly staleMs: number;
  /** The file this store writes to (null for an in-memory database). */
  readonly file: FileIdentity | null;
  private readonly s;
  private readonly statements: StatementCache;
  private groupQueries?: GroupQueries;
  /** Per-step training curves (store/steps.ts). */
  readonly steps: StepCurves;

  constructor(
    readonly db: DB,
    options: RunStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.staleMs = options.staleMs ?? liveness().staleMs;
    this.file = db.memory || db.name === '' ? null : new FileIdentity(db.name);
    this.steps = new StepCurves(db);
    this.statements = new StatementCache(db);
    const p = <R = unknown>(sql: string) => db.prepare<unknown[], R>(sql);
    this.s = {
      insertRun: p(`INSERT INTO runs (id, name, status, config_json, ${configColumns.join(', ')}, created_at, notes, tags,
        sweep_id, params, macs_per_image, macs_per_batch, priority, queue_seq)
        VALUES (@id, @name, 'queued', @config_json, ${configColumns.map((c) => `@${c}`).join(', ')}, @created_at, @notes,
        @tags, @sweep_id, @params, @macs_per_image, @macs_per_batch, @priority, @queue_seq)`),
      nextQueueSeq: p<number>('SELECT coalesce(max(queue_seq), 0) + 1 FROM runs').pluck(),
      insertCost: p('INSERT INTO costs (run_id, breakdown_json) VALUES (?, ?)'),
      status: p<RunStatus>(`SELECT ${DERIVED_STATUS_SQL} FROM runs WHERE id = ?`).pluck(),
      storedStatus: p<RunStatus>('SELECT status FROM runs WHERE id = ?').pluck(),
      summary: p<RunRow>(`SELECT ${SUMMARY_COLUMNS} FROM runs WHERE id = ?`),
      detail: p<RunRow>(`SELECT ${SUMMARY_COLUMNS}, versions_json, machine_json FROM runs WHERE id = ?`),
      // agent = NULL: whoever claims says who it is (an agent records itself after, in the same transaction).
      claim: p(`UPDATE runs SET status = 'running', started_at = coalesce(started_at, @now), heartbeat_at = @now, agent = NULL
        WHERE id = @id AND status = 'queued'`),
      markStarted: p(`UPDATE runs SET status = 'running', started_at = coalesce(started_at, @now), heartbeat_at = @now,
        backend = @backend, versions_json = @versions_json, machine_json = @machine_json
        WHERE id = @id AND status IN ('queued', 'running')`),
      heartbeat: p(`UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'`),
      upsertEpoch: p(`INSERT INTO epochs (run_id, epoch, train_loss, train_acc, test_loss, test_acc, seconds, samples_per_sec, lr)
        VALUES (@run_id, @epoch, @train_loss, @train_acc, @test_loss, @test_acc, @seconds, @samples_per_sec, @lr)
        ON CONFLICT (run_id, epoch) DO UPDATE SET train_loss = excluded.train_loss, train_acc = excluded.train_acc,
        test_loss = excluded.test_loss, test_acc = excluded.test_acc, seconds = excluded.seconds,
        samples_per_sec = excluded.samples_per_sec, lr = excluded.lr`),
      // The run's headline numbers follow its highest stored epoch, whatever order epochs arrive in.
      syncFromEpochs: p(`UPDATE runs SET
        epochs_done = coalesce((SELECT max(epoch) FROM epochs WHERE run_id = @id), 0),
        test_acc = (SELECT test_acc FROM epochs WHERE run_id = @id ORDER BY epoch DESC LIMIT 1),
        test_loss = (SELECT test_loss FROM epochs WHERE run_id = @id ORDER BY epoch DESC LIMIT 1),
        heartbeat_at = CASE WHEN status = 'running' THEN @now ELSE heartbeat_at END
        WHERE id = @id`),
      upsertArtifact: p(`INSERT INTO artifacts (run_id, kind, epoch, path, created_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (run_id, kind, path) DO UPDATE SET epoch = excluded.epoch, created_at = excluded.created_at`),
      setCheckpoint: p(`UPDATE runs SET checkpoint_path = ?,
        heartbeat_at = CASE WHEN status = 'running' THEN ? ELSE heartbeat_at END WHERE id = ?`),
      deleteClassResults: p('DELETE FROM class_results WHERE run_id = ?'),
      insertClassResult: p('INSERT INTO class_results (run_id, class, correct, total) VALUES (?, ?, ?, ?)'),
      upsertConfusion: p(`INSERT INTO confusion (run_id, matrix_json) VALUES (?, ?)
        ON CONFLICT (run_id) DO UPDATE SET matrix_json = excluded.matrix_json`),
      deleteConfusion: p('DELETE FROM confusion WHERE run_id = ?'),
      setResult: p('UPDATE runs SET test_loss = ?, test_acc = ? WHERE id = ?'),
      finish: p('UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE id = ?'),
      // The last sign of life is when the run stopped; "now" may be days later (app restarted).
      interrupt: p(`UPDATE runs SET status = 'interrupted', finished_at = coalesce(heartbeat_at, started_at, @now),
        error = @error WHERE id = @id AND status = 'running'`),
      // The heartbeat rule written down: only while the run is still stale (compare-and-set), so a
      // run whose owner came back to life meanwhile is left alone.
      settleStale: p(`UPDATE runs SET status = 'interrupted', finished_at = coalesce(heartbeat_at, started_at, @now),
        error = @error WHERE id = @id AND status = 'running' AND ${DERIVED_STATUS_SQL} = 'interrupted'`),
      requeue: p(`UPDATE runs SET status = 'queued', finished_at = NULL, error = NULL, heartbeat_at = NULL, queue_seq = ?
        WHERE id = ?`),
      deleteEpochsAfter: p('DELETE FROM epochs WHERE run_id = ? AND epoch > ?'),
      listQueued: p<RunRow>(`SELECT ${SUMMARY_COLUMNS} FROM runs WHERE status = 'queued' ORDER BY priority DESC, queue_seq, rowid`),
      listRunning: p<RunRow>(`SELECT ${SUMMARY_COLUMNS} FROM runs WHERE status = 'running' ORDER BY started_at, rowid`),
      listStale: p<string>(`SELECT id FROM runs WHERE status = 'running' AND ${DERIVED_STATUS_SQL} = 'interrupted' ORDER BY started_at, rowid`).pluck(),
      epochs: p<EpochRow>(`SELECT epoch, train_loss, train_acc, test_loss, test_acc, seconds, samples_per_sec, lr
        FROM epochs WHERE run_id = ? ORDER BY epoch`),
      classResults: p<{ class: number; correct: number; total: number }>(
        'SELECT class, correct, total FROM class_results WHERE run_id = ? ORDER BY class',
      ),
      confusion: p<string>('SELECT matrix_json FROM confusion WHERE run_id = ?').pluck(),
      cost: p<string>('SELECT breakdown_json FROM costs WHERE run_id = ?').pluck(),
      artifacts: p<{ kind: string; epoch: number | null; path: string; created_at: string }>(
        'SELECT kind, epoch, path, created_at FROM artifacts WHERE run_id = ? ORDER BY id',
      ),
      artifactPaths: p<string>('SELECT path FROM artifacts WHERE run_id = ? ORDER BY id').pluck(),
      deleteRun: p('DELETE FROM runs WHERE id = ?'),
      comparisonsWithRun: p<ComparisonRow>(`SELECT * FROM comparisons
        WHERE EXISTS (SELECT 1 FROM json_each(comparisons.run_ids_json) WHERE value = ?)`),
      setComparisonRuns: p('UPDATE comparisons SET run_ids_json = ?, updated_at = ? WHERE id = ?'),
      rename: p('UPDATE runs SET name = ? WHERE id = ?'),
      setNotes: p('UPDATE runs SET notes = ? WHERE id = ?'),
      setTags: p('UPDATE runs SET tags = ? WHERE id = ?'),
      setPriority: p('UPDATE runs SET priority = ? WHERE id = ?'),
      insertSweep: p('INSERT INTO sweeps (id, name, grid_json, base_json, created_at) VALUES (?, ?, ?, ?, ?)'),
      sweep: p<SweepRow>('SELECT * FROM sweeps WHERE id = ?'),
      sweeps: p<SweepRow>('SELECT * FROM sweeps ORDER BY created_at DESC, rowid DESC'),
      sweepRuns: p<{ id: string; status: RunStatus }>(
        `SELECT id, ${DERIVED_STATUS_SQL} AS status FROM runs WHERE sweep_id = ? ORDER BY queue_seq, rowid`,
      ),
      insertComparison: p(`INSERT INTO comparisons (id, name, run_ids_json, baseline_run_id, settings_json, created_at, updated_at)
        VALUES (@id, @name, @run_ids_json, @baseline_run_id, @settings_json, @now, @now)`),
      updateComparison: p(`UPDATE comparisons SET name = @name, run_ids_json = @run_ids_json, baseline_run_id = @baseline_run_id,
        settings_json = @settings_json, updated_at = @now WHERE id = @id`),
      comparisonByName: p<string>('SELECT id FROM comparisons WHERE name = ?').pluck(),
      comparison: p<ComparisonRow>('SELECT * FROM comparisons WHERE id = ?'),
      comparisons: p<ComparisonRow>('SELECT * FROM comparisons ORDER BY updated_at DESC, rowid DESC'),
      deleteComparison: p('DELETE FROM comparisons WHERE id = ?'),
      runExists: p<number>('SELECT 1 FROM runs WHERE id = ?').pluck(),
    };
  }

  /**
   * Runs `fn` in one transaction: all of its writes land, or (when it throws) none do. Nests:
   * an inner call becomes a savepoint. `fn` must be synchronous.
   */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  /**
   * Throws (a StoreError 'database-gone') once the database file was deleted or replaced: every
   * write checks first, so nothing is reported saved into a file that is gone.
   */
  assertFileIntact(): void {
    const problem = this.file?.check();
    if (problem) throw problem;
  }

  /** The named parameter every read that shows a status binds: now minus the grace period. */
  private live(): { stale_before: string } {
    return { stale_before: new Date(this.now().getTime() - this.staleMs).toISOString() };
  }

  /** The stored status (what writes check); readers get the derived one. */
  private statusOf(id: string): RunStatus {
    const status = this.s.storedStatus.get(id);
    if (status === undefined) throw new NotFoundError('run', id);
    return status;
  }

  private refuse(id: string, status: RunStatus, action: string): never {
    throw new StoreError(`run ${id} is ${status}; cannot ${action}`, 'invalid-state');
  }

  // ── writes ──────────────────────────────────────────────────────────────────────────────────

  /** Validates the config, computes its cost and queues the run. Returns its id. */
  createRun(input: NewRun): string {
    this.assertFileIntact();
    if (input.status !== undefined && input.status !== 'queued') {
      throw new StoreError(`a new run must be queued, not ${String(input.status)}`, 'invalid-state');
    }
    const config = parseConfig(input.config);
    const cost = computeCost(config, config.batch);
    const at = this.now();
    return this.transaction(() => {
      if (input.sweepId !== undefined && !this.s.sweep.get(input.sweepId)) throw new NotFoundError('sweep', input.sweepId);
      const row = {
        name: input.name?.trim() || defaultRunName(config),
        config_json: JSON.stringify(config),
        ...Object.fromEntries(COLUMN_KEYS.map((k) => [columnOf(k), config[k]])),
        created_at: at.toISOString(),
        notes: input.notes ?? '',
        tags: JSON.stringify(normaliseTags(input.tags ?? [])),
        sweep_id: input.sweepId ?? null,
        params: cost.params.total,
        macs_per_image: cost.macs.perImage,
        macs_per_batch: cost.macs.perBatch,
        priority: input.priority ?? 0,
        queue_seq: this.s.nextQueueSeq.get(),
      };
      let id: string;
      for (let attempt = 0; ; attempt++) {
        id = newId('r', at);
        try {
          this.s.insertRun.run({ id, ...row });
          break;
        } catch (e) {
          // Five random base36 digits per millisecond: a collision is rare, retrying makes it harmless.
          if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY' || attempt >= 5) throw e;
        }
      }
      this.s.insertCost.run(id, JSON.stringify(cost));
      return id;
    });
  }

  /**
   * queued → running before the worker has reported, so that a worker dying during start-up leaves
   * a running run (which recovery turns into interrupted) rather than a queued one started again
   * and again. Returns false when the run is no longer queued (cancelled meanwhile).
   */
  claim(id: string): boolean {
    this.assertFileIntact();
    this.statusOf(id);
    return this.s.claim.run({ id, now: this.stamp() }).changes === 1;
  }

  /** The worker's `started` message: the run is running on this backend, machine and versions. */
  markStarted(id: string, env: RunEnvironment): void {
    this.assertFileIntact();
    const status = this.statusOf(id);
    const changed = this.s.markStarted.run({
      id,
      now: this.stamp(),
      backend: env.backend,
      versions_json: JSON.stringify(env.versions),
      machine_json: JSON.stringify(env.machine),
    }).changes;
    if (changed === 0) this.refuse(id, status, 'mark it running');
  }

  /** Returns false (and writes nothing) when the run is not running. */
  heartbeat(id: string): boolean {
    this.assertFileIntact();
    const changed = this.s.heartbeat.run(this.stamp(), id).changes;
    if (changed === 0) this.statusOf(id);
    return changed === 1;
  }

  /** Stores (or replaces) one epoch's metrics; the run's epochs_done and test accuracy follow the latest epoch. */
  addEpoch(id: string, m: EpochMetrics): void {
    this.assertFileIntact();
    if (!Number.isInteger(m.epoch) || m.epoch < 1) {
      throw new StoreError(`epoch must be a whole number from 1, got ${m.epoch}`, 'invalid-query');
    }
    this.transaction(() => {
      this.statusOf(id);
      this.s.upsertEpoch.run({
        run_id: id,
        epoch: m.epoch,
        train_loss: finiteOrNull(m.trainLoss),
        train_acc: m.trainAcc,
        test_loss: finiteOrNull(m.testLoss),
        test_acc: m.testAcc,
        seconds: m.seconds,
        samples_per_sec: m.samplesPerSec,
        lr: m.lr,
      });
      this.s.syncFromEpochs.run({ id, now: this.stamp() });
    });
  }

  /** Records a checkpoint; the run's checkpoint_path becomes this one (the one to resume from). */
  addCheckpoint(id: string, epoch: number, path: string): void {
    this.assertFileIntact();
    this.transaction(() => {
      this.statusOf(id);
      const now = this.stamp();
      this.s.upsertArtifact.run(id, 'checkpoint', epoch, path, now);
      this.s.setCheckpoint.run(path, now, id);
    });
  }

  /** Records another file owned by the run (a report, an export), so delete() returns it too. */
  addArtifact(id: string, kind: string, path: string, epoch: number | null = null): void {
    this.assertFileIntact();
    this.statusOf(id);
    this.s.upsertArtifact.run(id, kind, epoch, path, this.stamp());
  }

  /** The final evaluation: per-class counts, confusion matrix, test loss and accuracy = correct / total. */
  setResult(id: string, r: EvalResult): void {
    this.assertFileIntact();
    this.transaction(() => {
      this.statusOf(id);
      this.s.deleteClassResults.run(id);
      r.perClass.forEach((c, k) => this.s.insertClassResult.run(id, k, c.correct, c.total));
      this.s.upsertConfusion.run(id, JSON.stringify(r.confusion));
      this.s.setResult.run(finiteOrNull(r.testLoss), r.total > 0 ? r.correct / r.total : null, id);
    });
  }

  /** queued|running → completed|failed|cancelled|interrupted. */
  finish(id: string, status: FinalStatus, error?: string): void {
    this.assertFileIntact();
    if (!isFinished(status)) {
      throw new StoreError(`finish: status must be one of ${FINAL_STATUSES.join(', ')}, got "${String(status)}"`, 'invalid-query');
    }
    this.transaction(() => {
      const current = this.statusOf(id);
      if (!canMove(current, status)) this.refuse(id, current, `mark it ${status}`);
      this.s.finish.run(status, this.stamp(), error ?? null, id);
    });
  }

  /**
   * Runs found `running` without a live worker (the supervisor decides which) become interrupted.
   * Returns the ids that changed; ids no longer running are left alone.
   */
  markInterrupted(staleIds: readonly string[], reason = 'the worker stopped without reporting (crash or app exit); resume it from its last checkpoint'): string[] {
    this.assertFileIntact();
    return this.transaction(() => {
      const now = this.stamp();
      return staleIds.filter((id) => this.s.interrupt.run({ id, now, error: reason }).changes === 1);
    });
  }

  /**
   * Writes the heartbeat rule down for runs that are still stale (their owner died): running →
   * interrupted. Returns the ids that changed.
   */
  settleStale(ids: readonly string[], reason = STALE_REASON): string[] {
    this.assertFileIntact();
    return this.transaction(() => {
      const now = this.stamp();
      return ids.filter((id) => this.s.settleStale.run({ id, now, error: reason, ...this.live() }).changes === 1);
    });
  }

  /** Before a write that acts on what readers see (requeue, delete): a dead owner's run is interrupted. */
  private settle(id: string): void {
    this.s.settleStale.run({ id, now: this.stamp(), error: STALE_REASON, ...this.live() });
  }

  /**
   * failed|cancelled|interrupted → queued, at the back of the queue. With `keepEpochs`, epochs
   * after it are dropped (the run resumes from the checkpoint of that epoch); final results go,
   * since the resumed run will evaluate again.
   */
  requeue(id: string, options: { keepEpochs?: number } = {}): void {
    this.assertFileIntact();
    this.transaction(() => {
      this.settle(id);
      const status = this.statusOf(id);
      if (!isResumable(status)) this.refuse(id, status, 'requeue it');
      if (options.keepEpochs !== undefined) {
        this.s.deleteEpochsAfter.run(id, options.keepEpochs);
        this.steps.deleteAfter(id, options.keepEpochs);
      }
      this.s.deleteClassResults.run(id);
      this.s.deleteConfusion.run(id);
      this.s.requeue.run(this.s.nextQueueSeq.get(), id);
      this.s.syncFromEpochs.run({ id, now: this.stamp() });
    });
  }

  /**
   * Deletes the run's rows (epochs, results, cost, artifacts by cascade) and drops it from saved
   * comparisons, in one transaction. Returns the files it owned: the caller removes those. A
   * running run must be cancelled first, or its worker would go on writing files.
   */
  delete(id: string): DeletedRun {
    this.assertFileIntact();
    return this.transaction(() => {
      this.settle(id);
      const row = this.s.summary.get(id, this.live());
      if (!row) throw new NotFoundError('run', id);
      if (row.status === 'running') this.refuse(id, row.status, 'delete it (cancel it first)');
      const paths = [...new Set([...this.s.artifactPaths.all(id), ...(row.checkpoint_path ? [row.checkpoint_path] : [])])];
      const now = this.stamp();
      for (const c of this.s.comparisonsWithRun.all(id)) {
        const runIds = (JSON.parse(c.run_ids_json) as string[]).filter((r) => r !== id);
        this.s.setComparisonRuns.run(JSON.stringify(runIds), now, c.id);
      }
      this.s.deleteRun.run(id);
      return { id, paths };
    });
  }

  /** Several edits of the user's fields at once (a form's save); absent fields stay as they are. */
  update(id: string, fields: { name?: string; notes?: string; tags?: readonly string[] }): void {
    this.assertFileIntact();
    this.transaction(() => {
      this.statusOf(id);
      if (fields.name !== undefined) this.rename(id, fields.name);
      if (fields.notes !== undefined) this.setNotes(id, fields.notes);
      if (fields.tags !== undefined) this.setTags(id, fields.tags);
    });
  }

  rename(id: string, name: string): void {
    this.assertFileIntact();
    const trimmed = name.trim();
    if (!trimmed) throw new StoreError('a run name cannot be empty', 'invalid-query');
    if (this.s.rename.run(trimmed, id).changes === 0) throw new NotFoundError('run', id);
  }

  setNotes(id: string, notes: string): void {
    this.assertFileIntact();
    if (this.s.setNotes.run(notes, id).changes === 0) throw new NotFoundError('run', id);
  }

  setTags(id: string, tags: readonly string[]): string[] {
    this.assertFileIntact();
    const clean = normaliseTags(tags);
    if (this.s.setTags.run(JSON.stringify(clean), id).changes === 0) throw new NotFoundError('run', id);
    return clean;
  }

  /** Higher runs first among queued runs. */
  setPriority(id: string, priority: number): void {
    this.assertFileIntact();
    if (!Number.isInteger(priority)) throw new StoreError(`priority must be a whole number, got ${priority}`, 'invalid-query');
    if (this.s.setPriority.run(priority, id).changes === 0) throw new NotFoundError('run', id);
  }

  // ── reads ───────────────────────────────────────────────────────────────────────────────────

  get(id: string): RunDetail {
    const row = this.s.detail.get(id, this.live()) as (RunRow & { versions_json: string | null; machine_json: string | null }) | undefined;
    if (!row) throw new NotFoundError('run', id);
    return toDetail(row, {
      epochs: this.s.epochs.all(id),
      classResults: this.s.classResults.all(id),
      confusionJson: this.s.confusion.get(id),
      costJson: this.s.cost.get(id),
      artifacts: this.s.artifacts.all(id),
    });
  }

  /** The status, or undefined for an unknown id (a cheap existence check). */
  getStatus(id: string): RunStatus | undefined {
    return this.s.status.get(id, this.live());
  }

  /**
   * The status as stored, without the heartbeat rule: for the process that owns the run (its
   * supervisor), whose own heartbeat may lag while the database is locked.
   */
  storedStatus(id: string): RunStatus | undefined {
    return this.s.storedStatus.get(id);
  }

  has(id: string): boolean {
    return this.s.runExists.get(id) !== undefined;
  }

  list(query: ListQuery = {}): ListResult {
    const compiled = compileList(query, this.queryContext(), summaryColumns);
    if (!compiled) return { total: 0, rows: [] };
    const total = this.statements.get(compiled.count.sql).pluck().get(...compiled.count.params) as number;
    const rows = this.statements.get(compiled.page.sql).all(...compiled.page.params) as RunRow[];
    return { total, rows: rows.map(toSummary) };
  }

  /** What the query compiler (store/query/compile.ts) needs to know: SQLite, and the heartbeat threshold now. */
  private queryContext(): QueryContext {
    return { dialect: 'sqlite', staleBefore: this.live().stale_before };
  }

  /** The runs matching the query grouped by config without the seed (store/groups.ts). */
  listGroups(query: GroupQuery = {}): GroupListResult {
    this.groupQueries ??= new GroupQueries(this.statements, () => this.queryContext());
    return this.groupQueries.list(query);
  }

  /** Queued runs in the order they will start. */
  listQueued(): RunSummary[] {
    return this.s.listQueued.all(this.live()).map(toSummary);
  }

  /** Runs stored as running (whether or not their owner is alive). */
  listRunning(): RunSummary[] {
    return this.s.listRunning.all(this.live()).map(toSummary);
  }

  /** Runs stored as running whose heartbeat is older than the grace period: their owner died. */
  listStale(): string[] {
    return this.s.listStale.all(this.live());
  }

  // ── sweeps ──────────────────────────────────────────────────────────────────────────────────

  /** Records a sweep (its runs are created with `createRun({ sweepId })`). Returns its id. */
  createSweep(input: { name?: string; grid: SweepGrid; base?: RunConfig }): string {
    this.assertFileIntact();
    const at = this.now();
    const id = newId('s', at);
    const name = input.name?.trim() || `sweep ${at.toISOString().slice(0, 16).replace('T', ' ')}`;
    this.s.insertSweep.run(id, name, JSON.stringify(input.grid), input.base ? JSON.stringify(input.base) : null, at.toISOString());
    return id;
  }

  getSweep(id: string): SweepDetail {
    const row = this.s.sweep.get(id);
    if (!row) throw new NotFoundError('sweep', id);
    const runs = this.s.sweepRuns.all(id, this.live());
    return { ...toSweep(row), runIds: runs.map((r) => r.id), counts: countStatuses(runs.map((r) => r.status)) };
  }

  listSweeps(): Sweep[] {
    return this.s.sweeps.all().map(toSweep);
  }

  // ── comparisons ─────────────────────────────────────────────────────────────────────────────

  /** Creates (no id) or updates (id) a saved comparison. Names are unique. */
  saveComparison(input: SaveComparison): Comparison {
    this.assertFileIntact();
    const name = input.name.trim();
    if (!name) throw new StoreError('a comparison needs a name', 'invalid-query');
    return this.transaction(() => {
      const runIds = [...new Set(input.runIds)];
      for (const r of runIds) if (!this.has(r)) throw new NotFoundError('run', r);
      const baseline = input.baselineRunId ?? null;
      if (baseline !== null && !runIds.includes(baseline)) {
        throw new StoreError(`baseline run ${baseline} is not one of the compared runs`, 'invalid-query');
      }
      const holder = this.s.comparisonByName.get(name);
      if (holder !== undefined && holder !== input.id) {
        throw new StoreError(`a comparison named "${name}" already exists`, 'conflict');
      }
      const row = {
        id: input.id ?? newId('c', this.now()),
        name,
        run_ids_json: JSON.stringify(runIds),
        baseline_run_id: baseline,
        settings_json: JSON.stringify(input.settings ?? {}),
        now: this.stamp(),
      };
      if (input.id !== undefined) {
        if (this.s.updateComparison.run(row).changes === 0) throw new NotFoundError('comparison', input.id);
      } else {
        this.s.insertComparison.run(row);
      }
      return toComparison(this.s.comparison.get(row.id)!);
    });
  }

  getComparison(id: string): Comparison {
    const row = this.s.comparison.get(id);
    if (!row) throw new NotFoundError('comparison', id);
    return toComparison(row);
  }

  listComparisons(): Comparison[] {
    return this.s.comparisons.all().map(toComparison);
  }

  deleteComparison(id: string): void {
    this.assertFileIntact();
    if (this.s.deleteComparison.run(id).changes === 0) throw new NotFoundError('comparison', id);
  }
}
