import type BetterSqlite3 from 'better-sqlite3';
import { NotFoundError, StoreError } from './errors.js';
import { FileIdentity } from './file-identity.js';
import { DERIVED_STATUS_SQL, liveness } from './liveness.js';
import type { QueryContext } from './query/compile.js';
import type { RunStatus } from './types.js';
import { writeTransaction } from './write-transaction.js';

export interface RunStoreOptions {
  /** The clock used for timestamps and ids; tests and benchmarks inject one. */
  now?: () => Date;
  /** The grace period of the heartbeat rule (liveness.ts); default from `liveness()`. */
  staleMs?: number;
}

/**
 * What every repository over one open SQLite database shares: the clock, the heartbeat rule's
 * threshold, the file check before writes, transactions, and the status checks writes make.
 */
export class StoreContext {
  readonly now: () => Date;
  readonly staleMs: number;
  /** The file this store writes to (null for an in-memory database). */
  readonly file: FileIdentity | null;
  private readonly s;

  constructor(
    readonly db: BetterSqlite3.Database,
    options: RunStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.staleMs = options.staleMs ?? liveness().staleMs;
    this.file = db.memory || db.name === '' ? null : new FileIdentity(db.name);
    this.s = {
      storedStatus: db.prepare<[string], RunStatus>('SELECT status FROM runs WHERE id = ?').pluck(),
      status: db.prepare<unknown[], RunStatus>(`SELECT ${DERIVED_STATUS_SQL} FROM runs WHERE id = ?`).pluck(),
    };
  }

  /**
   * Runs `fn` in one write transaction (write-transaction.ts): all of its writes land, or (when
   * it throws) none do. Nests: an inner call becomes a savepoint. `fn` must be synchronous.
   */
  transaction<T>(fn: () => T): T {
    return writeTransaction(this.db, fn);
  }

  stamp(): string {
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

  /** The named parameter every fixed statement that shows a status binds: now minus the grace period. */
  live(): { stale_before: string } {
    return { stale_before: new Date(this.now().getTime() - this.staleMs).toISOString() };
  }

  /** What the query compiler (store/query/compile.ts) needs to know: SQLite, and the heartbeat threshold now. */
  queryContext(): QueryContext {
    return { dialect: 'sqlite', staleBefore: this.live().stale_before };
  }

  /** The stored status, or undefined for an unknown id. */
  storedStatus(id: string): RunStatus | undefined {
    return this.s.storedStatus.get(id);
  }

  /** The status readers see (the heartbeat rule applied), or undefined for an unknown id. */
  derivedStatus(id: string): RunStatus | undefined {
    return this.s.status.get(id, this.live());
  }

  /** The stored status (what writes check); throws NotFoundError for an unknown id. */
  statusOf(id: string): RunStatus {
    const status = this.storedStatus(id);
    if (status === undefined) throw new NotFoundError('run', id);
    return status;
  }

  refuse(id: string, status: RunStatus, action: string): never {
    throw new StoreError(`run ${id} is ${status}; cannot ${action}`, 'invalid-state');
  }
}
