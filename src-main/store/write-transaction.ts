import type BetterSqlite3 from 'better-sqlite3';

/**
 * Runs `fn` in one SQLite transaction that takes the write lock at BEGIN (IMMEDIATE); nested calls
 * become savepoints (better-sqlite3). Every write transaction goes through here because a deferred
 * one that reads first (a status check) and writes after fails at once with SQLITE_BUSY_SNAPSHOT
 * when another process committed in between: busy_timeout does not wait in that case, since
 * waiting cannot make the reader's snapshot current. Seen in CI: a cancel (read the status, then
 * write it) from one process while an agent stored its epochs refused with "database is locked".
 * IMMEDIATE waits for the lock (busy_timeout) and then reads the newest data.
 */
export function writeTransaction<T>(db: BetterSqlite3.Database, fn: () => T): T {
  return db.transaction(fn).immediate();
}
