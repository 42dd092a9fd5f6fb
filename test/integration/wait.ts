import { openDatabase } from '../../src-main/store/db.js';
import { RunStore } from '../../src-main/store/runs.js';

/** Polling helpers for tests that watch real workers and real database files (no timing asserts). */
export { sleep, until } from '../fixtures/wait.js';

/** Reads the file as another process would, without holding it open. */
export function peek<T>(dbPath: string, f: (s: RunStore) => T): T {
  const db = openDatabase(dbPath);
  try {
    return f(new RunStore(db));
  } finally {
    db.close();
  }
}
