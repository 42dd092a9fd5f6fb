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
  | 'bad-migrations';

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
