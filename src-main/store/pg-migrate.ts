import type pg from 'pg';
import { DatabaseRefusedError, StoreError } from './errors.js';
import { defaultMigrationsDir, loadMigrations, postgresMigrationsDir, type Migration } from './db.js';

/**
 * PostgreSQL's forward-only migrations (migrations/postgres/NNNN_name.sql), found, ordered and
 * validated by the same loadMigrations as SQLite's (store/db.ts), and required to pair with
 * SQLite's one for one (same version, same name): one schema history, SQL per dialect.
 *
 * All pending migrations run in one transaction that first takes a transaction-scoped advisory
 * lock, so two processes (two agents starting at once) never migrate concurrently: the second
 * waits, then finds nothing left to do. PostgreSQL's DDL is transactional, so a failing migration
 * leaves the database as it was.
 */

/** pg_advisory_xact_lock's key: any constant unique to ViT Lab's migrations ("VITLAB" in hex, truncated). */
const MIGRATION_LOCK = 0x5649544c4142;

export function loadPostgresMigrations(sqliteDir: string = defaultMigrationsDir()): Migration[] {
  const sqlite = loadMigrations(sqliteDir);
  const dir = postgresMigrationsDir(sqliteDir);
  const pgList = loadMigrations(dir);
  const n = Math.max(sqlite.length, pgList.length);
  for (let i = 0; i < n; i++) {
    const a = sqlite[i];
    const b = pgList[i];
    if (!a || !b || a.name !== b.name) {
      throw new StoreError(
        `migrations must pair one for one between ${sqliteDir} and ${dir}: ${a ? `${String(a.version).padStart(4, '0')}_${a.name}` : 'nothing'} in the first, ${b ? `${String(b.version).padStart(4, '0')}_${b.name}` : 'nothing'} in the second`,
        'bad-migrations',
      );
    }
  }
  return pgList;
}

interface PgSchemaState {
  recorded: number;
  hasMigrationsTable: boolean;
  tables: string[];
}

async function readState(c: pg.ClientBase): Promise<PgSchemaState> {
  const tables = (
    await c.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`,
    )
  ).rows.map((r) => r.name);
  const hasMigrationsTable = tables.includes('schema_migrations');
  const recorded = hasMigrationsTable ? Number((await c.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations')).rows[0].v ?? 0) : 0;
  return { recorded, hasMigrationsTable, tables };
}

function check(where: string, s: PgSchemaState, latest: number): void {
  if (s.recorded > latest) {
    throw new DatabaseRefusedError(
      `${where} was written by a newer ViT Lab (schema ${s.recorded}, this app knows up to ${latest}); nothing was changed. Update ViT Lab to use it.`,
      'newer-schema',
      where,
    );
  }
  if (!s.hasMigrationsTable && s.tables.length > 0) {
    throw new DatabaseRefusedError(
      `${where} holds tables that are not ViT Lab's (${s.tables.slice(0, 5).join(', ')}${s.tables.length > 5 ? ', …' : ''}; no schema_migrations); nothing was changed — use an empty database or schema`,
      'foreign-database',
      where,
    );
  }
}

/**
 * Brings the database to the newest schema (or, read only, checks that it is there). `where` is
 * the redacted location, for messages. Returns the schema version.
 */
/**
 * Whether this app could use the database: reachable, and its schema either ViT Lab's (not from a
 * newer app) or empty (migrated on first use). Reads only. Returns the recorded schema version.
 */
export async function checkPostgres(pool: pg.Pool, where: string, opts: { migrationsDir?: string } = {}): Promise<number> {
  const migrations = loadPostgresMigrations(opts.migrationsDir);
  const c = await pool.connect();
  try {
    const state = await readState(c);
    check(where, state, migrations[migrations.length - 1].version);
    return state.recorded;
  } finally {
    c.release();
  }
}

export async function migratePostgres(pool: pg.Pool, where: string, opts: { readonly?: boolean; migrationsDir?: string } = {}): Promise<number> {
  const migrations = loadPostgresMigrations(opts.migrationsDir);
  const latest = migrations[migrations.length - 1].version;
  const c = await pool.connect();
  try {
    if (opts.readonly) {
      const state = await readState(c);
      check(where, state, latest);
      if (state.recorded < latest) {
        throw new DatabaseRefusedError(
          `${where} has schema ${state.recorded} and this app needs ${latest}; a command that writes (vitlab train, queue or serve) upgrades it; nothing was changed`,
          'older-schema',
          where,
        );
      }
      return state.recorded;
    }
    await c.query('BEGIN');
    try {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      // Read under the lock: another process may have migrated meanwhile.
      const state = await readState(c);
      check(where, state, latest);
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      for (const m of migrations) {
        if (m.version <= state.recorded) continue;
        try {
          await c.query(m.sql);
        } catch (e) {
          throw new StoreError(`migration ${m.file} failed on ${where}: ${(e as Error).message}`, 'bad-migrations');
        }
        await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
      }
      await c.query('COMMIT');
      return latest;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    }
  } finally {
    c.release();
  }
}
