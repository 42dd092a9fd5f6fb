import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseRefusedError, StoreError } from './errors.js';
import { writeTransaction } from './write-transaction.js';

export type DB = Database.Database;

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
}

export interface OpenOptions {
  /** Open without writing anything: no WAL switch, no migrations (an outdated schema is refused). */
  readonly?: boolean;
  /** False: a missing or empty file is refused (naming it) instead of becoming a new database. Default true. */
  create?: boolean;
  /** Folder of NNNN_name.sql files; default the project's `migrations/`. */
  migrationsDir?: string;
  /** How long a writer waits for another connection's lock. Default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * Path of a better_sqlite3.node to load instead of the default one: Electron needs a build for
   * its own ABI, kept apart from Node's so that the CLI and the tests keep working.
   */
  nativeBinding?: string;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export function appDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.VITLAB_HOME || join(homedir(), '.vitlab');
}

/** The SQLite file used when nothing names a store: `VITLAB_DB`, else vitlab.db in the data folder. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.VITLAB_DB || join(appDataDir(env), 'vitlab.db');
}

/**
 * The project's `migrations/` folder. Found by walking up from this module because the module
 * lives at different depths in the source tree (tsx, tests) and in the built app (out/main).
 */
export function defaultMigrationsDir(): string {
  const here = fileURLToPath(import.meta.url);
  let dir = dirname(here);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'migrations'))) return join(dir, 'migrations');
    const parent = dirname(dir);
    if (parent === dir) throw new StoreError(`cannot find the migrations folder in any parent of ${here}`, 'bad-migrations');
    dir = parent;
  }
}

/** PostgreSQL's migrations: the same numbers and names as SQLite's, SQL per dialect (store/pg-migrate.ts). */
export function postgresMigrationsDir(sqliteDir: string = defaultMigrationsDir()): string {
  return join(sqliteDir, 'postgres');
}

const MIGRATION_FILE = /^(\d{4})_([A-Za-z0-9_-]+)\.sql$/;

/** The migrations in a folder, in order. Versions must run 1, 2, 3, … without gaps or repeats. */
export function loadMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  const list: Migration[] = [];
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.sql')) continue;
    const m = MIGRATION_FILE.exec(file);
    if (!m) throw new StoreError(`migration file "${file}" in ${dir} is not named NNNN_name.sql`, 'bad-migrations');
    list.push({ version: Number(m[1]), name: m[2], file: join(dir, file), sql: readFileSync(join(dir, file), 'utf8') });
  }
  list.sort((a, b) => a.version - b.version);
  list.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new StoreError(
        `migrations in ${dir} must be numbered 0001, 0002, … without gaps or repeats; found ${m.file} at position ${i + 1}`,
        'bad-migrations',
      );
    }
  });
  if (list.length === 0) throw new StoreError(`no migrations in ${dir}`, 'bad-migrations');
  return list;
}

/** 'missing' and 'empty' both mean "a new database may be created here". */
function inspectFile(path: string): 'missing' | 'empty' | 'sqlite' {
  if (!existsSync(path)) return 'missing';
  const st = statSync(path);
  if (!st.isFile()) throw new DatabaseRefusedError(`${path} is not a file`, 'not-a-database', path);
  if (st.size === 0) return 'empty';
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (n < SQLITE_HEADER.length || !head.equals(SQLITE_HEADER)) {
    throw new DatabaseRefusedError(
      `${path} is not a SQLite database (it does not start with the SQLite header); it was left untouched — move it away or pass another --db`,
      'not-a-database',
      path,
    );
  }
  return 'sqlite';
}

interface SchemaState {
  userVersion: number;
  /** Highest version in schema_migrations, 0 when the table is absent or empty. */
  recorded: number;
  hasMigrationsTable: boolean;
  tables: string[];
}

function readSchemaState(db: DB): SchemaState {
  const userVersion = db.pragma('user_version', { simple: true }) as number;
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  const hasMigrationsTable = tables.includes('schema_migrations');
  const recorded = hasMigrationsTable
    ? ((db.prepare('SELECT max(version) FROM schema_migrations').pluck().get() as number | null) ?? 0)
    : 0;
  return { userVersion, recorded, hasMigrationsTable, tables };
}

/** Throws unless this app may use a database in this state. Reads only. */
function checkSchema(path: string, s: SchemaState, latest: number): void {
  const version = Math.max(s.userVersion, s.recorded);
  if (version > latest) {
    throw new DatabaseRefusedError(
      `${path} was written by a newer ViT Lab (schema ${version}, this app knows up to ${latest}); nothing was changed. Update ViT Lab to open it.`,
      'newer-schema',
      path,
    );
  }
  if (!s.hasMigrationsTable && s.tables.length > 0) {
    throw new DatabaseRefusedError(
      `${path} is a SQLite database but not a ViT Lab one (tables ${s.tables.slice(0, 5).join(', ')}${s.tables.length > 5 ? ', …' : ''}; no schema_migrations); nothing was changed`,
      'foreign-database',
      path,
    );
  }
}

/** SQLite's own errors for a damaged file; anything else is a real failure worth its own message. */
function isCorruptionError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT'));
}

function refuseCorrupt(path: string, e: unknown): never {
  throw new DatabaseRefusedError(
    `${path} starts like a SQLite database but cannot be read (${(e as Error).message}); it was left untouched`,
    'not-a-database',
    path,
  );
}

/**
 * Looks at an existing database through a read-only connection, so that a database from a newer
 * app or a damaged file is refused before anything (even the journal mode in the header) changes.
 * `accept` may refuse further on what it sees.
 */
function probe(path: string, latest: number, nativeBinding: string | undefined, accept: (s: SchemaState) => void = () => {}): SchemaState {
  // A read-only reader of a WAL database still creates empty -wal and -shm files beside it. When
  // the file is refused, those would be litter next to a file that is not ours: remove them again,
  // but only if they were not there before (then nobody else had the database open) and hold nothing.
  const sidecars = [`${path}-wal`, `${path}-shm`];
  const existedBefore = sidecars.map((f) => existsSync(f));
  let db: DB | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, nativeBinding });
    const state = readSchemaState(db);
    checkSchema(path, state, latest);
    accept(state);
    return state;
  } catch (e) {
    db?.close();
    db = undefined;
    if (!existedBefore.some(Boolean) && (!existsSync(sidecars[0]) || statSync(sidecars[0]).size === 0)) {
      for (const f of sidecars) rmSync(f, { force: true });
    }
    if (isCorruptionError(e)) refuseCorrupt(path, e);
    throw e;
  } finally {
    db?.close();
  }
}

function applyMigrations(db: DB, migrations: Migration[], path: string): void {
  const latest = migrations[migrations.length - 1].version;
  // A migration that rebuilds a table (SQLite's 12-step ALTER) needs foreign keys off while it runs;
  // the foreign_key_check below keeps it honest. The pragma is a no-op inside a transaction, so it
  // is switched here, around the transactions.
  db.pragma('foreign_keys = OFF');
  try {
    for (const m of migrations) {
      writeTransaction(db, () => {
        db.exec(
          'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
        );
        // Re-read under the write lock: another process may have migrated since the probe.
        const state = readSchemaState(db);
        if (Math.max(state.userVersion, state.recorded) > latest) checkSchema(path, state, latest);
        if (db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version)) return;
        try {
          db.exec(m.sql);
        } catch (e) {
          throw new StoreError(`migration ${m.file} failed: ${(e as Error).message}`, 'bad-migrations');
        }
        const violations = db.pragma('foreign_key_check') as unknown[];
        if (violations.length > 0) {
          throw new StoreError(`migration ${m.file} left ${violations.length} foreign key violation(s)`, 'bad-migrations');
        }
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          m.version,
          m.name,
          new Date().toISOString(),
        );
        // user_version lets other tools (sqlite3 CLI, backups) see the schema without our table.
        db.pragma(`user_version = ${m.version}`);
      });
    }
  } finally {
    db.pragma('foreign_keys = ON');
  }
}

/**
 * Whether a SQLite store could be opened at `path` without changing anything: an existing file
 * must be a ViT Lab database not written by a newer app (an older one is migrated on open); a
 * missing one must be creatable, its nearest existing folder writable.
 */
export function checkDatabase(path: string): void {
  const file = resolve(path);
  if (inspectFile(file) === 'sqlite') {
    const migrations = loadMigrations();
    probe(file, migrations[migrations.length - 1].version, undefined);
    return;
  }
  let dir = dirname(file);
  while (!existsSync(dir)) dir = dirname(dir);
  if (!statSync(dir).isDirectory()) throw new DatabaseRefusedError(`${file} cannot be created: ${dir} is a file, not a folder`, 'missing-database', file);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new DatabaseRefusedError(`${file} cannot be created: the folder ${dir} is not writable`, 'missing-database', file);
  }
}

/**
 * Opens (creating if needed) the ViT Lab database at `path`, migrated to the newest schema.
 * Refuses — without modifying the file — a file that is not SQLite, a SQLite file of another app,
 * and a database written by a newer ViT Lab.
 */
export function openDatabase(path: string = defaultDbPath(), options: OpenOptions = {}): DB {
  const file = resolve(path);
  const migrations = loadMigrations(options.migrationsDir);
  const latest = migrations[migrations.length - 1].version;
  const kind = inspectFile(file);

  if (kind !== 'sqlite' && (options.readonly || options.create === false)) {
    throw new DatabaseRefusedError(
      kind === 'missing'
        ? `no ViT Lab database at ${file} (no such file; check --db or VITLAB_DB)`
        : `${file} is an empty file (0 bytes), not a ViT Lab database; it was left untouched (\`vitlab train --db ${file}\` would start a new one there)`,
      'missing-database',
      file,
    );
  }
  if (options.readonly) {
    probe(file, latest, options.nativeBinding, (state) => {
      if (state.recorded < latest) {
        throw new DatabaseRefusedError(
          `${file} has schema ${state.recorded} and this app needs ${latest}; a command that writes (vitlab train, queue or serve) upgrades it; nothing was changed`,
          'older-schema',
          file,
        );
      }
    });
    const db = new Database(file, { readonly: true, fileMustExist: true, timeout: options.busyTimeoutMs ?? 5000, nativeBinding: options.nativeBinding });
    db.pragma('foreign_keys = ON');
    return db;
  }

  if (kind === 'sqlite') probe(file, latest, options.nativeBinding);
  else mkdirSync(dirname(file), { recursive: true });

  const db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000, nativeBinding: options.nativeBinding });
  try {
    db.pragma('journal_mode = WAL');
    // With WAL, NORMAL keeps the database consistent on power loss and only risks the last commits.
    db.pragma('synchronous = NORMAL');
    applyMigrations(db, migrations, file);
    db.pragma('foreign_keys = ON');
    return db;
  } catch (e) {
    db.close();
    if (isCorruptionError(e)) refuseCorrupt(file, e);
    throw e;
  }
}

/** The schema version a database is at (highest recorded migration). */
export function schemaVersion(db: DB): number {
  return readSchemaState(db).recorded;
}

/** The newest schema version this app knows. */
export function latestSchemaVersion(migrationsDir?: string): number {
  const m = loadMigrations(migrationsDir);
  return m[m.length - 1].version;
}
