import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupKey, groupRuns } from '../../src-shared/groups.js';
import { sampleStd, mean } from '../../src-shared/stats.js';
import { openDatabase, type DB } from '../../src-main/store/db.js';
import { RunStore } from '../../src-main/store/runs.js';
import { PRESETS, type RunConfig } from '../../src-main/vit/config.js';

const TINY = PRESETS.tiny!.config;
let dir: string;
let db: DB;
let store: RunStore;
let clock = Date.parse('2026-01-01T00:00:00Z');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vitlab-groups-'));
  db = openDatabase(join(dir, 'g.db'));
  store = new RunStore(db, { now: () => new Date((clock += 1000)) });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A run that completed with this accuracy (a real row through the store's own writes). */
function completed(config: RunConfig, acc: number, loss = 1 - acc): string {
  const id = store.createRun({ config });
  store.claim(id);
  const total = 1000;
  const correct = Math.round(acc * total);
  store.setResult(id, { testLoss: loss, correct, total, perClass: [{ correct, total }], confusion: [[correct]] });
  store.finish(id, 'completed');
  return id;
}

describe('runs grouped by config without the seed', () => {
  it('n, mean ± std and min–max of the stored accuracies; separately launched runs join the group', () => {
    const a = [0.812, 0.826, 0.804].map((acc, seed) => completed({ ...TINY, seed }, acc));
    // A second group, which must not mix into the first.
    [0.78, 0.79].forEach((acc, seed) => completed({ ...TINY, depth: 2, seed }, acc));
    // Later, on its own: the same config with another seed joins group a.
    a.push(completed({ ...TINY, seed: 9 }, 0.818));
    const queued = store.createRun({ config: { ...TINY, seed: 11 } });

    const r = store.listGroups({ sort: 'testAcc' });
    expect(r.total).toBe(2);
    const [ga, gb] = r.groups;
    expect(ga!.key).toBe(groupKey(TINY));
    expect(new Set(ga!.runIds)).toEqual(new Set([...a, queued]));
    expect(ga!.n).toBe(5);
    expect(ga!.seeds.sort((x, y) => x - y)).toEqual([0, 1, 2, 9, 11]);
    // The queued run counts in n but not in the accuracy figures.
    const accs = [0.812, 0.826, 0.804, 0.818];
    expect(ga!.testAcc).toMatchObject({ n: 4, min: 0.804, max: 0.826 });
    expect(ga!.testAcc!.mean).toBeCloseTo(mean(accs), 14);
    expect(ga!.testAcc!.std).toBeCloseTo(sampleStd(accs), 14);
    expect(ga!.testAcc!.mean).toBeCloseTo(0.815, 12);
    expect(gb!.n).toBe(2);
    expect(gb!.testAcc!.std).toBeCloseTo(Math.abs(0.78 - 0.79) / Math.SQRT2, 12);
    expect(gb!.config.depth).toBe(2);
  });

  it('sorts and filters on the group figures, and SQL agrees with the shared statistics', () => {
    const spreads = [0.001, 0.02, 0.005, 0.01];
    spreads.forEach((s, i) => [0.8 - s, 0.8, 0.8 + s].forEach((acc, seed) => completed({ ...TINY, dim: 16 * (i + 1), seed }, acc)));
    const byStd = store.listGroups({ sort: 'testAccStd', dir: 'asc' }).groups;
    const stds = byStd.map((g) => g.testAcc!.std!);
    expect(stds).toEqual([...stds].sort((x, y) => x - y));
    expect(byStd.map((g) => g.config.dim)).toEqual([16, 48, 64, 32]);
    // having: std at most 0.006 keeps the two tightest groups.
    const tight = store.listGroups({ having: { testAccStd: { max: 0.006 } } });
    expect(tight.total).toBe(2);
    expect(tight.groups.map((g) => g.config.dim).sort()).toEqual([16, 48]);
    expect(store.listGroups({ having: { n: { min: 4 } } }).total).toBe(0);
    // Run filters apply first: only dim ≥ 48 runs are grouped.
    expect(store.listGroups({ filters: { dim: { min: 48 } } }).total).toBe(2);
    // Pages neither repeat nor skip.
    const paged = [0, 1, 2, 3].flatMap((offset) => store.listGroups({ sort: 'testAcc', limit: 1, offset }).groups.map((g) => g.key));
    expect(new Set(paged).size).toBe(4);
  });

  it('refuses unknown fields with a message', () => {
    expect(() => store.listGroups({ sort: 'bogus' as never })).toThrow(/unknown group sort field "bogus"/);
    expect(() => store.listGroups({ having: { bogus: { min: 1 } } as never })).toThrow(/unknown group filter "bogus"/);
    expect(() => store.listGroups({ having: { n: {} } })).toThrow(/give min or max/);
  });

  it('a field outside the columns (limitTrain) still splits groups', () => {
    completed({ ...TINY, limitTrain: 100 }, 0.5);
    completed({ ...TINY, limitTrain: 200 }, 0.6);
    expect(store.listGroups().total).toBe(2);
  });

  it('the SQL groups are exactly the shared groupRuns() partition, whatever the stored field order', () => {
    const configs: RunConfig[] = [];
    for (const depth of [1, 2]) for (const lr of [0.001, 0.0003]) for (const backend of ['auto', 'cpu'] as const) for (const seed of [0, 1]) configs.push({ ...TINY, depth, lr, backend, seed });
    const ids = configs.map((c, i) => completed(c, 0.5 + i / 100));
    // A config JSON written with its fields in another order (an older writer) joins the same group.
    const reversed = JSON.stringify(Object.fromEntries(Object.entries(configs[0]!).reverse()));
    db.prepare('UPDATE runs SET config_json = ? WHERE id = ?').run(reversed, ids[0]);
    const sql = store.listGroups({ limit: 100 }).groups.map((g) => [...g.runIds].sort());
    const shared = groupRuns(ids.map((id, i) => ({ id, config: configs[i]! }))).map((g) => g.runs.map((r) => r.id).sort());
    expect(sql.sort()).toEqual(shared.sort());
    expect(sql).toHaveLength(8);
  });
});
