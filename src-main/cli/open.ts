import { resolve } from 'node:path';
import { openEngine, type Engine } from '../app/engine.js';
import { defaultDbPath, openDatabase, type DB } from '../store/db.js';
import { describeStoreFailure } from '../store/errors.js';
import { RunStore } from '../store/runs.js';

/**
 * The database for a command that only reads (ls, show, export): opened read-only, so it is never
 * created, initialised, migrated or written — a typo in --db is an error naming the path, and the
 * command works while another process holds the write lock. Statuses come with the heartbeat rule
 * applied (a run whose process died reads `interrupted`) without writing it down. SQLite's own
 * failures (a damaged file) come out naming the file.
 */
export async function withReadStore<T>(dbFlag: string | undefined, fn: (store: RunStore, dbPath: string) => T | Promise<T>): Promise<T> {
  const dbPath = resolve(dbFlag ?? defaultDbPath());
  let db: DB;
  try {
    db = openDatabase(dbPath, { readonly: true });
  } catch (e) {
    throw describeStoreFailure(e, dbPath);
  }
  try {
    return await fn(new RunStore(db), dbPath);
  } catch (e) {
    throw describeStoreFailure(e, dbPath);
  } finally {
    db.close();
  }
}

/**
 * The database and a supervisor for a command that writes (rm, resume, sweep, queue): SQLite's own
 * failures while it runs come out naming the file; the engine is closed whatever happens.
 */
export async function withEngine<T>(opts: Parameters<typeof openEngine>[0], fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = openEngine(opts);
  try {
    return await fn(engine);
  } catch (e) {
    throw describeStoreFailure(e, engine.dbPath);
  } finally {
    await engine.close();
  }
}
