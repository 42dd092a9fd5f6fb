/**
 * The runs table's page times on PostgreSQL beside SQLite's: 10,000 generated runs
 * (bench/fake-runs.ts) written into a SQLite file through the real RunStore, copied into a
 * throwaway PostgreSQL cluster with `store copy`'s code, then the median time of each query the
 * dashboard's table makes, through the Store interface on both (SqliteStore, PgStore). PostgreSQL
 * is reached over loopback TCP, so its figures include a round trip per statement; the cluster
 * runs with fsync off (test/helpers/pg-cluster.ts), which changes writes, not these reads.
 *
 *   npx tsx bench/store-list-pg.ts [--runs 10000] [--reps 15]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { copyStore } from '../src-main/store/copy.js';
import { openDatabase } from '../src-main/store/db.js';
import { openStore } from '../src-main/store/open-store.js';
import { RunStore } from '../src-main/store/runs.js';
import type { Store } from '../src-main/store/store.js';
import { startPostgres } from '../test/helpers/pg-cluster.js';
import { populate } from './fake-runs.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10000' }, reps: { type: 'string', default: '15' } } });
const RUNS = Number(values.runs);
const REPS = Number(values.reps);

const dir = mkdtempSync(join(tmpdir(), 'vitlab-bench-pg-'));
const cluster = await startPostgres();
try {
  const dbPath = join(dir, 'bench.db');
  let clock = Date.parse('2025-06-01T00:00:00Z');
  const runStore = new RunStore(openDatabase(dbPath), { now: () => new Date(clock) });
  populate(runStore, RUNS, dir, (ms) => (clock += ms));
  runStore.db.close();
  // Both stores read "now" as the last write's time, so the heartbeat rule sees the same statuses.
  const now = () => new Date(clock);
  const sqlite = await openStore(dbPath, { readonly: true, now });
  const pg = await openStore(await cluster.createDatabase('bench'), { now, poolSize: 2 });
  const t0 = performance.now();
  const copied = await copyStore(sqlite, pg, { batch: 1000 });
  const copyMs = performance.now() - t0;
  const someId = (await sqlite.list({ sort: 'testAcc', limit: 1 })).rows[0].id;

  const cases: [string, (s: Store) => Promise<unknown>][] = [
    ['page 1, newest first', (s) => s.list({ sort: 'createdAt', dir: 'desc', limit: 50 })],
    ['page 1, best test acc', (s) => s.list({ sort: 'testAcc', dir: 'desc', limit: 50 })],
    ['page 1, worst test acc (nulls last)', (s) => s.list({ sort: 'testAcc', dir: 'asc', limit: 50 })],
    ['page 1, by name', (s) => s.list({ sort: 'name', dir: 'asc', limit: 50 })],
    ['page 100 (offset 4950), newest', (s) => s.list({ sort: 'createdAt', limit: 50, offset: 4950 })],
    ['status = failed, best acc', (s) => s.list({ status: 'failed', sort: 'testAcc', limit: 50 })],
    ['search name "ablation"', (s) => s.list({ search: 'ablation', limit: 50 })],
    ['depth 4 & patch 7, best acc', (s) => s.list({ filters: { depth: 4, patch: 7 }, sort: 'testAcc', limit: 50 })],
    ['get(id) full detail', (s) => s.get(someId)],
    ['groups page 1, best mean acc', (s) => s.listGroups({ sort: 'testAcc', limit: 50 })],
    ['groups n ≥ 2, smallest std', (s) => s.listGroups({ having: { n: { min: 2 } }, sort: 'testAccStd', dir: 'asc', limit: 50 })],
  ];

  const median = async (fn: () => Promise<unknown>) => {
    for (let i = 0; i < 2; i++) await fn(); // warm
    const times: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const s = performance.now();
      await fn();
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  };
  const rows: string[][] = [];
  for (const [label, fn] of cases) {
    // The same answer from both, or the figures would compare different work.
    if (JSON.stringify(await fn(sqlite)) !== JSON.stringify(await fn(pg))) throw new Error(`${label}: SQLite and PostgreSQL answer differently`);
    const a = await median(() => fn(sqlite));
    const b = await median(() => fn(pg));
    rows.push([label, a.toFixed(2), b.toFixed(2), (b / a).toFixed(1)]);
  }
  const runs = copied.tables.find((t) => t.table === 'runs')!.source;
  const epochs = copied.tables.find((t) => t.table === 'epochs')!.source;
  console.log(
    `${runs.toLocaleString('en-US')} runs, ${epochs.toLocaleString('en-US')} epochs; copied to PostgreSQL (${copied.added.toLocaleString('en-US')} rows) in ${(copyMs / 1000).toFixed(1)} s; ` +
      `${REPS} repetitions per query; node ${process.versions.node}\n`,
  );
  const header = ['query', 'SQLite ms', 'PostgreSQL ms', 'pg/sqlite'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  await sqlite.close();
  await pg.close();
} finally {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
