import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely, type Transaction } from 'kysely';
import { DERIVED_STATUS_SQL } from './liveness.js';
import { StoreError } from './errors.js';
import type { PgSchema, PgStore } from './pg-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

/**
 * The agents table (migration 0006) and the runs.agent column: who drains the shared queue, on
 * which machine, and which run each agent trains. One implementation per backend behind one
 * interface (`agentsOf(store)`); the heartbeat rule is liveness.ts's, applied to agents too: an
 * agent whose heartbeat is older than the store's grace period is shown as gone.
 */

/** What an agent takes from the queue, as it registered it (agent/accept.ts builds it). */
export interface AgentAccepts {
  /** Refuses runs whose training memory estimate is above this (MB). */
  maxMemoryMB?: number;
  /** Only runs of this sweep. */
  sweepId?: string;
  /** Only runs asking for one of these backends (the config's `backend`). */
  backends?: string[];
  /** Only runs with at most this many parameters. */
  maxParams?: number;
}

export interface NewAgent {
  name: string;
  host: string;
  pid: number;
  concurrency: number;
  accepts: AgentAccepts;
}

export interface AgentRun {
  id: string;
  name: string;
  epochsDone: number;
  epochs: number;
}

export interface AgentInfo extends NewAgent {
  startedAt: string;
  heartbeatAt: string;
  /** The heartbeat rule: its last heartbeat is within the store's grace period. */
  alive: boolean;
  /** Its runs that are running now (by the heartbeat rule). */
  runs: AgentRun[];
}

export interface AgentRegistry {
  /**
   * Adds the agent. Refuses (StoreError 'conflict') a name held by a live agent; a dead agent's
   * row of the same name is replaced (a restarted machine keeps its name).
   */
  register(a: NewAgent): Promise<void>;
  /** Its sign of life; false when its row is gone (deleted by hand): it should register again. */
  heartbeat(name: string): Promise<boolean>;
  /** A clean stop: its row goes. */
  deregister(name: string): Promise<void>;
  /** Records that `agent` claimed the run (runs.agent; counts the claim). */
  assign(runId: string, agent: string): Promise<void>;
  /**
   * Whether the run is still this agent's to write: stored as running and claimed by it. Another
   * agent may have resumed it after this one's heartbeat went stale (a paused machine): then its
   * worker must stop and nothing more of it is written. Call it inside the write's transaction.
   */
  owns(runId: string, agent: string): Promise<boolean>;
  /** Every registered agent, live ones first, with what each runs now. */
  list(): Promise<AgentInfo[]>;
  /**
   * Runs an agent was running that are interrupted now (its process stopped or was killed, by the
   * heartbeat rule or written down), claimed fewer than `maxClaims` times: an agent resumes them.
   */
  resumable(maxClaims: number): Promise<string[]>;
}

interface AgentRow {
  name: string;
  host: string;
  pid: number;
  started_at: string;
  heartbeat_at: string;
  concurrency: number;
  accepts_json: string;
}

const stamp = () => new Date().toISOString();
const staleBefore = (staleMs: number) => new Date(Date.now() - staleMs).toISOString();

export function toAgentInfo(r: AgentRow, alive: boolean, runs: AgentRun[]): AgentInfo {
  return {
    name: r.name,
    host: r.host,
    pid: r.pid,
    concurrency: r.concurrency,
    accepts: JSON.parse(r.accepts_json) as AgentAccepts,
    startedAt: r.started_at,
    heartbeatAt: r.heartbeat_at,
    alive,
    runs,
  };
}

export function agentConflict(name: string, holder: { host: string; pid: number }): StoreError {
  return new StoreError(`an agent named "${name}" is already running (${holder.host}, pid ${holder.pid}); give this one another --name`, 'conflict');
}

/** SQLite: the same statements every process on the file runs, each in one implicit transaction. */
class SqliteAgents implements AgentRegistry {
  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly staleMs: number,
  ) {}

  async register(a: NewAgent): Promise<void> {
    const now = stamp();
    // One statement: a name free or held by a dead agent is taken; a live holder's row is left alone.
    const taken = this.db
      .prepare(
        `INSERT INTO agents (name, host, pid, started_at, heartbeat_at, concurrency, accepts_json) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET host = excluded.host, pid = excluded.pid, started_at = excluded.started_at,
         heartbeat_at = excluded.heartbeat_at, concurrency = excluded.concurrency, accepts_json = excluded.accepts_json
         WHERE agents.heartbeat_at < ? RETURNING name`,
      )
      .get(a.name, a.host, a.pid, now, now, a.concurrency, JSON.stringify(a.accepts), staleBefore(this.staleMs));
    if (!taken) throw agentConflict(a.name, this.db.prepare<[string], AgentRow>('SELECT * FROM agents WHERE name = ?').get(a.name) ?? { host: '?', pid: 0 });
  }

  async heartbeat(name: string): Promise<boolean> {
    return this.db.prepare('UPDATE agents SET heartbeat_at = ? WHERE name = ?').run(stamp(), name).changes === 1;
  }

  async deregister(name: string): Promise<void> {
    this.db.prepare('DELETE FROM agents WHERE name = ?').run(name);
  }

  async assign(runId: string, agent: string): Promise<void> {
    this.db.prepare('UPDATE runs SET agent = ?, agent_claims = agent_claims + 1 WHERE id = ?').run(agent, runId);
  }

  async owns(runId: string, agent: string): Promise<boolean> {
    return this.db.prepare("SELECT 1 FROM runs WHERE id = ? AND agent = ? AND status = 'running'").get(runId, agent) !== undefined;
  }

  async list(): Promise<AgentInfo[]> {
    const live = { stale_before: staleBefore(this.staleMs) };
    const rows = this.db.prepare<[], AgentRow>('SELECT * FROM agents ORDER BY name').all();
    const running = this.db
      .prepare<[{ stale_before: string }], AgentRun & { agent: string }>(
        `SELECT agent, id, name, epochs_done AS epochsDone, epochs FROM runs
         WHERE agent IS NOT NULL AND status = 'running' AND ${DERIVED_STATUS_SQL} = 'running' ORDER BY started_at, rowid`,
      )
      .all(live);
    return sortAgents(rows.map((r) => toAgentInfo(r, r.heartbeat_at >= live.stale_before, running.filter((x) => x.agent === r.name).map(({ agent: _a, ...run }) => run))));
  }

  async resumable(maxClaims: number): Promise<string[]> {
    return this.db
      .prepare<[{ stale_before: string; max: number }], string>(
        `SELECT id FROM runs WHERE agent IS NOT NULL AND agent_claims < @max AND status IN ('running', 'interrupted')
         AND ${DERIVED_STATUS_SQL} = 'interrupted' ORDER BY queue_seq, rowid`,
      )
      .pluck()
      .all({ stale_before: staleBefore(this.staleMs), max: maxClaims });
  }
}

/**
 * The heartbeat rule for Kysely with its threshold bound. pg-store.ts has the same helper, but that
 * module loads pg at run time, which a SQLite user of this module must not.
 */
function derivedStatus(staleBefore: string) {
  const [before, after] = DERIVED_STATUS_SQL.split('@stale_before');
  return sql<string>`${sql.raw(before)}${staleBefore}${sql.raw(after)}`;
}

/** The tables of migration 0006 as Kysely sees them, beside pg-store.ts's schema. */
interface AgentTables {
  agents: AgentRow;
}
type PgDb = Kysely<PgSchema & AgentTables> | Transaction<PgSchema & AgentTables>;

/** PostgreSQL, through the store's Kysely (its transaction's, inside one): the same statements as SQLite's. */
class PgAgents implements AgentRegistry {
  constructor(
    private readonly db: PgDb,
    private readonly staleMs: number,
  ) {}

  async register(a: NewAgent): Promise<void> {
    const now = stamp();
    const row = { name: a.name, host: a.host, pid: a.pid, started_at: now, heartbeat_at: now, concurrency: a.concurrency, accepts_json: JSON.stringify(a.accepts) };
    const { name: _n, ...update } = row;
    const taken = await this.db
      .insertInto('agents')
      .values(row)
      .onConflict((oc) => oc.column('name').doUpdateSet(update).where('agents.heartbeat_at', '<', staleBefore(this.staleMs)))
      .returning('name')
      .executeTakeFirst();
    if (!taken) throw agentConflict(a.name, (await this.db.selectFrom('agents').selectAll().where('name', '=', a.name).executeTakeFirst()) ?? { host: '?', pid: 0 });
  }

  async heartbeat(name: string): Promise<boolean> {
    const r = await this.db.updateTable('agents').set({ heartbeat_at: stamp() }).where('name', '=', name).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async deregister(name: string): Promise<void> {
    await this.db.deleteFrom('agents').where('name', '=', name).execute();
  }

  async assign(runId: string, agent: string): Promise<void> {
    await this.db
      .updateTable('runs')
      .set((eb) => ({ agent, agent_claims: eb('agent_claims', '+', 1) }))
      .where('id', '=', runId)
      .execute();
  }

  async owns(runId: string, agent: string): Promise<boolean> {
    // FOR UPDATE: held to the end of the caller's transaction, so no claim moves the run meanwhile.
    const r = await this.db.selectFrom('runs').select('id').where('id', '=', runId).where('agent', '=', agent).where('status', '=', 'running').forUpdate().executeTakeFirst();
    return r !== undefined;
  }

  async list(): Promise<AgentInfo[]> {
    const before = staleBefore(this.staleMs);
    const rows = await this.db.selectFrom('agents').selectAll().orderBy('name').execute();
    const running = await this.db
      .selectFrom('runs')
      .select(['agent', 'id', 'name', 'epochs_done', sql<number>`epochs`.as('epochs')])
      .where('agent', 'is not', null)
      .where('status', '=', 'running')
      .where(derivedStatus(before), '=', 'running')
      .orderBy('started_at')
      .orderBy('rowid')
      .execute();
    return sortAgents(
      rows.map((r) =>
        toAgentInfo(
          r,
          r.heartbeat_at >= before,
          running.filter((x) => x.agent === r.name).map((x) => ({ id: x.id, name: x.name, epochsDone: Number(x.epochs_done), epochs: Number(x.epochs) })),
        ),
      ),
    );
  }

  async resumable(maxClaims: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('runs')
      .select('id')
      .where('agent', 'is not', null)
      .where('agent_claims', '<', maxClaims)
      .where('status', 'in', ['running', 'interrupted'])
      .where(derivedStatus(staleBefore(this.staleMs)), '=', 'interrupted')
      .orderBy('queue_seq')
      .orderBy('rowid')
      .execute();
    return rows.map((r) => r.id);
  }
}

/** The PostgreSQL store's Kysely handle, typed with migration 0006's tables too. */
export function pgHandle<T>(store: Store): Kysely<PgSchema & T> | Transaction<PgSchema & T> {
  return (store as PgStore).db as unknown as Kysely<PgSchema & T>;
}

/** Live agents first, then by name. */
export function sortAgents(list: AgentInfo[]): AgentInfo[] {
  return list.sort((a, b) => Number(b.alive) - Number(a.alive) || a.name.localeCompare(b.name));
}

/** The agent registry over a store (or a transaction's store), whichever backend it is. */
export function agentsOf(store: Store): AgentRegistry {
  if (store instanceof SqliteStore) return new SqliteAgents(store.runs.db, store.staleMs);
  if (store.kind === 'postgres') return new PgAgents(pgHandle<AgentTables>(store), store.staleMs);
  throw new StoreError(`agents: no agent registry for a ${store.kind} store (${store.describe()})`, 'database-failed');
}
