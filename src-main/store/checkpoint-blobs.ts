import type BetterSqlite3 from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { pgHandle } from './agents.js';
import { StoreError } from './errors.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';
import { writeTransaction } from './write-transaction.js';

/**
 * Checkpoints kept in the store itself (migration 0006: checkpoint_blobs + checkpoint_chunks), so
 * that every machine that reaches the store can resume a run from its last checkpoint. A
 * checkpoint is an opaque byte string here (agent/checkpoint-archive.ts packs the folder), split
 * into chunks of CHUNK_BYTES; its header row says how many chunks, how long and which SHA-256, and
 * is written with all its chunks in one transaction. A reader rebuilds the bytes and checks all
 * three, so a set that is incomplete (or damaged) is never used.
 *
 * Only the newest checkpoint of a run is kept (storing one removes the older ones in the same
 * transaction): resuming needs the newest, and a seed-sized model's checkpoint with its optimizer
 * moments is about 2.4 MB, which 10,000 runs × 10 epochs would otherwise multiply.
 */

/** 1 MiB: a seed checkpoint (≈ 2.4 MB) is three rows; PostgreSQL's bytea and SQLite's BLOB take it easily. */
export const CHUNK_BYTES = 1 << 20;

export interface StoredCheckpoint {
  epoch: number;
  bytes: Buffer;
}

export interface CheckpointBlobs {
  /** Stores the run's checkpoint of `epoch` and drops its older ones; one transaction. */
  put(runId: string, epoch: number, bytes: Uint8Array, agent?: string | null): Promise<void>;
  /** The newest complete checkpoint with epoch ≤ maxEpoch (a run's stored epochs), or null. */
  latest(runId: string, maxEpoch: number): Promise<StoredCheckpoint | null>;
  /** The epochs of the run's stored checkpoints, newest first (complete or not: for tests and tools). */
  epochs(runId: string): Promise<number[]>;
}

export interface BlobHeader {
  epoch: number;
  chunks: number;
  size: number;
  sha256: string;
}

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Splits bytes into chunks of at most `size` bytes (one empty chunk for an empty input). */
export function chunk(bytes: Uint8Array, size = CHUNK_BYTES): Uint8Array[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a whole number ≥ 1, got ${size}`);
  const out: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; o += size) out.push(bytes.subarray(o, Math.min(o + size, bytes.length)));
  return out.length ? out : [bytes.subarray(0, 0)];
}

/**
 * The chunks read back (in seq order) against their header: the bytes when the set is complete
 * and intact, else null (a missing chunk, a wrong length or hash).
 */
export function assemble(h: BlobHeader, chunks: { seq: number; bytes: Uint8Array }[]): Buffer | null {
  // A chunk that is not bytes (SQLite keeps whatever type was written) is damage too.
  if (chunks.length !== h.chunks || chunks.some((c, i) => c.seq !== i || !(c.bytes instanceof Uint8Array))) return null;
  const bytes = Buffer.concat(chunks.map((c) => c.bytes));
  if (bytes.length !== h.size || sha256(bytes) !== h.sha256) return null;
  return bytes;
}

export function validEpoch(epoch: number): void {
  if (!Number.isInteger(epoch) || epoch < 1) throw new StoreError(`checkpoint epoch must be a whole number from 1, got ${epoch}`, 'invalid-query');
}

class SqliteCheckpointBlobs implements CheckpointBlobs {
  constructor(private readonly db: BetterSqlite3.Database) {}

  async put(runId: string, epoch: number, bytes: Uint8Array, agent: string | null = null): Promise<void> {
    validEpoch(epoch);
    const parts = chunk(bytes);
    writeTransaction(this.db, () => {
      if (!this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(runId)) throw new StoreError(`run ${runId} does not exist`, 'not-found');
      // Chunks go with their header by cascade.
      this.db.prepare('DELETE FROM checkpoint_blobs WHERE run_id = ?').run(runId);
      this.db
        .prepare('INSERT INTO checkpoint_blobs (run_id, epoch, chunks, size, sha256, agent, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(runId, epoch, parts.length, bytes.length, sha256(bytes), agent, new Date().toISOString());
      const insert = this.db.prepare('INSERT INTO checkpoint_chunks (run_id, epoch, seq, bytes) VALUES (?, ?, ?, ?)');
      parts.forEach((p, seq) => insert.run(runId, epoch, seq, p));
    });
  }

  async latest(runId: string, maxEpoch: number): Promise<StoredCheckpoint | null> {
    const headers = this.db
      .prepare<[string, number], BlobHeader>('SELECT epoch, chunks, size, sha256 FROM checkpoint_blobs WHERE run_id = ? AND epoch <= ? ORDER BY epoch DESC')
      .all(runId, maxEpoch);
    const read = this.db.prepare<[string, number], { seq: number; bytes: Buffer }>('SELECT seq, bytes FROM checkpoint_chunks WHERE run_id = ? AND epoch = ? ORDER BY seq');
    for (const h of headers) {
      const bytes = assemble(h, read.all(runId, h.epoch));
      if (bytes) return { epoch: h.epoch, bytes };
    }
    return null;
  }

  async epochs(runId: string): Promise<number[]> {
    return this.db.prepare<[string], number>('SELECT epoch FROM checkpoint_blobs WHERE run_id = ? ORDER BY epoch DESC').pluck().all(runId);
  }
}

interface BlobTables {
  checkpoint_blobs: BlobHeader & { run_id: string; agent: string | null; created_at: string };
  checkpoint_chunks: { run_id: string; epoch: number; seq: number; bytes: Uint8Array };
}

/** PostgreSQL through the store's Kysely; put() takes the transaction the caller is in, or its own. */
class PgCheckpointBlobs implements CheckpointBlobs {
  constructor(private readonly store: Store) {}

  private get db() {
    return pgHandle<BlobTables>(this.store);
  }

  async put(runId: string, epoch: number, bytes: Uint8Array, agent: string | null = null): Promise<void> {
    validEpoch(epoch);
    const parts = chunk(bytes);
    await this.store.transaction(async (tx) => {
      const db = pgHandle<BlobTables>(tx);
      if (!(await db.selectFrom('runs').select('id').where('id', '=', runId).executeTakeFirst())) throw new StoreError(`run ${runId} does not exist`, 'not-found');
      await db.deleteFrom('checkpoint_blobs').where('run_id', '=', runId).execute();
      await db.insertInto('checkpoint_blobs').values({ run_id: runId, epoch, chunks: parts.length, size: bytes.length, sha256: sha256(bytes), agent, created_at: new Date().toISOString() }).execute();
      for (let seq = 0; seq < parts.length; seq++) await db.insertInto('checkpoint_chunks').values({ run_id: runId, epoch, seq, bytes: Buffer.from(parts[seq]) }).execute();
    });
  }

  async latest(runId: string, maxEpoch: number): Promise<StoredCheckpoint | null> {
    const headers = await this.db.selectFrom('checkpoint_blobs').select(['epoch', 'chunks', 'size', 'sha256']).where('run_id', '=', runId).where('epoch', '<=', maxEpoch).orderBy('epoch', 'desc').execute();
    for (const h of headers) {
      const chunks = await this.db.selectFrom('checkpoint_chunks').select(['seq', 'bytes']).where('run_id', '=', runId).where('epoch', '=', h.epoch).orderBy('seq').execute();
      const bytes = assemble({ ...h, size: Number(h.size) }, chunks);
      if (bytes) return { epoch: h.epoch, bytes };
    }
    return null;
  }

  async epochs(runId: string): Promise<number[]> {
    return (await this.db.selectFrom('checkpoint_blobs').select('epoch').where('run_id', '=', runId).orderBy('epoch', 'desc').execute()).map((r) => r.epoch);
  }
}

/** The checkpoint store over a store (or a transaction's store), whichever backend it is. */
export function checkpointBlobsOf(store: Store): CheckpointBlobs {
  if (store instanceof SqliteStore) return new SqliteCheckpointBlobs(store.runs.db);
  if (store.kind === 'postgres') return new PgCheckpointBlobs(store);
  throw new StoreError(`checkpoints: no checkpoint store for a ${store.kind} store (${store.describe()})`, 'database-failed');
}

/**
 * Puts an interrupted, failed or cancelled run back in the queue, keeping its epochs up to its
 * newest stored checkpoint (the resume point; later epochs are trained again): the one requeue of
 * a run whose checkpoints live in the store, whether an agent requeues a dead agent's run or a
 * user resumes one (runs/resume on a shared store). Returns the checkpoint's epoch, null when the
 * run has none (it trains from the start).
 */
export async function requeueToStoredCheckpoint(store: Store, id: string): Promise<{ name: string; agent: string | null; epoch: number | null }> {
  const run = await store.get(id);
  const ck = await checkpointBlobsOf(store).latest(id, run.epochsDone);
  await store.requeue(id, { keepEpochs: ck?.epoch ?? run.epochsDone });
  return { name: run.name, agent: run.agent, epoch: ck?.epoch ?? null };
}
