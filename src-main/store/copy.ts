import { Kysely, SqliteDialect, sql } from 'kysely';
import { StoreError } from './errors.js';
import { PgStore } from './pg-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

/**
 * `vitlab store copy SRC DST`: every stored row from one store into another, either engine to
 * either engine, table by table in dependency order. Idempotent: a row whose key (or any unique
 * column) is already in the destination is left as it is there (INSERT … ON CONFLICT DO NOTHING),
 * so a second copy adds nothing and a copy interrupted halfway is finished by running it again.
 * Each batch is one destination transaction. One implementation for both engines: Kysely over
 * better-sqlite3 (SqliteDialect) or pg (the PgStore's own instance).
 */

interface TableSpec {
  name: string;
  /** The source's order and keyset cursor: a unique key, in insertion order where listings depend on it. */
  key: string[];
  /** Columns the destination makes itself: SQLite-only/pg-only row ids and the trigger-kept group key. */
  skip: string[];
  /** Rows per batch when they are large (checkpoint chunks are up to 1 MiB each); default the copy's. */
  batch?: number;
}

/** Parents before children (foreign keys); rowid order keeps listings' tie order in the copy. */
export const COPY_TABLES: readonly TableSpec[] = [
  { name: 'sweeps', key: ['rowid'], skip: ['rowid'] },
  { name: 'runs', key: ['rowid'], skip: ['rowid', 'group_key'] },
  { name: 'epochs', key: ['run_id', 'epoch'], skip: [] },
  { name: 'class_results', key: ['run_id', 'class'], skip: [] },
  { name: 'confusion', key: ['run_id'], skip: [] },
  { name: 'costs', key: ['run_id'], skip: [] },
  // Artifact ids are each database's own; (run_id, kind, path) is the artifact.
  { name: 'artifacts', key: ['id'], skip: ['id'] },
  { name: 'step_curves', key: ['run_id', 'epoch'], skip: [] },
  // Migration 0006. A copy stopped between a header and its chunks leaves an incomplete set,
  // which readers never use (store/checkpoint-blobs.ts) and the next copy completes.
  { name: 'checkpoint_blobs', key: ['run_id', 'epoch'], skip: [] },
  { name: 'checkpoint_chunks', key: ['run_id', 'epoch', 'seq'], skip: [], batch: 16 },
  { name: 'comparisons', key: ['rowid'], skip: ['rowid'] },
];

// Tables without a typed schema: the copy moves rows whatever their columns are.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * A Kysely instance over the store's own connection (no second connection to the same file). The
 * SQLite one is dropped after the copy, not destroyed: destroying it would close the store's
 * connection under it.
 */
function kyselyOf(store: Store): AnyDb {
  if (store instanceof PgStore) return store.db as unknown as AnyDb;
  if (store instanceof SqliteStore) return new Kysely({ dialect: new SqliteDialect({ database: store.runs.db }) });
  throw new StoreError(`cannot copy ${store.describe()}: unknown store kind ${store.kind}`, 'invalid-query');
}

export interface CopyProgress {
  table: string;
  /** Rows of this table read so far, and in all. */
  done: number;
  total: number;
  /** Rows of all tables read so far, and in all. */
  doneAll: number;
  totalAll: number;
  /** Rows this copy added to the destination so far (all tables). */
  added: number;
  elapsedMs: number;
}

export interface CopyResult {
  /** Per table: rows in the source, rows added to the destination. */
  tables: { table: string; source: number; added: number }[];
  added: number;
}

export async function copyStore(
  src: Store,
  dst: Store,
  opts: { batch?: number; onProgress?: (p: CopyProgress) => void } = {},
): Promise<CopyResult> {
  if (src.describe() === dst.describe() && src.kind === dst.kind) {
    throw new StoreError(`source and destination are the same store (${src.describe()})`, 'invalid-query');
  }
  const batch = opts.batch ?? 500;
  if (!Number.isInteger(batch) || batch < 1) throw new StoreError(`batch must be a whole number ≥ 1, got ${batch}`, 'invalid-query');
  const s = kyselyOf(src);
  const d = kyselyOf(dst);
  const started = Date.now();
  try {
    const totals = new Map<string, number>();
    for (const t of COPY_TABLES) {
      const r = await s.selectFrom(t.name).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
      totals.set(t.name, Number(r.n));
    }
    const totalAll = [...totals.values()].reduce((a, b) => a + b, 0);
    let doneAll = 0;
    let added = 0;
    const tables: CopyResult['tables'] = [];
    for (const t of COPY_TABLES) {
      const total = totals.get(t.name)!;
      const rowsPer = Math.min(batch, t.batch ?? batch);
      let done = 0;
      let addedHere = 0;
      let cursor: unknown[] | null = null;
      for (;;) {
        const keyCols = t.key.map((k, i) => sql.ref(k).as(`__k${i}`));
        let q = s.selectFrom(t.name).select(keyCols).selectAll();
        if (cursor) {
          const after = cursor;
          q = q.where(sql<boolean>`(${sql.join(t.key.map((k) => sql.ref(k)))}) > (${sql.join(after)})`);
        }
        for (const k of t.key) q = q.orderBy(sql.ref(k));
        const rows = (await q.limit(rowsPer).execute()) as Record<string, unknown>[];
        if (rows.length === 0) break;
        cursor = t.key.map((_, i) => rows[rows.length - 1][`__k${i}`]);
        const values = rows.map((r) =>
          Object.fromEntries(Object.entries(r).filter(([c]) => !c.startsWith('__k') && !t.skip.includes(c))),
        );
        const res = await d.transaction().execute((tx) =>
          tx.insertInto(t.name).values(values).onConflict((oc) => oc.doNothing()).executeTakeFirst(),
        );
        const n = Number(res.numInsertedOrUpdatedRows ?? 0);
        addedHere += n;
        added += n;
        done += rows.length;
        doneAll += rows.length;
        opts.onProgress?.({ table: t.name, done, total, doneAll, totalAll, added, elapsedMs: Date.now() - started });
        if (rows.length < rowsPer) break;
      }
      tables.push({ table: t.name, source: total, added: addedHere });
    }
    return { tables, added };
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError(`copying ${src.describe()} to ${dst.describe()} failed: ${(e as Error).message}`, 'database-failed');
  }
}
