/**
 * Store errors. Plain classes without a database import, so every surface (CLI, IPC handlers,
 * the renderer) can recognise them by `instanceof` or by `code` after serialisation.
 */
import { DomainError, type ErrorKind } from '../../src-shared/errors.js';

export type StoreErrorCode =
  | 'not-found'
  | 'invalid-state'
  | 'invalid-query'
  | 'conflict'
  | 'not-a-database'
  | 'foreign-database'
  | 'newer-schema'
  | 'older-schema'
  | 'missing-database'
  | 'bad-migrations'
  /** The file at the path is no longer the one opened (deleted, or replaced): nothing more is written. */
  | 'database-gone'
  /** Another process held the write lock for longer than this one waits. */
  | 'database-busy'
  /** No room for the write: the disk (or the database's size limit) is full. */
  | 'database-full'
  /** The file is damaged (SQLite: "database disk image is malformed"). */
  | 'database-damaged'
  /** Any other failure of SQLite or the disk under it. */
  | 'database-failed';

/** How each store refusal reads to a caller; a new code does not compile until it is placed. */
const KIND: Record<StoreErrorCode, ErrorKind> = {
  'not-found': 'not_found',
  'invalid-state': 'conflict',
  'invalid-query': 'invalid_input',
  conflict: 'conflict',
  'not-a-database': 'unavailable',
  'foreign-database': 'unavailable',
  'newer-schema': 'unavailable',
  'older-schema': 'unavailable',
  'missing-database': 'unavailable',
  'bad-migrations': 'internal',
  // The database under us failed (deleted, locked past the retry bound, full, damaged).
  'database-gone': 'unavailable',
  'database-busy': 'unavailable',
  'database-full': 'unavailable',
  'database-damaged': 'unavailable',
  'database-failed': 'unavailable',
};

export class StoreError extends DomainError {
  constructor(
    message: string,
    readonly code: StoreErrorCode,
  ) {
    super(KIND[code], message);
    this.name = 'StoreError';
  }
}

export class NotFoundError extends StoreError {
  constructor(
    readonly entity: 'run' | 'sweep' | 'comparison',
    readonly id: string,
  ) {
    super(`no ${entity} with id "${id}"`, 'not-found');
    this.name = 'NotFoundError';
  }
}

/** A database file the app will not open; the file has not been touched. */
export class DatabaseRefusedError extends StoreError {
  constructor(
    message: string,
    code: Extract<StoreErrorCode, 'not-a-database' | 'foreign-database' | 'newer-schema' | 'older-schema' | 'missing-database'>,
    readonly path: string,
  ) {
    super(message, code);
    this.name = 'DatabaseRefusedError';
  }
}

/** SQLite's extended result code of an error thrown by better-sqlite3, if it is one. */
export function sqliteCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** Another connection holds the lock: the same write may succeed if tried again later. */
export function isBusy(e: unknown): boolean {
  const code = sqliteCode(e);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * A SQLite failure as a StoreError that names the database file and says what it means, so that no
 * surface shows a bare "database disk image is malformed". Other errors pass through unchanged.
 */
export function describeStoreFailure(e: unknown, path: string): unknown {
  const code = sqliteCode(e);
  if (e instanceof StoreError || code === undefined) return e;
  const raw = (e as Error).message;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError(`the database ${path} is locked by another process (${raw}); try again when it has finished`, 'database-busy');
  }
  if (code.startsWith('SQLITE_FULL')) {
    return new StoreError(`cannot write to the database ${path}: the disk or the database is full (${raw}); free some space`, 'database-full');
  }
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) {
    return new StoreError(`the database ${path} is damaged (${raw}); restore it from a backup or move it away`, 'database-damaged');
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new StoreError(`the database ${path} cannot be written (${raw}); check the file's permissions`, 'database-failed');
  }
  return new StoreError(`the database ${path} failed: ${raw} (${code})`, 'database-failed');
}
