/**
 * Store errors. Plain classes without a database import, so every surface (CLI, IPC handlers,
 * the renderer) can recognise them by `instanceof` or by `code` after serialisation.
 */

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
  | 'bad-migrations';

export class StoreError extends Error {
  constructor(
    message: string,
    readonly code: StoreErrorCode,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export class NotFoundError extends StoreError {
  constructor(
    readonly kind: 'run' | 'sweep' | 'comparison',
    readonly id: string,
  ) {
    super(`no ${kind} with id "${id}"`, 'not-found');
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
