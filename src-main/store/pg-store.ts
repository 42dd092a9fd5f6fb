import { Kysely, PostgresDialect, sql, type Generated, type Insertable, type Transaction } from 'kysely';
import pg from 'pg';
import type { EpochMetrics, EvalResult, RunEnvironment, StepPoint } from '../train/messages.js';
import type { RunConfig } from '../vit/config.js';
import { canMove, FINAL_STATUSES, isFinished, isResumable, type RunStatus } from '../../src-shared/run-status.js';
import { NotFoundError, StoreError } from './errors.js';
import { DERIVED_STATUS_SQL, STALE_REASON } from './liveness.js';
import type { OpenStoreOptions } from './open-store.js';
import { describePgFailure } from './pg-errors.js';
import { pgListGroups, pgListRuns } from './pg-list.js';
import { checkPostgres, migratePostgres } from './pg-migrate.js';
import { redactUrl } from './redact.js';
import {
  countStatuses,
  epochRow,
  newRunRow,
  finiteOrNull,
  newId,
  normaliseTags,
  toComparison,
  toDetail,
  toSummary,
  toSweep,
  type ComparisonRow,
  type RunRow,
  type SweepRow,
} from './rows.js';
import { checkStepPoint, packPoints, toCurve } from './steps.js';
import type { ClaimFilter, Store } from './store.js';
import type { DeletedRun, FinalStatus, GroupQuery, ListQuery, NewRun, RunSummary, SaveComparison, StepCurve, SweepGrid } from './types.js';

// ── the schema as Kysely sees it (migrations/postgres) ─────────────────────────────────────────

/**
 * The runs table's fixed columns: a stored RunRow (rows.ts) with `status` as stored, plus the
 * columns no reader maps; the config columns (src-shared/fields.ts) are added by name.
 */
export interface RunsTable extends Omit<RunRow, 'stored_status'> {
  rowid: Generated<number>;
  queue_seq: number;
  group_key: Generated<string | null>;
  /** Migration 0006 (store/agents.ts writes them). */
  agent: string | null;
  agent_claims: Generated<number>;
}

export interface PgSchema {
  runs: RunsTable;
  epochs: { run_id: string; epoch: number; train_loss: number | null; train_acc: number; test_loss: number | null; test_acc: number; seconds: number; samples_per_sec: number; lr: number };
  class_results: { run_id: string; class: number; correct: number; total: number };
  confusion: { run_id: string; matrix_json: string };
  costs: { run_id: string; breakdown_json: string };
  artifacts: { id: Generated<number>; run_id: string; kind: string; epoch: number | null; path: string; created_at: string };
  step_curves: { run_id: string; epoch: number; points: Buffer };
  sweeps: { rowid: Generated<number>; id: string; name: string; grid_json: string; base_json: string | null; created_at: string };
  comparisons: ComparisonRow & { rowid: Generated<number> };
  schema_migrations: { version: number; name: string; applied_at: string };
}

export type PgDb = Kysely<PgSchema> | Transaction<PgSchema>;

/**
 * The heartbeat rule (store/liveness.ts) with its threshold bound as a parameter: the same SQL
 * text as SQLite's, split at its named parameter, so the rule is written once.
 */
export function derivedStatus(staleBefore: string) {
  const [before, after] = DERIVED_STATUS_SQL.split('@stale_before');
  return sql<RunStatus>`${sql.raw(before)}${staleBefore}${sql.raw(after)}`;
}

const SUMMARY_FIELDS = [
  'id', 'name', 'config_json', 'backend', 'created_at', 'started_at', 'finished_at', 'heartbeat_at', 'error', 'notes', 'tags',
  'sweep_id', 'params', 'macs_per_image', 'macs_per_batch', 'test_acc', 'test_loss', 'epochs_done', 'checkpoint_path', 'priority', 'agent',
] as const;

/** bigint (int8) as a JavaScript number: every count and id-free integer we store fits in 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface PgStoreOptions extends OpenStoreOptions {
  staleMs: number;
}

/** Opens (and migrates, unless read only) the PostgreSQL store at `url`; the URL goes to pg whole, so sslmode and the rest are honoured. */
export async function openPgStore(url: string, opts: PgStoreOptions): Promise<PgStore> {
  const where = redactUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 4, types, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server emits on the pool; without a listener Node would exit.
  pool.on('error', () => {});
  // A whole number of ms (the setting's unit), at least 1 (0 would mean never).
  const idleMs = opts.idleInTransactionMs === undefined ? undefined : Math.max(1, Math.round(opts.idleInTransactionMs));
  pool.on('connect', (client) => {
    // A connection that breaks while checked out (Kysely holds one through a transaction) emits
    // 'error' on its client, which pg-pool hears only while the client is idle in the pool:
    // unheard, it ended the process (an agent whose link came back after a cut died of ECONNRESET,
    // test/integration/agents.test.ts). The caller learns of it by its query's rejection, and the
    // pool drops the broken client when it is released.
    client.on('error', () => {});
    // pg's documented per-connection setup: queued on the new client before any query of ours.
    if (idleMs !== undefined) void client.query(`SET idle_in_transaction_session_timeout = ${idleMs}`).catch(() => {});
  });
  try {
    await migratePostgres(pool, where, { readonly: opts.readonly });
  } catch (e) {
    await pool.end().catch(() => {});
    throw describePgFailure(e, url, where);
  }
  const db = new Kysely<PgSchema>({ dialect: new PostgresDialect({ pool }) });
  return new PgStore(db, { url, where, staleMs: opts.staleMs, now: opts.now ?? (() => new Date()) });
}

/** Connects once and checks the schema (pg-migrate.ts checkPostgres) without writing; the failure names the store without its password. */
export async function probePgStore(url: string): Promise<number> {
  const where = redactUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: 1, types, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => {});
  try {
    return await checkPostgres(pool, where);
  } catch (e) {
    throw describePgFailure(e, url, where);
  } finally {
    await pool.end().catch(() => {});
  }
}

interface Shared {
  url: string;
  where: string;
  staleMs: number;
  now: () => Date;
}

/**
 * The Store on PostgreSQL, through Kysely: the same behaviour as RunStore (store/runs.ts) —
 * statuses and transitions from src-shared/run-status.ts, the heartbeat rule, the errors —
 * checked by the contract suite that runs on both (test/integration/store-contract.test.ts).
 * Every method that writes more than one statement runs in one transaction.
 */
export class PgStore implements Store {
  readonly kind = 'postgres' as const;

  constructor(
    readonly db: PgDb,
    private readonly c: Shared,
  ) {}

  get staleMs(): number {
    return this.c.staleMs;
  }

  describe(): string {
    return this.c.where;
  }

  /** Every call goes through here: a pg failure becomes a StoreError naming the redacted store. */
  private async run<T>(fn: (db: PgDb) => Promise<T>): Promise<T> {
    try {
      return await fn(this.db);
    } catch (e) {
      throw describePgFailure(e, this.c.url, this.c.where);
    }
  }

  /** `fn` in a transaction: this store's own when it is one, else a new one. */
  private tx<T>(fn: (db: PgDb) => Promise<T>): Promise<T> {
    return this.run((db) => (db.isTransaction ? fn(db) : (db as Kysely<PgSchema>).transaction().execute(fn)));
  }

  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return this.tx((db) => fn(db === this.db ? this : new PgStore(db, this.c)));
  }

  async close(): Promise<void> {
    if (!this.db.isTransaction) await (this.db as Kysely<PgSchema>).destroy();
  }

  private stamp(): string {
    return this.c.now().toISOString();
  }

  private staleBefore(): string {
    return new Date(this.c.now().getTime() - this.c.staleMs).toISOString();
  }

  private summaries(db: PgDb) {
    return db.selectFrom('runs').select([...SUMMARY_FIELDS, derivedStatus(this.staleBefore()).as('status'), 'status as stored_status']);
  }

  private async statusOf(db: PgDb, id: string): Promise<RunStatus> {
    const row = await db.selectFrom('runs').select('status').where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('run', id);
    return row.status;
  }

  private refuse(id: string, status: RunStatus, action: string): never {
    throw new StoreError(`run ${id} is ${status}; cannot ${action}`, 'invalid-state');
  }

  private async nextQueueSeq(db: PgDb): Promise<number> {
    const r = await db.selectFrom('runs').select(sql<number>`coalesce(max(queue_seq), 0) + 1`.as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** The run's headline numbers follow its highest stored epoch (as RunStore's syncFromEpochs). */
  private async syncFromEpochs(db: PgDb, id: string): Promise<void> {
    const last = await db.selectFrom('epochs').select(['epoch', 'test_acc', 'test_loss']).where('run_id', '=', id).orderBy('epoch', 'desc').limit(1).executeTakeFirst();
    await db
      .updateTable('runs')
      .set((eb) => ({
        epochs_done: last?.epoch ?? 0,
        test_acc: last?.test_acc ?? null,
        test_loss: last?.test_loss ?? null,
        heartbeat_at: eb.case().when('status', '=', 'running').then(this.stamp()).else(eb.ref('heartbeat_at')).end(),
      }))
      .where('id', '=', id)
      .execute();
  }

  // ── writes ──────────────────────────────────────────────────────────────────────────────────

  createRun(input: NewRun): Promise<string> {
    const at = this.c.now();
    let prepared: ReturnType<typeof newRunRow>;
    try {
      prepared = newRunRow(input, at);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return this.tx(async (db) => {
      if (input.sweepId !== undefined && !(await db.selectFrom('sweeps').select('id').where('id', '=', input.sweepId).executeTakeFirst())) {
        throw new NotFoundError('sweep', input.sweepId);
      }
      const row = { ...prepared.row, status: 'queued' as const, queue_seq: await this.nextQueueSeq(db) };
      // Five random base36 digits per millisecond: a collision is rare; retrying (inside the
      // transaction, so nothing half-written survives) makes it harmless.
      for (let attempt = 0; ; attempt++) {
        const id = newId('r', at);
        const inserted = await db
          .insertInto('runs')
          .values({ id, ...row } as Insertable<RunsTable>)
          .onConflict((oc) => oc.column('id').doNothing())
          .returning('id')
          .executeTakeFirst();
        if (inserted) {
          await db.insertInto('costs').values({ run_id: id, breakdown_json: prepared.costJson }).execute();
          return id;
        }
        if (attempt >= 5) throw new StoreError(`could not find a free run id after ${attempt + 1} tries`, 'conflict');
      }
    });
  }

  claim(id: string): Promise<boolean> {
    return this.run(async (db) => {
      await this.statusOf(db, id);
      const now = this.stamp();
      const r = await db
        .updateTable('runs')
        .set((eb) => ({ status: 'running', started_at: eb.fn.coalesce('started_at', eb.val(now)), heartbeat_at: now, agent: null }))
        .where('id', '=', id)
        .where('status', '=', 'queued')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    });
  }

  /**
   * The first queued run in queue order that matches, locked with FOR UPDATE SKIP LOCKED so that
   * concurrent claimers (other agents) skip it instead of waiting for it, then claimed in the same
   * transaction. PostgreSQL's own row locks are the queue protocol.
   */
  claimNext(filter: ClaimFilter = {}): Promise<RunSummary | null> {
    return this.tx(async (db) => {
      let q = db.selectFrom('runs').select('id').where('status', '=', 'queued');
      if (filter.sweepId !== undefined) q = q.where('sweep_id', '=', filter.sweepId);
      if (filter.backends !== undefined) {
        if (filter.backends.length === 0) return null;
        q = q.where(sql<string>`config_json::jsonb ->> 'backend'`, 'in', [...filter.backends]);
      }
      if (filter.maxParams !== undefined) q = q.where('params', '<=', filter.maxParams);
      if (filter.excludeIds?.length) q = q.where('id', 'not in', [...filter.excludeIds]);
      const next = await q.orderBy('priority', 'desc').orderBy('queue_seq').orderBy('rowid').limit(1).forUpdate().skipLocked().executeTakeFirst();
      if (!next) return null;
      const now = this.stamp();
      await db
        .updateTable('runs')
        .set((eb) => ({ status: 'running', started_at: eb.fn.coalesce('started_at', eb.val(now)), heartbeat_at: now, agent: null }))
        .where('id', '=', next.id)
        .execute();
      const row = await this.summaries(db).where('id', '=', next.id).executeTakeFirstOrThrow();
      return toSummary(row as RunRow);
    });
  }

  markStarted(id: string, env: RunEnvironment): Promise<void> {
    return this.run(async (db) => {
      const status = await this.statusOf(db, id);
      const now = this.stamp();
      const r = await db
        .updateTable('runs')
        .set((eb) => ({
          status: 'running',
          started_at: eb.fn.coalesce('started_at', eb.val(now)),
          heartbeat_at: now,
          backend: env.backend,
          versions_json: JSON.stringify(env.versions),
          machine_json: JSON.stringify(env.machine),
        }))
        .where('id', '=', id)
        .where('status', 'in', ['queued', 'running'])
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) this.refuse(id, status, 'mark it running');
    });
  }

  heartbeat(id: string): Promise<boolean> {
    return this.run(async (db) => {
      const r = await db.updateTable('runs').set({ heartbeat_at: this.stamp() }).where('id', '=', id).where('status', '=', 'running').executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) await this.statusOf(db, id);
      return Number(r.numUpdatedRows) === 1;
    });
  }

  addEpoch(id: string, m: EpochMetrics): Promise<void> {
    let row: ReturnType<typeof epochRow>;
    try {
      row = epochRow(id, m);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return this.tx(async (db) => {
      await this.statusOf(db, id);
      await db
        .insertInto('epochs')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['run_id', 'epoch']).doUpdateSet((eb) => ({
            train_loss: eb.ref('excluded.train_loss'),
            train_acc: eb.ref('excluded.train_acc'),
            test_loss: eb.ref('excluded.test_loss'),
            test_acc: eb.ref('excluded.test_acc'),
            seconds: eb.ref('excluded.seconds'),
            samples_per_sec: eb.ref('excluded.samples_per_sec'),
            lr: eb.ref('excluded.lr'),
          })),
        )
        .execute();
      await this.syncFromEpochs(db, id);
    });
  }

  private upsertArtifact(db: PgDb, id: string, kind: string, epoch: number | null, path: string, now: string) {
    return db
      .insertInto('artifacts')
      .values({ run_id: id, kind, epoch, path, created_at: now })
      .onConflict((oc) => oc.columns(['run_id', 'kind', 'path']).doUpdateSet((eb) => ({ epoch: eb.ref('excluded.epoch'), created_at: eb.ref('excluded.created_at') })))
      .execute();
  }

  addCheckpoint(id: string, epoch: number, path: string): Promise<void> {
    return this.tx(async (db) => {
      await this.statusOf(db, id);
      const now = this.stamp();
      await this.upsertArtifact(db, id, 'checkpoint', epoch, path, now);
      await db
        .updateTable('runs')
        .set((eb) => ({ checkpoint_path: path, heartbeat_at: eb.case().when('status', '=', 'running').then(now).else(eb.ref('heartbeat_at')).end() }))
        .where('id', '=', id)
        .execute();
    });
  }

  addArtifact(id: string, kind: string, path: string, epoch: number | null = null): Promise<void> {
    return this.run(async (db) => {
      await this.statusOf(db, id);
      await this.upsertArtifact(db, id, kind, epoch, path, this.stamp());
    });
  }

  setResult(id: string, r: EvalResult): Promise<void> {
    return this.tx(async (db) => {
      await this.statusOf(db, id);
      await db.deleteFrom('class_results').where('run_id', '=', id).execute();
      if (r.perClass.length > 0) {
        await db.insertInto('class_results').values(r.perClass.map((c, k) => ({ run_id: id, class: k, correct: c.correct, total: c.total }))).execute();
      }
      await db
        .insertInto('confusion')
        .values({ run_id: id, matrix_json: JSON.stringify(r.confusion) })
        .onConflict((oc) => oc.column('run_id').doUpdateSet((eb) => ({ matrix_json: eb.ref('excluded.matrix_json') })))
        .execute();
      await db
        .updateTable('runs')
        .set({ test_loss: finiteOrNull(r.testLoss), test_acc: r.total > 0 ? r.correct / r.total : null })
        .where('id', '=', id)
        .execute();
    });
  }

  finish(id: string, status: FinalStatus, error?: string): Promise<void> {
    if (!isFinished(status)) {
      return Promise.reject(new StoreError(`finish: status must be one of ${FINAL_STATUSES.join(', ')}, got "${String(status)}"`, 'invalid-query'));
    }
    return this.tx(async (db) => {
      // FOR UPDATE: two finishers of one run (an agent and a cancel) decide one after the other.
      const row = await db.selectFrom('runs').select('status').where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) throw new NotFoundError('run', id);
      if (!canMove(row.status, status)) this.refuse(id, row.status, `mark it ${status}`);
      await db.updateTable('runs').set({ status, finished_at: this.stamp(), error: error ?? null }).where('id', '=', id).execute();
    });
  }

  /** running → interrupted, for the ids given; the last sign of life is when the run stopped. */
  private async interrupt(db: PgDb, id: string, reason: string, onlyStale: boolean): Promise<boolean> {
    let q = db
      .updateTable('runs')
      .set((eb) => ({ status: 'interrupted', finished_at: eb.fn.coalesce('heartbeat_at', 'started_at', eb.val(this.stamp())), error: reason }))
      .where('id', '=', id)
      .where('status', '=', 'running');
    // The heartbeat rule as a compare-and-set: a run whose owner came back to life is left alone.
    if (onlyStale) q = q.where(derivedStatus(this.staleBefore()), '=', 'interrupted');
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
  }

  markInterrupted(staleIds: readonly string[], reason = 'the worker stopped without reporting (crash or app exit); resume it from its last checkpoint'): Promise<string[]> {
    return this.tx(async (db) => {
      const out: string[] = [];
      for (const id of staleIds) if (await this.interrupt(db, id, reason, false)) out.push(id);
      return out;
    });
  }

  settleStale(ids: readonly string[], reason = STALE_REASON): Promise<string[]> {
    return this.tx(async (db) => {
      const out: string[] = [];
      for (const id of ids) if (await this.interrupt(db, id, reason, true)) out.push(id);
      return out;
    });
  }

  requeue(id: string, options: { keepEpochs?: number } = {}): Promise<void> {
    return this.tx(async (db) => {
      await this.interrupt(db, id, STALE_REASON, true);
      const status = await this.statusOf(db, id);
      if (!isResumable(status)) this.refuse(id, status, 'requeue it');
      if (options.keepEpochs !== undefined) {
        await db.deleteFrom('epochs').where('run_id', '=', id).where('epoch', '>', options.keepEpochs).execute();
        await db.deleteFrom('step_curves').where('run_id', '=', id).where('epoch', '>', options.keepEpochs).execute();
      }
      await db.deleteFrom('class_results').where('run_id', '=', id).execute();
      await db.deleteFrom('confusion').where('run_id', '=', id).execute();
      const seq = await this.nextQueueSeq(db);
      await db
        .updateTable('runs')
        .set({ status: 'queued', finished_at: null, error: null, heartbeat_at: null, queue_seq: seq })
        .where('id', '=', id)
        .execute();
      await this.syncFromEpochs(db, id);
    });
  }

  delete(id: string): Promise<DeletedRun> {
    return this.tx(async (db) => {
      await this.interrupt(db, id, STALE_REASON, true);
      const row = await this.summaries(db).where('id', '=', id).executeTakeFirst();
      if (!row) throw new NotFoundError('run', id);
      if (row.status === 'running') this.refuse(id, row.status, 'delete it (cancel it first)');
      const artifactPaths = (await db.selectFrom('artifacts').select('path').where('run_id', '=', id).orderBy('id').execute()).map((a) => a.path);
      const paths = [...new Set([...artifactPaths, ...(row.checkpoint_path ? [row.checkpoint_path] : [])])];
      const now = this.stamp();
      const holders = await db.selectFrom('comparisons').selectAll().where(sql<boolean>`run_ids_json::jsonb ? ${id}`).execute();
      for (const c of holders) {
        const runIds = (JSON.parse(c.run_ids_json) as string[]).filter((r) => r !== id);
        await db.updateTable('comparisons').set({ run_ids_json: JSON.stringify(runIds), updated_at: now }).where('id', '=', c.id).execute();
      }
      await db.deleteFrom('runs').where('id', '=', id).execute();
      return { id, paths };
    });
  }

  update(id: string, fields: { name?: string; notes?: string; tags?: readonly string[] }): Promise<void> {
    return this.transaction(async (tx) => {
      if ((await tx.storedStatus(id)) === undefined) throw new NotFoundError('run', id);
      if (fields.name !== undefined) await tx.rename(id, fields.name);
      if (fields.notes !== undefined) await tx.setNotes(id, fields.notes);
      if (fields.tags !== undefined) await tx.setTags(id, fields.tags);
    });
  }

  private async setField(id: string, set: Partial<Pick<RunsTable, 'name' | 'notes' | 'tags' | 'priority'>>): Promise<void> {
    await this.run(async (db) => {
      const r = await db.updateTable('runs').set(set).where('id', '=', id).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new NotFoundError('run', id);
    });
  }

  rename(id: string, name: string): Promise<void> {
    const trimmed = name.trim();
    if (!trimmed) return Promise.reject(new StoreError('a run name cannot be empty', 'invalid-query'));
    return this.setField(id, { name: trimmed });
  }

  setNotes(id: string, notes: string): Promise<void> {
    return this.setField(id, { notes });
  }

  async setTags(id: string, tags: readonly string[]): Promise<string[]> {
    const clean = normaliseTags(tags);
    await this.setField(id, { tags: JSON.stringify(clean) });
    return clean;
  }

  setPriority(id: string, priority: number): Promise<void> {
    if (!Number.isInteger(priority)) return Promise.reject(new StoreError(`priority must be a whole number, got ${priority}`, 'invalid-query'));
    return this.setField(id, { priority });
  }

  /** One statement: the new point is appended to the stored bytes under the row's lock. */
  appendStep(runId: string, point: StepPoint): Promise<void> {
    try {
      checkStepPoint(runId, point);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return this.run(async (db) => {
      await db
        .insertInto('step_curves')
        .values({ run_id: runId, epoch: point.epoch, points: packPoints([point]) })
        .onConflict((oc) => oc.columns(['run_id', 'epoch']).doUpdateSet({ points: sql<Buffer>`step_curves.points || excluded.points` }))
        .execute();
    });
  }

  // ── reads ───────────────────────────────────────────────────────────────────────────────────

  get(id: string) {
    return this.run(async (db) => {
      const row = await this.summaries(db).select(['versions_json', 'machine_json']).where('id', '=', id).executeTakeFirst();
      if (!row) throw new NotFoundError('run', id);
      const [epochs, classResults, confusion, cost, artifacts] = await Promise.all([
        db.selectFrom('epochs').select(['epoch', 'train_loss', 'train_acc', 'test_loss', 'test_acc', 'seconds', 'samples_per_sec', 'lr']).where('run_id', '=', id).orderBy('epoch').execute(),
        db.selectFrom('class_results').select(['class', 'correct', 'total']).where('run_id', '=', id).orderBy('class').execute(),
        db.selectFrom('confusion').select('matrix_json').where('run_id', '=', id).executeTakeFirst(),
        db.selectFrom('costs').select('breakdown_json').where('run_id', '=', id).executeTakeFirst(),
        db.selectFrom('artifacts').select(['kind', 'epoch', 'path', 'created_at']).where('run_id', '=', id).orderBy('id').execute(),
      ]);
      return toDetail(row as RunRow & { versions_json: string | null; machine_json: string | null }, {
        epochs,
        classResults,
        confusionJson: confusion?.matrix_json,
        costJson: cost?.breakdown_json,
        artifacts,
      });
    });
  }

  getStatus(id: string) {
    return this.run(async (db) => {
      const r = await db.selectFrom('runs').select(derivedStatus(this.staleBefore()).as('status')).where('id', '=', id).executeTakeFirst();
      return r?.status;
    });
  }

  storedStatus(id: string) {
    return this.run(async (db) => (await db.selectFrom('runs').select('status').where('id', '=', id).executeTakeFirst())?.status);
  }

  has(id: string) {
    return this.run(async (db) => (await db.selectFrom('runs').select('id').where('id', '=', id).executeTakeFirst()) !== undefined);
  }

  list(query: ListQuery = {}) {
    return this.run((db) => pgListRuns(db, query, this.staleBefore()));
  }

  listGroups(query: GroupQuery = {}) {
    return this.run((db) => pgListGroups(db, query, this.staleBefore()));
  }

  listQueued() {
    return this.run(async (db) =>
      (await this.summaries(db).where('status', '=', 'queued').orderBy('priority', 'desc').orderBy('queue_seq').orderBy('rowid').execute()).map((r) => toSummary(r as RunRow)),
    );
  }

  listRunning() {
    return this.run(async (db) =>
      (await this.summaries(db).where('status', '=', 'running').orderBy('started_at').orderBy('rowid').execute()).map((r) => toSummary(r as RunRow)),
    );
  }

  listStale() {
    return this.run(async (db) =>
      (
        await db
          .selectFrom('runs')
          .select('id')
          .where('status', '=', 'running')
          .where(derivedStatus(this.staleBefore()), '=', 'interrupted')
          .orderBy('started_at')
          .orderBy('rowid')
          .execute()
      ).map((r) => r.id),
    );
  }

  steps(runId: string): Promise<StepCurve> {
    return this.run(async (db) => toCurve(await db.selectFrom('step_curves').select(['epoch', 'points']).where('run_id', '=', runId).orderBy('epoch').execute()));
  }

  // ── sweeps ──────────────────────────────────────────────────────────────────────────────────

  createSweep(input: { name?: string; grid: SweepGrid; base?: RunConfig }): Promise<string> {
    const at = this.c.now();
    const id = newId('s', at);
    const name = input.name?.trim() || `sweep ${at.toISOString().slice(0, 16).replace('T', ' ')}`;
    return this.run(async (db) => {
      await db
        .insertInto('sweeps')
        .values({ id, name, grid_json: JSON.stringify(input.grid), base_json: input.base ? JSON.stringify(input.base) : null, created_at: at.toISOString() })
        .execute();
      return id;
    });
  }

  getSweep(id: string) {
    return this.run(async (db) => {
      const row = await db.selectFrom('sweeps').select(['id', 'name', 'grid_json', 'base_json', 'created_at']).where('id', '=', id).executeTakeFirst();
      if (!row) throw new NotFoundError('sweep', id);
      const runs = await db
        .selectFrom('runs')
        .select(['id', derivedStatus(this.staleBefore()).as('status')])
        .where('sweep_id', '=', id)
        .orderBy('queue_seq')
        .orderBy('rowid')
        .execute();
      return { ...toSweep(row as SweepRow), runIds: runs.map((r) => r.id), counts: countStatuses(runs.map((r) => r.status)) };
    });
  }

  listSweeps() {
    return this.run(async (db) =>
      (await db.selectFrom('sweeps').select(['id', 'name', 'grid_json', 'base_json', 'created_at']).orderBy('created_at', 'desc').orderBy('rowid', 'desc').execute()).map(
        (r) => toSweep(r as SweepRow),
      ),
    );
  }

  // ── comparisons ─────────────────────────────────────────────────────────────────────────────

  private comparisons(db: PgDb) {
    return db.selectFrom('comparisons').select(['id', 'name', 'run_ids_json', 'baseline_run_id', 'settings_json', 'created_at', 'updated_at']);
  }

  saveComparison(input: SaveComparison) {
    const name = input.name.trim();
    if (!name) return Promise.reject(new StoreError('a comparison needs a name', 'invalid-query'));
    return this.tx(async (db) => {
      const runIds = [...new Set(input.runIds)];
      if (runIds.length > 0) {
        const found = new Set((await db.selectFrom('runs').select('id').where('id', 'in', runIds).execute()).map((r) => r.id));
        for (const r of runIds) if (!found.has(r)) throw new NotFoundError('run', r);
      }
      const baseline = input.baselineRunId ?? null;
      if (baseline !== null && !runIds.includes(baseline)) {
        throw new StoreError(`baseline run ${baseline} is not one of the compared runs`, 'invalid-query');
      }
      const holder = (await db.selectFrom('comparisons').select('id').where('name', '=', name).executeTakeFirst())?.id;
      if (holder !== undefined && holder !== input.id) throw new StoreError(`a comparison named "${name}" already exists`, 'conflict');
      const now = this.stamp();
      const fields = { name, run_ids_json: JSON.stringify(runIds), baseline_run_id: baseline, settings_json: JSON.stringify(input.settings ?? {}), updated_at: now };
      const id = input.id ?? newId('c', this.c.now());
      if (input.id !== undefined) {
        const r = await db.updateTable('comparisons').set(fields).where('id', '=', id).executeTakeFirst();
        if (Number(r.numUpdatedRows) === 0) throw new NotFoundError('comparison', id);
      } else {
        await db.insertInto('comparisons').values({ id, ...fields, created_at: now }).execute();
      }
      return toComparison(await this.comparisons(db).where('id', '=', id).executeTakeFirstOrThrow());
    });
  }

  getComparison(id: string) {
    return this.run(async (db) => {
      const row = await this.comparisons(db).where('id', '=', id).executeTakeFirst();
      if (!row) throw new NotFoundError('comparison', id);
      return toComparison(row);
    });
  }

  listComparisons() {
    return this.run(async (db) => (await this.comparisons(db).orderBy('updated_at', 'desc').orderBy('rowid', 'desc').execute()).map(toComparison));
  }

  deleteComparison(id: string) {
    return this.run(async (db) => {
      const r = await db.deleteFrom('comparisons').where('id', '=', id).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw new NotFoundError('comparison', id);
    });
  }
}
