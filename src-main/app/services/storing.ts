import { describeStoreFailure } from '../../store/errors.js';
import type { RunStore } from '../../store/runs.js';

/**
 * A store call made for a request: SQLite's own failures (locked past the busy timeout, a full
 * disk, a damaged file) come out as the supervisor's do, `unavailable` and naming the database,
 * rather than as an internal error with SQLite's bare message.
 */
export function storing<T>(store: RunStore, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw describeStoreFailure(e, store.file?.path ?? store.db.name);
  }
}
