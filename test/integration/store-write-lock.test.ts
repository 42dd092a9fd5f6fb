import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DB } from '../../src-main/store/db.js';
import { RunStore } from '../../src-main/store/runs.js';
import { SEED_CONFIG } from '../../src-main/vit/config.js';

/**
 * A write transaction that reads before it writes (finish reads the status, then sets it) must
 * hold SQLite's write lock from its start. CI once failed a cancel against two agents' writes with
 * "database is locked": a deferred transaction read, another process committed, and the write
 * then failed at once (SQLITE_BUSY_SNAPSHOT; busy_timeout does not wait for that). Two real
 * connections on one file, as two processes have; the other connection writes between our read
 * and our write, which is the interleaving that two processes produce by chance.
 */
let dir: string;
const open: DB[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vitlab-write-lock-'));
});
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function connections() {
  const file = join(dir, 'runs.db');
  const ours = openDatabase(file);
  // The other process: no busy wait, so it is refused at once while we hold the lock.
  const other = new Database(file, { timeout: 0 });
  open.push(ours, other);
  return { ours, other, store: new RunStore(ours) };
}

const otherWrites = (other: DB, id: string) => () => other.prepare("UPDATE runs SET notes = 'from the other process' WHERE id = ?").run(id);

describe('SQLite write transactions hold the write lock from BEGIN', () => {
  it('a transaction that reads, then writes, completes when another process tries to write in between; the other one waits', () => {
    const { other, store } = connections();
    const id = store.createRun({ config: SEED_CONFIG });
    let otherError: unknown = null;
    store.transaction(() => {
      expect(store.getStatus(id)).toBe('queued');
      try {
        otherWrites(other, id)();
      } catch (e) {
        otherError = e;
      }
      store.finish(id, 'cancelled');
    });
    // Deferred, the other write would have landed and our finish failed with SQLITE_BUSY_SNAPSHOT.
    expect((otherError as { code?: string } | null)?.code).toBe('SQLITE_BUSY');
    expect(store.getStatus(id)).toBe('cancelled');
    expect(store.get(id).notes).toBe('');
    // Once ours committed, the other process writes as usual.
    otherWrites(other, id)();
    expect(store.get(id).notes).toBe('from the other process');
  });

});
