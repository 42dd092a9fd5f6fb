import { resolve } from 'node:path';
import { openEngine, type Engine } from '../app/engine.js';
import { describeStoreFailure } from '../store/errors.js';
import { chooseStore, openStore, storeKindOf, type StoreChoice } from '../store/open-store.js';
import { redactUrl } from '../store/redact.js';
import type { Store } from '../store/store.js';
import { UsageError } from './args.js';

/** `--store URL|PATH` (PostgreSQL URL or SQLite file) for the commands that can use either store. */
export const STORE_FLAGS = { store: { type: 'string' as const }, db: { type: 'string' as const } };

/** The store a command names: `--store`, else `--db`, else the rule of store/open-store.ts chooseStore. */
export function storeFromFlags(values: { store?: unknown; db?: unknown }): string {
  return storeChoiceFromFlags(values).location;
}

/** storeFromFlags with where the choice came from. */
export function storeChoiceFromFlags(values: { store?: unknown; db?: unknown }): StoreChoice {
  const store = values.store as string | undefined;
  const db = values.db as string | undefined;
  if (store !== undefined && db !== undefined) throw new UsageError('give --store or --db, not both (--store takes a SQLite path too)');
  if (store !== undefined && store.trim() === '') throw new UsageError('--store: give a postgres:// URL or a SQLite file path');
  return chooseStore(store ?? db);
}

/**
 * The store for a command that only reads (ls, show, export): SQLite is opened read-only, so it
 * is never created, initialised, migrated or written — a typo in --db is an error naming the path,
 * and the command works while another process holds the write lock; PostgreSQL is not migrated
 * (an older schema is refused). Statuses come with the heartbeat rule applied (a run whose process
 * died reads `interrupted`) without writing it down. The engine's own failures (a damaged file, a
 * lost connection) come out naming the store, a PostgreSQL URL without its password.
 */
export async function withReadStore<T>(location: string, fn: (store: Store, where: string) => T | Promise<T>): Promise<T> {
  const where = redactUrl(storeKindOf(location) === 'sqlite' ? resolve(location) : location);
  let store: Store;
  try {
    store = await openStore(location, { readonly: true, create: false });
  } catch (e) {
    throw describeStoreFailure(e, where);
  }
  try {
    return await fn(store, store.describe());
  } catch (e) {
    throw describeStoreFailure(e, where);
  } finally {
    await store.close();
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
