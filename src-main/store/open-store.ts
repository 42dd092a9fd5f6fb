import { defaultDbPath, openDatabase } from './db.js';
import { StoreError } from './errors.js';
import { liveness } from './liveness.js';
import { isPostgresUrl, redactUrl } from './redact.js';
import { RunStore } from './runs.js';
import { SqliteStore } from './sqlite-store.js';
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

/**
 * Which store a command uses: its `--store` value, else `VITLAB_STORE`, else the SQLite file of
 * `VITLAB_DB` / the default path. A `postgres://` or `postgresql://` URL is PostgreSQL; anything
 * else is a SQLite file path.
 */
export function storeLocation(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const given = flag ?? (env.VITLAB_STORE || undefined);
  return given ?? defaultDbPath();
}

export function storeKindOf(location: string): Store['kind'] {
  return isPostgresUrl(location) ? 'postgres' : 'sqlite';
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
