import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEnvironment } from '../../src-main/train/messages.js';
import { openDatabase, type DB } from '../../src-main/store/db.js';
import { RunStore } from '../../src-main/store/runs.js';
import { SEED_CONFIG } from '../../src-main/vit/config.js';

/**
 * The list query's paging default and range filters, on a real SQLite file with more runs than
 * one page. Expected rows come from the list of what the test inserted, not from the store.
 */
const ENV: RunEnvironment = {
  backend: 'wasm',
  versions: { node: '20.20.2', tfjs: '4.22.0' },
  machine: { platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'test cpu', memoryGiB: 8, hostname: 'box' },
};

const dir = mkdtempSync(join(tmpdir(), 'vitlab-store-query-'));
let db: DB;
let store: RunStore;
// 60 runs; run i has depth 1 + i % 6 and, unless i % 10 === 9 (never finished), accuracy 0.700 + i / 1000.
const inserted: { id: string; depth: number; acc: number | null }[] = [];

beforeAll(() => {
  db = openDatabase(join(dir, 'runs.db'));
  let t = Date.parse('2026-01-01T00:00:00Z');
  store = new RunStore(db, { now: () => new Date((t += 1000)) });
  for (let i = 0; i < 60; i++) {
    const depth = 1 + (i % 6);
    const id = store.createRun({ name: `run ${i}`, config: { ...SEED_CONFIG, depth, seed: i } });
    let acc: number | null = null;
    if (i % 10 !== 9) {
      acc = Math.round((0.7 + i / 1000) * 1000) / 1000;
      store.markStarted(id, ENV);
      store.addEpoch(id, { epoch: 1, trainLoss: 1, trainAcc: acc, testLoss: 1, testAcc: acc, seconds: 1, samplesPerSec: 100, lr: 1e-3 });
      store.finish(id, 'completed');
    }
    inserted.push({ id, depth, acc });
  }
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const sortedIds = (ids: string[]) => [...ids].sort();
const everyId = (query: Parameters<RunStore['list']>[0]) => sortedIds(store.list({ ...query, limit: 1000 }).rows.map((r) => r.id));

describe('list: paging', () => {
  it('a page holds 50 runs by default, newest first, and the total counts all 60', () => {
    const page = store.list();
    expect(page.total).toBe(60);
    expect(page.rows).toHaveLength(50);
    expect(page.rows.map((r) => r.id)).toEqual(inserted.slice(10).map((r) => r.id).reverse());
    expect(store.list({ offset: 50 }).rows.map((r) => r.id)).toEqual(inserted.slice(0, 10).map((r) => r.id).reverse());
  });

  it('a limit asks for that many, and limits outside 1..10000 are refused', () => {
    expect(store.list({ limit: 7 }).rows).toHaveLength(7);
    expect(store.list({ limit: 10_000 }).rows).toHaveLength(60);
    expect(() => store.list({ limit: 10_001 })).toThrow(/limit/);
    expect(() => store.list({ limit: 2.5 })).toThrow(/limit/);
    expect(() => store.list({ offset: -1 })).toThrow(/offset/);
  });
});

describe('list: range filters', () => {
  it('min keeps the runs at or above it (inclusive), and only those', () => {
    const expected = inserted.filter((r) => r.acc !== null && r.acc >= 0.73).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(20);
    expect(everyId({ filters: { testAcc: { min: 0.73 } } })).toEqual(sortedIds(expected));
    expect(store.list({ filters: { testAcc: { min: 0.73 } } }).total).toBe(expected.length);
  });

  it('max keeps the runs at or below it; min and max together keep the band', () => {
    const upTo = inserted.filter((r) => r.acc !== null && r.acc <= 0.715).map((r) => r.id);
    expect(upTo).toHaveLength(15);
    expect(everyId({ filters: { testAcc: { max: 0.715 } } })).toEqual(sortedIds(upTo));
    const band = inserted.filter((r) => r.acc !== null && r.acc >= 0.72 && r.acc <= 0.74).map((r) => r.id);
    expect(band).toHaveLength(19);
    expect(everyId({ filters: { testAcc: { min: 0.72, max: 0.74 } } })).toEqual(sortedIds(band));
  });

  it('ranges work on config columns and combine with value lists', () => {
    const deep = inserted.filter((r) => r.depth >= 4).map((r) => r.id);
    expect(deep).toHaveLength(30);
    expect(everyId({ filters: { depth: { min: 4 } } })).toEqual(sortedIds(deep));
    const mixed = inserted.filter((r) => (r.depth === 2 || r.depth === 5) && r.acc !== null && r.acc >= 0.73).map((r) => r.id);
    expect(everyId({ filters: { depth: [2, 5], testAcc: { min: 0.73 } } })).toEqual(sortedIds(mixed));
  });

  it('an empty range matches nothing; a range with neither bound is refused', () => {
    expect(store.list({ filters: { testAcc: { min: 0.8 } } })).toEqual({ total: 0, rows: [] });
    expect(store.list({ filters: { testAcc: { min: 0.75, max: 0.74 } } }).total).toBe(0);
    expect(() => store.list({ filters: { testAcc: {} } })).toThrow(/give min, max or a value/);
  });
});
