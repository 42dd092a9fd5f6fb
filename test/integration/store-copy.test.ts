/**
 * `vitlab store copy`: a SQLite history of 1,000 generated runs (bench/fake-runs.ts, written
 * through the real RunStore) into PostgreSQL and back, through the real CLI process.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { populate } from '../../bench/fake-runs.js';
import { COPY_TABLES } from '../../src-main/store/copy.js';
import { openDatabase } from '../../src-main/store/db.js';
import { openStore } from '../../src-main/store/open-store.js';
import { RunStore } from '../../src-main/store/runs.js';
import type { Store } from '../../src-main/store/store.js';
import { usePostgres } from '../helpers/postgres.js';

const h = usePostgres();
const root = join(import.meta.dirname, '..', '..');
let dir: string;
let sqlitePath: string;
const SECRET = 'Sq-Pa55';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vitlab-copy-'));
  sqlitePath = join(dir, 'history.db');
  let t = Date.parse('2025-01-01T00:00:00Z');
  const store = new RunStore(openDatabase(sqlitePath), { now: () => new Date(t) });
  populate(store, 1000, dir, (ms) => (t += ms), { stepPoints: 2 });
  const ids = store.list({ sort: 'createdAt', dir: 'asc', limit: 5 }).rows.map((r) => r.id);
  store.saveComparison({ name: 'first five', runIds: ids, baselineRunId: ids[0], settings: { metric: 'testAcc' } });
  store.addArtifact(ids[1], 'report', join(dir, 'r1.html'));
  store.db.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(root, 'bin/vitlab.js'), ...args], { env: { ...process.env, VITLAB_HOME: dir } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function sqliteCounts(path: string): Record<string, number> {
  const db = new Database(path, { readonly: true });
  try {
    return Object.fromEntries(COPY_TABLES.map((t) => [t.name, db.prepare(`SELECT count(*) FROM ${t.name}`).pluck().get() as number]));
  } finally {
    db.close();
  }
}

async function pgCounts(url: string): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const out: Record<string, number> = {};
    for (const t of COPY_TABLES) out[t.name] = Number((await c.query(`SELECT count(*) AS n FROM ${t.name}`)).rows[0].n);
    return out;
  } finally {
    await c.end();
  }
}

describe('vitlab store copy', () => {
  let url: string;
  let withSecret: string;

  it('copies a 1,000-run SQLite history into PostgreSQL: same counts, same runs through both stores', async () => {
    url = await h.cluster.createDatabase();
    withSecret = url.replace('postgres://vitlab@', `postgres://vitlab:${SECRET}@`);
    const source = sqliteCounts(sqlitePath);
    expect(source.runs).toBe(1000);
    expect(source.epochs).toBeGreaterThan(5000);
    expect(source.step_curves).toBe(source.epochs);
    expect(source.comparisons).toBe(1);
    expect(source.sweeps).toBeGreaterThan(5);

    const r = await cli('store', 'copy', sqlitePath, withSecret, '--batch', '300');
    expect(r.stderr).not.toContain(SECRET);
    expect(r.stdout).not.toContain(SECRET);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`store copy: ${sqlitePath} → ${url}`);
    expect(r.stderr).toMatch(/store copy: runs 1,000\/1,000; all [\d,]+\/[\d,]+ rows \(\d+%\), [\d,]+ new, ETA \d+s/);
    const total = Object.values(source).reduce((a, b) => a + b, 0);
    expect(r.stdout).toContain(`${total.toLocaleString('en-US')} new row(s) copied from ${sqlitePath} to ${url}`);
    expect(await pgCounts(url)).toEqual(source);

    const a: Store = await openStore(sqlitePath, { readonly: true });
    const b: Store = await openStore(url, { readonly: true });
    try {
      const ids = (await a.list({ sort: 'createdAt', dir: 'asc', limit: 1000 })).rows.map((x) => x.id);
      for (const id of ids.filter((_, i) => i % 37 === 0 || i >= 995)) {
        expect(await b.get(id)).toEqual(await a.get(id));
        expect(await b.steps(id)).toEqual(await a.steps(id));
      }
      // Listings agree too, ties included (rowid order was kept).
      for (const q of [{ sort: 'testAcc', dir: 'desc', limit: 100 }, { sort: 'depth', dir: 'asc', limit: 100, offset: 200 }, { search: 'ablation', limit: 20 }] as const) {
        expect(await b.list(q)).toEqual(await a.list(q));
      }
      expect((await b.listGroups({ limit: 30 })).total).toBe((await a.listGroups({ limit: 30 })).total);
      expect(await b.listSweeps()).toEqual(await a.listSweeps());
      expect(await b.listComparisons()).toEqual(await a.listComparisons());
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a second copy adds nothing', async () => {
    const before = await pgCounts(url);
    const r = await cli('store', 'copy', sqlitePath, withSecret);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`0 new row(s) copied from ${sqlitePath} to ${url}`);
    expect(await pgCounts(url)).toEqual(before);
  });

  it('copies back from PostgreSQL into a new SQLite file, losslessly', async () => {
    const back = join(dir, 'back.db');
    const r = await cli('store', 'copy', url, back);
    expect(r.code).toBe(0);
    expect(sqliteCounts(back)).toEqual(sqliteCounts(sqlitePath));
    const a = await openStore(sqlitePath, { readonly: true });
    const b = await openStore(back, { readonly: true });
    try {
      const q = { sort: 'finishedAt', dir: 'asc', limit: 300 } as const;
      expect(await b.list(q)).toEqual(await a.list(q));
      expect(await b.listGroups({ sort: 'testAcc', limit: 50 })).toEqual(await a.listGroups({ sort: 'testAcc', limit: 50 }));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses bad usage and unreachable stores with clear messages, no password', async () => {
    expect((await cli('store', 'copy', sqlitePath)).stderr).toContain('store copy takes SRC and DST, got 1 argument(s)');
    expect((await cli('store', 'move', 'a', 'b')).stderr).toContain('unknown subcommand "move" (known: copy)');
    const r = await cli('store', 'copy', join(dir, 'missing.db'), withSecret);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`no ViT Lab database at ${join(dir, 'missing.db')}`);
    const down = await cli('store', 'copy', sqlitePath, `postgres://vitlab:${SECRET}@127.0.0.1:1/x`);
    expect(down.code).not.toBe(0);
    expect(down.stderr).toContain('nothing accepts connections');
    expect(down.stderr).not.toContain(SECRET);
  });
});
