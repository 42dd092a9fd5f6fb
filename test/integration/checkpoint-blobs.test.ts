import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { packCheckpoint, unpackCheckpoint } from '../../src-main/agent/checkpoint-archive.js';
import { checkpointBlobsOf, CHUNK_BYTES } from '../../src-main/store/checkpoint-blobs.js';
import { openStore } from '../../src-main/store/open-store.js';
import { resolveConfig } from '../../src-main/vit/config.js';
import { usePostgres } from '../helpers/postgres.js';

/**
 * Checkpoints as chunked rows (migration 0006) on both backends: the bytes come back as stored,
 * only the newest checkpoint of a run is kept, and a chunk set that is incomplete or altered is
 * never used (the next older complete one is, or none).
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-blobs-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const pgHolder = usePostgres();

/** A checkpoint-like folder of `size` pseudo-random bytes (several chunks) and a small JSON file. */
function folder(name: string, size: number): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 2654435761) >>> 24;
  fs.writeFileSync(path.join(dir, 'weights.bin'), bytes);
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'vitlab-checkpoint', name }));
  return dir;
}

const backends = [
  {
    kind: 'sqlite',
    location: async () => path.join(tmp, `blobs-${Date.now()}.db`),
    /** Runs raw SQL on the store's database from outside, as damage would. */
    raw: async (location: string, sqlText: string) => {
      const db = new BetterSqlite3(location);
      db.exec(sqlText);
      db.close();
    },
  },
  {
    kind: 'postgres',
    location: async () => pgHolder.cluster.createDatabase(),
    raw: async (location: string, sqlText: string) => {
      const c = new pg.Client({ connectionString: location });
      await c.connect();
      await c.query(sqlText);
      await c.end();
    },
  },
] as const;

describe.each(backends)('checkpoint blobs on $kind', ({ location: makeLocation, raw }) => {
  it('round-trips a folder, keeps the newest only, and never uses an incomplete or altered set', async () => {
    const location = await makeLocation();
    const store = await openStore(location);
    try {
      const id = await store.createRun({ config: resolveConfig({}, 'tiny') });
      const blobs = checkpointBlobsOf(store);
      const one = packCheckpoint(folder('e1', CHUNK_BYTES + 17));
      const two = packCheckpoint(folder('e2', 2 * CHUNK_BYTES + 5));
      await blobs.put(id, 1, one);
      await store.transaction(async (tx) => checkpointBlobsOf(tx).put(id, 2, two));
      expect(await blobs.epochs(id)).toEqual([2]);
      const got = await blobs.latest(id, 10);
      expect(got?.epoch).toBe(2);
      expect(Buffer.compare(got!.bytes, two)).toBe(0);
      // Not past the stored epochs: a run whose epoch 2 row never landed resumes from nothing here.
      expect(await blobs.latest(id, 1)).toBeNull();

      const out = fs.mkdtempSync(path.join(tmp, 'restored-')) + '/ck';
      unpackCheckpoint(got!.bytes, out);
      expect(fs.readFileSync(path.join(out, 'weights.bin'))).toEqual(fs.readFileSync(path.join(tmp, 'e2', 'weights.bin')));

      // A chunk gone: the set is incomplete and not used.
      await raw(location, `DELETE FROM checkpoint_chunks WHERE run_id = '${id}' AND seq = 1`);
      expect(await blobs.latest(id, 10)).toBeNull();
      // Bytes altered in place (same length): the hash refuses it.
      await blobs.put(id, 3, one);
      await raw(location, `UPDATE checkpoint_chunks SET bytes = ${location.startsWith('postgres') ? "'\\x00'::bytea || substring(bytes from 2)" : "CAST(X'00' || substr(bytes, 2) AS BLOB)"} WHERE run_id = '${id}' AND seq = 0`);
      expect(await blobs.latest(id, 10)).toBeNull();
      // A put on an unknown run changes nothing and says so.
      await expect(blobs.put('r-missing', 1, one)).rejects.toThrow(/does not exist/);
      // Deleting the run removes its checkpoints with it.
      await store.delete(id);
      expect(await blobs.epochs(id)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('checkpoint archive', () => {
  it('refuses an archive that names a path outside its folder or holds fewer bytes than it says', () => {
    const good = packCheckpoint(folder('arch', 100));
    const hlen = good.readUInt32LE(0);
    const header = JSON.parse(good.subarray(4, 4 + hlen).toString('utf8')) as { files: { name: string; size: number }[] };
    header.files[0].name = '../evil';
    const h = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(h.length, 0);
    expect(() => unpackCheckpoint(Buffer.concat([len, h, good.subarray(4 + hlen)]), path.join(tmp, 'x1'))).toThrow(/bad or repeated file/);
    expect(() => unpackCheckpoint(good.subarray(0, good.length - 1), path.join(tmp, 'x2'))).toThrow(/its header says/);
    expect(fs.existsSync(path.join(tmp, 'x1')) || fs.existsSync(path.join(tmp, 'x2')) || fs.existsSync(path.join(tmp, 'evil'))).toBe(false);
  });
});
