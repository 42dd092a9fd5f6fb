import { openDatabase } from '../../src-main/store/db.js';
import { RunStore } from '../../src-main/store/runs.js';

/** Polling helpers for tests that watch real workers and real database files (no timing asserts). */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls f every 100 ms until it returns something truthy; fails naming `what` after timeoutMs. */
export async function until<T>(what: string, f: () => T | undefined | null | false, timeoutMs = 120_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Reads the file as another process would, without holding it open. */
export function peek<T>(dbPath: string, f: (s: RunStore) => T): T {
  const db = openDatabase(dbPath);
  try {
    return f(new RunStore(db));
  } finally {
    db.close();
  }
}
