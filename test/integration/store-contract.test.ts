/**
 * The store's contract, run on both backends: a SQLite file (SqliteStore over RunStore) and a
 * PostgreSQL database on a throwaway cluster (PgStore). Expected values are written by hand; a
 * stepping clock makes every timestamp predictable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EpochMetrics, RunEnvironment } from '../../src-main/train/messages.js';
import { SEED_CONFIG, type RunConfig } from '../../src-main/vit/config.js';
import { NotFoundError, StoreError } from '../../src-main/store/errors.js';
import { STALE_REASON } from '../../src-main/store/liveness.js';
import { openStore } from '../../src-main/store/open-store.js';
import type { Store } from '../../src-main/store/store.js';
import { usePostgres } from '../helpers/postgres.js';

const pgHolder = usePostgres();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vitlab-contract-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const STALE_MS = 15_000;

/** A clock the test moves: `tick` ms per reading (so ids and created_at follow creation order), `jump` to pass time. */
class Clock {
  t = T0;
  readonly now = () => new Date((this.t += 1));
  jump(ms: number) {
    this.t += ms;
  }
  iso(offsetMs = 0) {
    return new Date(this.t + offsetMs).toISOString();
  }
}

let counter = 0;
interface Backend {
  name: 'sqlite' | 'postgres';
  /** A new empty store location. */
  location(): Promise<string>;
}
const BACKENDS: Backend[] = [
  { name: 'sqlite', location: async () => join(dir, `c${++counter}.db`) },
  { name: 'postgres', location: () => pgHolder.cluster.createDatabase() },
];

const ENV: RunEnvironment = {
  backend: 'wasm',
  versions: { node: '20.20.2', tfjs: '4.22.0' },
  machine: { platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'test cpu', memoryGiB: 8, hostname: 'box-a' },
};

const epoch = (n: number, testAcc: number): EpochMetrics => ({
  epoch: n,
  trainLoss: 2 / n,
  trainAcc: 0.5,
  testLoss: 1 / n,
  testAcc,
  seconds: 10,
  samplesPerSec: 100,
  lr: 0.001,
});

const cfg = (over: Partial<RunConfig> = {}): RunConfig => ({ ...SEED_CONFIG, epochs: 3, ...over });

describe.each(BACKENDS)('store contract on $name', (backend) => {
  let clock: Clock;
  let store: Store;
  let location: string;

  beforeEach(async () => {
    clock = new Clock();
    location = await backend.location();
    store = await openStore(location, { now: clock.now, staleMs: STALE_MS });
    return async () => {
      await store.close();
    };
  });

  it('says which backend it is, and where', () => {
    expect(store.kind).toBe(backend.name);
    expect(store.describe()).toBe(location);
  });

  it('a run from queued to completed: epochs upserted in any order, checkpoint, result', async () => {
    const id = await store.createRun({ config: cfg({ depth: 2 }), tags: [' a ', 'b', 'a'], notes: 'n1' });
    expect(id).toMatch(/^r[0-9a-z]{13}$/);
    expect(await store.getStatus(id)).toBe('queued');
    expect(await store.claim(id)).toBe(true);
    expect(await store.claim(id)).toBe(false);
    await store.markStarted(id, ENV);
    await store.addEpoch(id, epoch(1, 0.5));
    await store.addEpoch(id, epoch(3, 0.75));
    await store.addEpoch(id, epoch(2, 0.6));
    await store.addEpoch(id, { ...epoch(2, 0.625), lr: 0.0005 }); // replaces epoch 2
    let run = await store.get(id);
    expect(run.epochsDone).toBe(3);
    expect(run.testAcc).toBe(0.75);
    expect(run.epochs.map((e) => [e.epoch, e.testAcc, e.lr])).toEqual([
      [1, 0.5, 0.001],
      [2, 0.625, 0.0005],
      [3, 0.75, 0.001],
    ]);
    await store.addEpoch(id, { ...epoch(4, 0.8), trainLoss: NaN });
    expect((await store.get(id)).epochs[3].trainLoss).toBeNull();
    await store.addCheckpoint(id, 4, '/ckpt/e4.bin');
    await store.setResult(id, { testLoss: 0.5, correct: 3, total: 4, perClass: [{ correct: 1, total: 2 }, { correct: 2, total: 2 }], confusion: [[1, 1], [0, 2]] });
    await store.finish(id, 'completed');
    run = await store.get(id);
    expect(run).toMatchObject({
      status: 'completed',
      name: 'vit-L2-d64-h4-p4',
      tags: ['a', 'b'],
      notes: 'n1',
      testAcc: 0.75,
      testLoss: 0.5,
      backend: 'wasm',
      checkpointPath: '/ckpt/e4.bin',
      versions: { node: '20.20.2', tfjs: '4.22.0' },
      machine: { hostname: 'box-a', cpus: 2 },
      confusion: [[1, 1], [0, 2]],
      perClass: [
        { class: 0, correct: 1, total: 2, acc: 0.5 },
        { class: 1, correct: 2, total: 2, acc: 1 },
      ],
      artifacts: [{ kind: 'checkpoint', epoch: 4, path: '/ckpt/e4.bin' }],
      error: null,
    });
    expect(run.config.depth).toBe(2);
    expect(run.cost?.params.total).toBe(run.params);
    expect(run.startedAt).not.toBeNull();
    expect(run.finishedAt! >= run.startedAt!).toBe(true);
  });

  it('refuses transitions run-status.ts does not allow, naming the run and its status', async () => {
    const id = await store.createRun({ config: cfg() });
    await store.finish(id, 'cancelled');
    await expect(store.finish(id, 'completed')).rejects.toThrow(new StoreError(`run ${id} is cancelled; cannot mark it completed`, 'invalid-state'));
    await expect(store.markStarted(id, ENV)).rejects.toMatchObject({ code: 'invalid-state', kind: 'conflict' });
    await expect(store.finish(id, 'running' as never)).rejects.toMatchObject({ code: 'invalid-query' });
    await expect(store.claim('r-none')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.get('r-none')).rejects.toMatchObject({ code: 'not-found', kind: 'not_found', message: 'no run with id "r-none"' });
    await expect(store.addEpoch(id, epoch(0, 0.5))).rejects.toMatchObject({ code: 'invalid-query' });
    await expect(store.createRun({ config: cfg(), sweepId: 's-none' })).rejects.toMatchObject({ code: 'not-found' });
    await expect(store.rename(id, '  ')).rejects.toMatchObject({ code: 'invalid-query' });
    await expect(store.setPriority(id, 1.5)).rejects.toMatchObject({ code: 'invalid-query' });
    expect(await store.heartbeat(id)).toBe(false);
  });

  it('heartbeat rule: silent past the grace → shown interrupted, listed stale, settled with the last heartbeat as end', async () => {
    const id = await store.createRun({ config: cfg() });
    await store.claim(id);
    clock.jump(10_000);
    expect(await store.heartbeat(id)).toBe(true);
    const lastBeat = clock.iso();
    clock.jump(STALE_MS - 1000);
    expect(await store.getStatus(id)).toBe('running');
    expect(await store.listStale()).toEqual([]);
    clock.jump(2000);
    expect(await store.getStatus(id)).toBe('interrupted');
    expect(await store.storedStatus(id)).toBe('running');
    expect(await store.listStale()).toEqual([id]);
    const shown = (await store.list({ status: 'interrupted' })).rows;
    expect(shown.map((r) => [r.id, r.error, r.finishedAt])).toEqual([[id, STALE_REASON, lastBeat]]);
    expect((await store.list({ status: 'running' })).total).toBe(0);
    expect(await store.settleStale([id, 'r-none'])).toEqual([id]);
    expect(await store.storedStatus(id)).toBe('interrupted');
    expect((await store.get(id)).finishedAt).toBe(lastBeat);
    expect(await store.settleStale([id])).toEqual([]);
  });

  it('markInterrupted changes only running runs', async () => {
    const a = await store.createRun({ config: cfg() });
    const b = await store.createRun({ config: cfg() });
    await store.claim(a);
    expect(await store.markInterrupted([a, b], 'worker gone')).toEqual([a]);
    expect(await store.get(a)).toMatchObject({ status: 'interrupted', error: 'worker gone' });
    expect(await store.getStatus(b)).toBe('queued');
  });

  it('requeue keeping N epochs drops later epochs, their step points and the final result', async () => {
    const id = await store.createRun({ config: cfg() });
    await store.claim(id);
    for (const n of [1, 2, 3]) {
      await store.addEpoch(id, epoch(n, 0.5 + n / 10));
      await store.appendStep(id, { epoch: n, at: 0.5, loss: 1 / n, acc: 0.25 });
      await store.appendStep(id, { epoch: n, at: 1, loss: 0.5 / n, acc: 0.5 });
    }
    await store.setResult(id, { testLoss: 1, correct: 1, total: 2, perClass: [{ correct: 1, total: 2 }], confusion: [[1]] });
    await store.finish(id, 'failed', 'boom');
    expect((await store.steps(id)).x).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
    await store.requeue(id, { keepEpochs: 1 });
    const run = await store.get(id);
    expect(run).toMatchObject({ status: 'queued', error: null, finishedAt: null, heartbeatAt: null, epochsDone: 1, testAcc: 0.6, perClass: [], confusion: null });
    expect(run.epochs.map((e) => e.epoch)).toEqual([1]);
    expect(await store.steps(id)).toEqual({ x: [0.5, 1], loss: [1, 0.5], acc: [0.25, 0.5] });
    await expect(store.requeue(id)).rejects.toMatchObject({ code: 'invalid-state' });
    await expect(store.appendStep(id, { epoch: 0, at: 0, loss: 1, acc: 1 })).rejects.toThrow(RangeError);
  });

  it('delete returns the files, drops the run from comparisons, refuses a running run', async () => {
    const a = await store.createRun({ config: cfg() });
    const b = await store.createRun({ config: cfg() });
    await store.claim(a);
    await store.addCheckpoint(a, 1, '/c/a1');
    await store.addArtifact(a, 'report', '/r/a.html');
    const cmp = await store.saveComparison({ name: 'pair', runIds: [a, b], baselineRunId: a });
    await expect(store.delete(a)).rejects.toMatchObject({ code: 'invalid-state', message: `run ${a} is running; cannot delete it (cancel it first)` });
    await store.finish(a, 'cancelled');
    expect(await store.delete(a)).toEqual({ id: a, paths: ['/c/a1', '/r/a.html'] });
    expect(await store.has(a)).toBe(false);
    await expect(store.get(a)).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.getComparison(cmp.id)).toMatchObject({ runIds: [b], baselineRunId: null });
    await expect(store.delete(a)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('lists with filters (value, list, min/max), search, status, ids, sort with NULLs last, and pages', async () => {
    const ids: Record<string, string> = {};
    const make = async (key: string, over: Partial<RunConfig>, name: string, tags: string[], acc: number | null) => {
      const id = await store.createRun({ config: cfg(over), name, tags });
      ids[key] = id;
      if (acc !== null) {
        await store.claim(id);
        await store.addEpoch(id, epoch(1, acc));
        await store.finish(id, 'completed');
      }
    };
    await make('a', { depth: 1, lr: 0.01 }, 'Alpha', ['base'], 0.7);
    await make('b', { depth: 2, lr: 0.001 }, 'beta', ['wide', 'Base'], 0.9);
    await make('c', { depth: 4, lr: 0.001 }, 'gamma', [], 0.8);
    await make('d', { depth: 6, lr: 0.0001 }, 'delta_x', ['x'], null);
    await make('e', { depth: 2, lr: 0.01 }, 'EPSILON', [], null);
    const names = async (q: Parameters<Store['list']>[0]) => (await store.list(q)).rows.map((r) => r.name);

    expect(await names({})).toEqual(['EPSILON', 'delta_x', 'gamma', 'beta', 'Alpha']);
    expect(await names({ sort: 'createdAt', dir: 'asc' })).toEqual(['Alpha', 'beta', 'gamma', 'delta_x', 'EPSILON']);
    expect(await names({ sort: 'testAcc', dir: 'desc' })).toEqual(['beta', 'gamma', 'Alpha', 'EPSILON', 'delta_x']);
    expect(await names({ sort: 'testAcc', dir: 'asc' })).toEqual(['Alpha', 'gamma', 'beta', 'delta_x', 'EPSILON']);
    expect(await names({ sort: 'name', dir: 'asc' })).toEqual(['Alpha', 'beta', 'delta_x', 'EPSILON', 'gamma']);
    expect(await names({ filters: { depth: 2 }, sort: 'createdAt', dir: 'asc' })).toEqual(['beta', 'EPSILON']);
    expect(await names({ filters: { depth: [1, 6] }, sort: 'createdAt', dir: 'asc' })).toEqual(['Alpha', 'delta_x']);
    expect(await names({ filters: { depth: { min: 2, max: 4 } }, sort: 'createdAt', dir: 'asc' })).toEqual(['beta', 'gamma', 'EPSILON']);
    expect(await names({ filters: { lr: { max: 0.001 } }, sort: 'createdAt', dir: 'asc' })).toEqual(['beta', 'gamma', 'delta_x']);
    expect(await names({ filters: { testAcc: { min: 0.75 } }, sort: 'createdAt', dir: 'asc' })).toEqual(['beta', 'gamma']);
    expect(await names({ filters: { test_acc: { min: 0.75 } } as never, sort: 'createdAt', dir: 'asc' })).toEqual(['beta', 'gamma']);
    expect(await names({ search: 'BASE', sort: 'createdAt', dir: 'asc' })).toEqual(['Alpha', 'beta']);
    expect(await names({ search: 'epsi' })).toEqual(['EPSILON']);
    expect(await names({ search: '_x' })).toEqual(['delta_x']); // _ is literal, not a wildcard
    expect(await names({ search: ids.c.slice(0, 12), sort: 'createdAt', dir: 'asc' })).toContain('gamma');
    expect(await names({ status: 'queued', sort: 'createdAt', dir: 'asc' })).toEqual(['delta_x', 'EPSILON']);
    expect(await names({ status: ['completed'], filters: { depth: { min: 2 } }, sort: 'createdAt', dir: 'asc' })).toEqual(['beta', 'gamma']);
    expect(await names({ ids: [ids.e, ids.a], sort: 'createdAt', dir: 'asc' })).toEqual(['Alpha', 'EPSILON']);
    expect(await store.list({ ids: [] })).toEqual({ total: 0, rows: [] });
    expect(await store.list({ status: [] })).toEqual({ total: 0, rows: [] });

    const page = await store.list({ sort: 'createdAt', dir: 'asc', limit: 2, offset: 2 });
    expect(page.total).toBe(5);
    expect(page.rows.map((r) => r.name)).toEqual(['gamma', 'delta_x']);
    expect((await store.list({ limit: 2, offset: 10 })).rows).toEqual([]);

    await expect(store.list({ sort: 'nope' as never })).rejects.toMatchObject({ code: 'invalid-query' });
    await expect(store.list({ dir: 'up' as never })).rejects.toMatchObject({ code: 'invalid-query' });
    await expect(store.list({ limit: 0 })).rejects.toMatchObject({ code: 'invalid-query' });
    await expect(store.list({ status: 'lost' as never })).rejects.toMatchObject({ code: 'invalid-query' });
    await expect(store.list({ filters: { bogus: 1 } as never })).rejects.toMatchObject({ code: 'invalid-query' });
  });

  it('groups runs that differ only in their seed, with figures over completed runs', async () => {
    const done = async (over: Partial<RunConfig>, acc: number) => {
      const id = await store.createRun({ config: cfg(over) });
      await store.claim(id);
      await store.addEpoch(id, epoch(1, acc));
      await store.finish(id, 'completed');
      return id;
    };
    const a1 = await done({ depth: 2, seed: 1 }, 0.5);
    const a2 = await done({ depth: 2, seed: 2 }, 0.7);
    const a3 = await store.createRun({ config: cfg({ depth: 2, seed: 3 }) });
    const b1 = await done({ depth: 3, seed: 1 }, 0.9);
    const res = await store.listGroups({ sort: 'testAcc', dir: 'desc' });
    expect(res.total).toBe(2);
    expect(res.groups.map((g) => [g.config.depth, g.n, g.runIds, g.seeds])).toEqual([
      [3, 1, [b1], [1]],
      [2, 3, [a3, a2, a1], [3, 2, 1]],
    ]);
    // The group's config is its newest run's, on both engines (not whichever row each picks).
    expect(res.groups[1].config.seed).toBe(3);
    expect(res.groups[1].testAcc).toMatchObject({ n: 2, mean: 0.6, min: 0.5, max: 0.7 });
    expect(res.groups[1].testAcc!.std).toBeCloseTo(Math.SQRT2 / 10, 12);
    expect((await store.listGroups({ having: { n: { min: 2 } } })).groups.map((g) => g.n)).toEqual([3]);
    expect((await store.listGroups({ filters: { seed: 1 } })).total).toBe(2);
    expect((await store.listGroups({ limit: 1, offset: 1, sort: 'testAcc', dir: 'asc' })).groups.map((g) => g.config.depth)).toEqual([3]);
  });

  it('sweeps: runs in queue order, counts by status, newest sweep first', async () => {
    const s1 = await store.createSweep({ name: 'first', grid: { depth: [1, 2] }, base: cfg() });
    const s2 = await store.createSweep({ grid: { lr: [0.1] } });
    const r1 = await store.createRun({ config: cfg({ depth: 1 }), sweepId: s1 });
    const r2 = await store.createRun({ config: cfg({ depth: 2 }), sweepId: s1 });
    await store.finish(r2, 'cancelled');
    const sweep = await store.getSweep(s1);
    expect(sweep).toMatchObject({ id: s1, name: 'first', grid: { depth: [1, 2] }, runIds: [r1, r2] });
    expect(sweep.base?.epochs).toBe(3);
    expect(sweep.counts).toEqual({ queued: 1, running: 0, completed: 0, failed: 0, cancelled: 1, interrupted: 0 });
    expect((await store.listSweeps()).map((s) => s.id)).toEqual([s2, s1]);
    expect((await store.listSweeps())[0].name).toMatch(/^sweep 2026-03-01 00:00$/);
    expect((await store.list({ sweepId: s1 })).total).toBe(2);
    await expect(store.getSweep('s-none')).rejects.toMatchObject({ code: 'not-found', message: 'no sweep with id "s-none"' });
  });

  it('comparisons: unique names, baseline among the runs, update, delete', async () => {
    const a = await store.createRun({ config: cfg() });
    const b = await store.createRun({ config: cfg() });
    const c1 = await store.saveComparison({ name: ' one ', runIds: [a, b, a], settings: { metric: 'acc' } });
    expect(c1).toMatchObject({ name: 'one', runIds: [a, b], baselineRunId: null, settings: { metric: 'acc' } });
    await expect(store.saveComparison({ name: 'one', runIds: [a] })).rejects.toMatchObject({ code: 'conflict' });
    await expect(store.saveComparison({ name: 'two', runIds: [a], baselineRunId: b })).rejects.toMatchObject({ code: 'invalid-query' });
    await expect(store.saveComparison({ name: 'two', runIds: ['r-none'] })).rejects.toMatchObject({ code: 'not-found' });
    const c2 = await store.saveComparison({ name: 'two', runIds: [b] });
    const c1b = await store.saveComparison({ id: c1.id, name: 'one', runIds: [b], baselineRunId: b });
    expect(c1b).toMatchObject({ id: c1.id, runIds: [b], baselineRunId: b, createdAt: c1.createdAt });
    expect(c1b.updatedAt > c1.updatedAt).toBe(true);
    expect((await store.listComparisons()).map((c) => c.name)).toEqual(['one', 'two']);
    await store.deleteComparison(c2.id);
    await expect(store.deleteComparison(c2.id)).rejects.toMatchObject({ code: 'not-found' });
    await expect(store.saveComparison({ id: 'c-none', name: 'x', runIds: [] })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('edits: update, rename, notes, tags, priority and the queue order', async () => {
    const a = await store.createRun({ config: cfg() });
    const b = await store.createRun({ config: cfg() });
    const c = await store.createRun({ config: cfg() });
    await store.setPriority(c, 5);
    expect((await store.listQueued()).map((r) => r.id)).toEqual([c, a, b]);
    await store.update(a, { name: ' renamed ', notes: 'why', tags: ['t', 't', ' '] });
    expect(await store.get(a)).toMatchObject({ name: 'renamed', notes: 'why', tags: ['t'] });
    expect(await store.setTags(b, ['x', 'y'])).toEqual(['x', 'y']);
    await expect(store.update('r-none', { name: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    await store.claim(a);
    expect((await store.listRunning()).map((r) => r.id)).toEqual([a]);
  });

  it('a transaction lands whole or not at all', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.createRun({ config: cfg(), name: 'ghost' });
        throw new Error('stop');
      }),
    ).rejects.toThrow('stop');
    expect((await store.list({ search: 'ghost' })).total).toBe(0);
    const id = await store.transaction(async (tx) => {
      const r = await tx.createRun({ config: cfg(), name: 'kept' });
      await tx.claim(r);
      return r;
    });
    expect(await store.getStatus(id)).toBe('running');
  });

  it('claimNext: queue order, filters, null when nothing matches', async () => {
    const s = await store.createSweep({ grid: {} });
    const small = await store.createRun({ config: cfg({ dim: 32, heads: 2, mlp: 64 }) });
    const big = await store.createRun({ config: cfg({ dim: 128, mlp: 512 }), priority: 2 });
    const inSweep = await store.createRun({ config: cfg({ backend: 'cpu' }), sweepId: s });
    const bigParams = (await store.get(big)).params;
    expect((await store.claimNext({ maxParams: bigParams - 1, sweepId: s }))?.id).toBe(inSweep);
    expect(await store.claimNext({ sweepId: s })).toBeNull();
    expect(await store.claimNext({ backends: ['cpu'] })).toBeNull();
    const first = await store.claimNext();
    expect(first).toMatchObject({ id: big, status: 'running' });
    expect(first!.startedAt).not.toBeNull();
    expect((await store.claimNext({ backends: ['auto'] }))?.id).toBe(small);
    expect(await store.claimNext()).toBeNull();
  });

  it('two stores on one database claiming at once never get the same run', async () => {
    const n = 24;
    for (let i = 0; i < n; i++) await store.createRun({ config: cfg({ seed: i }) });
    const other = await openStore(location, { now: clock.now, staleMs: STALE_MS });
    try {
      const drain = async (s: Store) => {
        const got: string[] = [];
        for (let r = await s.claimNext(); r; r = await s.claimNext()) got.push(r.id);
        return got;
      };
      // Two claimers per store: on PostgreSQL four connections from two pools race for the rows.
      const results = await Promise.all([drain(store), drain(other), drain(store), drain(other)]);
      const all = results.flat();
      expect(all.length).toBe(n);
      expect(new Set(all).size).toBe(n);
      expect((await store.list({ status: 'running', limit: 100 })).total).toBe(n);
    } finally {
      await other.close();
    }
  });
});
