/**
 * How fast the runs table pages: 10,000 generated runs (varied configs, 5–30 epochs each, final
 * results for the finished ones) in a temporary database, then the median time of each query the
 * dashboard's table makes. Target: under 20 ms for a page.
 *
 *   npx tsx bench/store-list.ts [--runs 10000] [--reps 40] [--steps 20] [--repeats 3]
 *
 * --steps N stores N per-step curve points per epoch (issue 14: the worker sends 20), --repeats N
 * repeats every config over N seeds (groups of N); both default off, the database of the earlier
 * figures. The grouped-list and per-step cases are the issue-14 queries.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src-main/store/db.js';
import { RunStore } from '../src-main/store/runs.js';
import type { ListQuery } from '../src-main/store/types.js';
import { populate } from './fake-runs.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '10000' }, reps: { type: 'string', default: '40' }, steps: { type: 'string', default: '0' }, repeats: { type: 'string', default: '1' } },
});
const RUNS = Number(values.runs);
const REPS = Number(values.reps);

const dir = mkdtempSync(join(tmpdir(), 'vitlab-bench-'));
const dbPath = join(dir, 'bench.db');
try {
  // A year of runs, a few minutes apart, written through the real repository.
  let clock = Date.parse('2025-06-01T00:00:00Z');
  const store = new RunStore(openDatabase(dbPath), { now: () => new Date(clock) });
  const t0 = performance.now();
  const epochRows = populate(store, RUNS, dir, (ms) => (clock += ms), { stepPoints: Number(values.steps), repeats: Number(values.repeats) });
  const buildMs = performance.now() - t0;
  const someId = store.list({ sort: 'testAcc', limit: 1 }).rows[0].id;

  const cases: [string, () => unknown][] = [
    ['page 1, newest first', () => store.list({ sort: 'createdAt', dir: 'desc', limit: 50 })],
    ['page 1, best test acc', () => store.list({ sort: 'testAcc', dir: 'desc', limit: 50 })],
    ['page 1, worst test acc (nulls last)', () => store.list({ sort: 'testAcc', dir: 'asc', limit: 50 })],
    ['page 1, fewest params', () => store.list({ sort: 'params', dir: 'asc', limit: 50 })],
    ['page 1, most MACs/image', () => store.list({ sort: 'macsPerImage', dir: 'desc', limit: 50 })],
    ['page 1, by name', () => store.list({ sort: 'name', dir: 'asc', limit: 50 })],
    ['page 100 (offset 4950), newest', () => store.list({ sort: 'createdAt', limit: 50, offset: 4950 })],
    ['status = failed, newest', () => store.list({ status: 'failed', limit: 50 })],
    ['status = failed, best acc', () => store.list({ status: 'failed', sort: 'testAcc', limit: 50 })],
    ['search name "ablation"', () => store.list({ search: 'ablation', limit: 50 })],
    ['search tag "keeper", best acc', () => store.list({ search: 'keeper', sort: 'testAcc', limit: 50 })],
    ['depth 4 & patch 7, best acc', () => store.list({ filters: { depth: 4, patch: 7 }, sort: 'testAcc', limit: 50 } satisfies ListQuery)],
    ['count (all runs)', () => store.db.prepare('SELECT count(*) FROM runs').pluck().get()],
    ['get(id) full detail', () => store.get(someId)],
    ['groups page 1, best mean acc', () => store.listGroups({ sort: 'testAcc', limit: 50 })],
    ['groups page 1, newest', () => store.listGroups({ sort: 'createdAt', limit: 50 })],
    ['groups n ≥ 2, smallest std', () => store.listGroups({ having: { n: { min: 2 } }, sort: 'testAccStd', dir: 'asc', limit: 50 })],
    ['groups depth 4, best mean acc', () => store.listGroups({ filters: { depth: 4 }, sort: 'testAcc', limit: 50 })],
    ['per-step curve of one run', () => store.steps.get(someId)],
  ];

  const rows: [string, string, string, string][] = [];
  for (const [label, fn] of cases) {
    for (let i = 0; i < 3; i++) fn(); // prepared, cached, warm
    const times: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const s = performance.now();
      fn();
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    const p95 = times[Math.min(times.length - 1, Math.floor(times.length * 0.95))];
    rows.push([label, median.toFixed(2), p95.toFixed(2), median < 20 ? 'ok' : 'SLOW']);
  }

  const total = store.db.prepare('SELECT count(*) FROM runs').pluck().get() as number;
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  console.log(`${total.toLocaleString('en-US')} runs, ${epochRows.toLocaleString('en-US')} epochs; built in ${(buildMs / 1000).toFixed(1)} s; ` +
    `database ${(statSync(dbPath).size / 1024 ** 2).toFixed(1)} MiB; ${REPS} repetitions per query; node ${process.versions.node}\n`);
  const header: [string, string, string, string] = ['query', 'median ms', 'p95 ms', '< 20 ms'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  store.db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
