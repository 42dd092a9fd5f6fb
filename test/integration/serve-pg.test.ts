/**
 * `vitlab serve --store postgres://…`: the real serve process over a shared PostgreSQL store
 * answers the dashboard's read requests from it; estimates, which need a local supervisor, are
 * refused as unavailable (its writes: serve-pg-writes.test.ts), and the password never reaches
 * the output or the API.
 */
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
    expect(list.result.total).toBe(3);
    expect(list.result.rows.map((r: { name: string }) => r.name)).toEqual(['run 1', 'run 2', 'run 3']);
    const run = await api('runs/get', { id: ids[2] });
    expect(run.result).toMatchObject({ id: ids[2], name: 'run 3', status: 'completed', testAcc: 0.63, epochsDone: 1 });
    const groups = await api('runs/groups', { sort: 'n', dir: 'desc' });
    expect(groups.result.groups.map((g: { n: number }) => g.n)).toEqual([2, 1]);
    const steps = await api('runs/steps', { ids: [ids[0], 'r-none'] });
    expect(steps.result).toEqual({ [ids[0]]: { x: [0.5], loss: [1.25], acc: [0.5] } });
    const cmps = await api('comparisons/list', {});
    expect(cmps.result.map((c: { id: string; runIds: string[] }) => [c.id, c.runIds])).toEqual([[cmpId, ids.slice(0, 2)]]);
    const missing = await api('runs/get', { id: 'r-none' });
    expect(missing.error).toMatchObject({ code: 'not_found' });
  });

  it('names the store without its password; refuses estimates, which need a local supervisor', async () => {
    const info = await api('system/info', {});
    expect(info.result.dbPath).toBe(url);
    expect(info.result.concurrency).toBe(0);
    // Writes go to the store (serve-pg-writes.test.ts); an estimate measures this machine's own supervisor's runs.
    const estimate = await api('runs/estimate', { config: {} });
    expect(estimate.error?.code).toBe('unavailable');
    expect(estimate.error?.message).toContain(`this serve trains nothing (agents train the runs of its store ${url})`);
    expect(served.stderr()).toContain(`store ${url} (shared: agents train its queue)`);
    expect(served.stderr() + served.stdout() + JSON.stringify(info)).not.toContain(SECRET);
  });
});
