import { isAbsolute } from 'node:path';
import { checkDatabase, defaultDbPath, openDatabase } from './db.js';
import { StoreError } from './errors.js';
import { liveness } from './liveness.js';
import { isPostgresUrl } from '../../src-shared/store-location.js';
import { redactUrl } from './redact.js';
import { RunStore } from './runs.js';
import { SqliteStore } from './sqlite-store.js';
import { readSettings, settingsFile } from './settings.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** Read only: SQLite opens without writing (an outdated schema is refused); PostgreSQL is not migrated. */
  readonly?: boolean;
  /** False: a missing SQLite file is refused instead of created. Default true. */
  create?: boolean;
  /** The heartbeat rule's grace period; default `liveness().staleMs`. */
  staleMs?: number;
  /** The clock for timestamps and ids (tests). */
  now?: () => Date;
  /** PostgreSQL: connections in the pool. Default 4. */
  poolSize?: number;
  /**
   * PostgreSQL: the server ends a session whose transaction waits on its client this long
   * (idle_in_transaction_session_timeout), rolling it back and releasing its row locks. Default: never.
   */
  idleInTransactionMs?: number;
}

/** Where the store a process uses came from, strongest first (STORE_SOURCES order is the rule). */
export const STORE_SOURCES = ['flag', 'VITLAB_STORE', 'VITLAB_DB', 'settings', 'default'] as const;
export type StoreSource = (typeof STORE_SOURCES)[number];

export interface StoreChoice {
  location: string;
  source: StoreSource;
}

/**
 * The one rule for which store a process uses — the CLI, `serve`, `agent` and the desktop app
 * alike: its `--store` (or `--db`) value, else `VITLAB_STORE`, else `VITLAB_DB`, else the store
 * saved in the settings file (store/settings.ts), else the default SQLite file in the data folder.
 * The environment beats the file so that a script or a test can point one process elsewhere
 * without touching what the user saved. A `postgres://` or `postgresql://` URL is PostgreSQL;
 * anything else is a SQLite file path. The settings file is read only when nothing stronger is
 * given, so a damaged one stops only the processes that would use it.
 */
export function chooseStore(flag?: string, env: NodeJS.ProcessEnv = process.env, file: string = settingsFile(env)): StoreChoice {
  if (flag !== undefined) return { location: flag, source: 'flag' };
  if (env.VITLAB_STORE) return { location: env.VITLAB_STORE, source: 'VITLAB_STORE' };
  if (env.VITLAB_DB) return { location: env.VITLAB_DB, source: 'VITLAB_DB' };
  const saved = readSettings(file).store;
  if (saved !== undefined) return { location: saved, source: 'settings' };
  return { location: defaultDbPath(env), source: 'default' };
}

/** The location chooseStore picks. */
export function storeLocation(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return chooseStore(flag, env).location;
}

/**
 * The SQLite file for a command that trains in this process (train, queue's worker, rm, inspect):
 * the store chooseStore picks when it is a file. When it is PostgreSQL this process cannot train
 * into it (agents do): refused, naming where that choice came from, rather than silently using
 * another database than the one the user chose.
 */
export function localDbPath(env: NodeJS.ProcessEnv = process.env): string {
  const c = chooseStore(undefined, env);
  if (storeKindOf(c.location) === 'sqlite') return c.location;
  throw new StoreError(
    `the store in use is the shared PostgreSQL store ${redactUrl(c.location)} (from ${c.source === 'settings' ? 'the settings file' : c.source}), and this command works on a SQLite file; pass --db FILE, or use serve / agent for the shared store`,
    'missing-database',
  );
}

export function storeKindOf(location: string): Store['kind'] {
  return isPostgresUrl(location) ? 'postgres' : 'sqlite';
}

/**
 * Whether `location` can serve as the store, changing nothing (settings/set checks it before it
 * is saved): PostgreSQL is connected to and its schema checked; a SQLite path must be absolute
 * (a relative one would depend on where each process starts) and its file a ViT Lab database or
 * creatable. Throws the store's own error, which names the location without its password.
 */
export async function checkStoreLocation(location: string): Promise<void> {
  if (storeKindOf(location) === 'postgres') {
    const { probePgStore } = await import('./pg-store.js');
    await probePgStore(location.trim());
    return;
  }
  if (!isAbsolute(location)) throw new StoreError(`${location} is a relative path; give the SQLite file's absolute path (or a postgres:// URL)`, 'missing-database');
  checkDatabase(location);
}

/** Opens the store at `location` (see storeLocation), migrated unless read only. */
export async function openStore(location: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const staleMs = opts.staleMs ?? liveness().staleMs;
  if (storeKindOf(location) === 'postgres') {
    // Loaded only when asked for, so a SQLite user never loads pg.
    const { openPgStore } = await import('./pg-store.js').catch((e: unknown) => {
      throw new StoreError(`cannot load the PostgreSQL store for ${redactUrl(location)}: ${(e as Error).message}`, 'database-failed');
    });
    return openPgStore(location, { ...opts, staleMs });
  }
  const db = openDatabase(location, { readonly: opts.readonly, create: opts.create });
  return new SqliteStore(new RunStore(db, { staleMs, now: opts.now }));
}
