/**
 * `vitlab serve --store postgres://…`: the real serve process over a shared PostgreSQL store
 * answers the dashboard's read requests from it; estimates answer for this machine from the runs
 * trained on it (its writes: serve-pg-writes.test.ts), and the password never reaches the output
 * or the API.
 */
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_CONFIG } from '../../src-main/vit/config.js';
import { openStore } from '../../src-main/store/open-store.js';
import { usePostgres } from '../helpers/postgres.js';
import { serveStore, type StoreServe } from '../helpers/serve-store.js';

const h = usePostgres();
const SECRET = 'Serve-Pw-9';
let served: StoreServe;
let url = '';
const ids: string[] = [];
let cmpId = '';
/** Completed runs with a machine: one trained here (by an agent on this host), one by a faster box elsewhere. */
const trained: Record<'here' | 'elsewhere', string> = { here: '', elsewhere: '' };
const ESTIMATE_CONFIG = { ...SEED_CONFIG, epochs: 2, depth: 2, limitTrain: 1000, limitTest: 500 };

beforeAll(async () => {
  url = await h.cluster.createDatabase();
  const store = await openStore(url);
  try {
    for (const seed of [1, 2, 3]) {
      const id = await store.createRun({ config: { ...SEED_CONFIG, epochs: 2, seed, depth: seed === 3 ? 2 : 4 }, name: `run ${seed}` });
      await store.claim(id);
      await store.addEpoch(id, { epoch: 1, trainLoss: 1, trainAcc: 0.5, testLoss: 0.9, testAcc: 0.6 + seed / 100, seconds: 1, samplesPerSec: 10, lr: 0.001 });
      await store.appendStep(id, { epoch: 1, at: 0.5, loss: 1.25, acc: 0.5 });
      await store.finish(id, 'completed');
      ids.push(id);
    }
    cmpId = (await store.saveComparison({ name: 'seeds', runIds: ids.slice(0, 2) })).id;
    const machine = { platform: 'linux', arch: 'x64', cpuModel: 'test', memoryGiB: 8 };
    for (const [where, hostname, cpus, samplesPerSec] of [
      ['here', os.hostname(), os.cpus().length, 400],
      ['elsewhere', 'gpu-box', 64, 40_000],
    ] as const) {
      const id = await store.createRun({ config: ESTIMATE_CONFIG, name: `trained ${where}` });
      await store.claim(id);
      await store.markStarted(id, { backend: 'wasm', versions: {}, machine: { ...machine, hostname, cpus } });
      for (const epoch of [1, 2]) await store.addEpoch(id, { epoch, trainLoss: 1, trainAcc: 0.5, testLoss: 1, testAcc: 0.5, seconds: 1000 / samplesPerSec + 0.5, samplesPerSec, lr: 0.001 });
      await store.finish(id, 'completed');
      trained[where] = id;
    }
  } finally {
    await store.close();
  }
  served = await serveStore(url.replace('postgres://vitlab@', `postgres://vitlab:${SECRET}@`));
});

afterAll(async () => {
  await served?.stop();
});

const api = (name: string, input: unknown) => served.api(name, input);

describe('serve on a PostgreSQL store', () => {
  it('lists, reads, groups, curves and comparisons from the shared store', async () => {
    const list = await api('runs/list', { sort: 'createdAt', dir: 'asc' });
    expect(list.ok).toBe(true);
    expect(list.result.total).toBe(5);
    expect(list.result.rows.map((r: { name: string }) => r.name)).toEqual(['run 1', 'run 2', 'run 3', 'trained here', 'trained elsewhere']);
    const run = await api('runs/get', { id: ids[2] });
    expect(run.result).toMatchObject({ id: ids[2], name: 'run 3', status: 'completed', testAcc: 0.63, epochsDone: 1 });
    const groups = await api('runs/groups', { sort: 'n', dir: 'desc' });
    expect(groups.result.groups.map((g: { n: number }) => g.n)).toEqual([2, 2, 1]);
    const steps = await api('runs/steps', { ids: [ids[0], 'r-none'] });
    expect(steps.result).toEqual({ [ids[0]]: { x: [0.5], loss: [1.25], acc: [0.5] } });
    const cmps = await api('comparisons/list', {});
    expect(cmps.result.map((c: { id: string; runIds: string[] }) => [c.id, c.runIds])).toEqual([[cmpId, ids.slice(0, 2)]]);
    const missing = await api('runs/get', { id: 'r-none' });
    expect(missing.error).toMatchObject({ code: 'not_found' });
  });

  it('names the store without its password', async () => {
    const info = await api('system/info', {});
    expect(info.result.dbPath).toBe(url);
    expect(info.result.concurrency).toBe(0);
    expect(served.stderr()).toContain(`store ${url} (shared: agents train its queue)`);
    expect(served.stderr() + served.stdout() + JSON.stringify(info)).not.toContain(SECRET);
  });

  it('estimates for this machine from the runs trained on it, saying so, since agents elsewhere train', async () => {
    const machine = { hostname: os.hostname(), cpus: os.cpus().length, trainsHere: false };
    const e = await api('runs/estimate', { config: ESTIMATE_CONFIG });
    expect(e.ok).toBe(true);
    expect(e.result).toMatchObject({ needsProbe: false, machine });
    // Only this machine's run counts: the 100× faster box elsewhere says nothing about this one.
    expect(e.result.estimate).toMatchObject({ backend: 'wasm', epochs: 2, basis: { kind: 'history', runIds: [trained.here] } });
    expect(e.result.estimate.trainSamplesPerSec).toBeCloseTo(400, 6);
    const stored = await api('runs/estimate-stored', { id: trained.elsewhere });
    expect(stored.result).toMatchObject({ machine, needsProbe: false });
    expect(stored.result.estimate.basis.runIds).toEqual([trained.here]);
    expect(stored.result.actualSeconds).not.toBeNull();
    const sweep = await api('sweeps/estimate', { base: ESTIMATE_CONFIG, grid: { seed: [1, 2] } });
    expect(sweep.result).toMatchObject({ machine, needsProbe: false, runs: [{ name: 'seed=1' }, { name: 'seed=2' }] });
    expect(sweep.result.totalSeconds).toBeCloseTo(2 * e.result.estimate.seconds, 6);
    expect(JSON.stringify([e, stored, sweep])).not.toContain(SECRET);
  });
});
