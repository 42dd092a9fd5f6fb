/**
 * The dashboard's writes on a shared PostgreSQL store: a real `vitlab serve --store postgres://…`
 * (no supervisor: it trains nothing) queues runs and sweeps, cancels, resumes, edits and deletes
 * through the store, and a real `vitlab agent` trains what it queued. Every process agrees on a
 * 200 ms heartbeat (VITLAB_HEARTBEAT_MS), so the agent notices a cancel within a heartbeat or two.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointBlobsOf } from '../../src-main/store/checkpoint-blobs.js';
import { openStore } from '../../src-main/store/open-store.js';
import type { Store } from '../../src-main/store/store.js';
import { resolveConfig, type RunConfig } from '../../src-main/vit/config.js';
import { sleep, until } from '../fixtures/wait.js';
import { startAgent, type AgentProcess } from '../helpers/agent.js';
import { usePostgres } from '../helpers/postgres.js';
import { serveStore, type StoreServe } from '../helpers/serve-store.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const h = usePostgres();
const HEARTBEAT_MS = 200;
const env = { VITLAB_HEARTBEAT_MS: String(HEARTBEAT_MS), VITLAB_STEP_POINTS: '2' };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-serve-pg-writes-'));
let served: StoreServe;
let url = '';
let store: Store;
let agent: AgentProcess | undefined;
let completedId = '';

const tiny = (over: Partial<RunConfig>): RunConfig => resolveConfig({ epochs: 2, limitTrain: 600, limitTest: 300, ...over }, 'tiny');

beforeAll(async () => {
  url = await h.cluster.createDatabase();
  store = await openStore(url, { staleMs: 7.5 * HEARTBEAT_MS });
  // Its own data folder: the checkpoints it unpacks from the store go there.
  served = await serveStore(url, { env: { ...env, VITLAB_HOME: path.join(dir, 'serve-home') } });
});

afterAll(async () => {
  if (agent && agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
  await agent?.exited;
  await served?.stop();
  await store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const api = (name: string, input: unknown) => served.api(name, input);

describe('serve on a PostgreSQL store writes through the store; agents train', () => {
  it('refuses a bad config as before; queues a sweep (all queued, none trained); cancels queued runs at once; edits and deletes', async () => {
    const bad = await api('runs/start', { config: { ...tiny({}), heads: 5 } });
    expect(bad.ok).toBe(false);
    expect(bad.error?.code).toBe('invalid_input');
    expect(bad.error?.message).toContain('heads');
    expect((await store.list()).total).toBe(0);

    const sweep = await api('sweeps/start', { base: tiny({}), grid: { depth: [1, 2], lr: [0.001, 0.002] }, name: 'from the dashboard' });
    expect(sweep.error).toBeUndefined();
    expect(sweep.result.runIds).toHaveLength(4);
    const detail = await store.getSweep(sweep.result.sweepId);
    expect(detail.name).toBe('from the dashboard');
    for (const id of sweep.result.runIds) expect(await store.getStatus(id)).toBe('queued');

    const [a, b, ...rest] = sweep.result.runIds as string[];
    const edited = await api('runs/update', { id: a, name: 'renamed', tags: ['dash'], notes: 'n' });
    expect(edited.error).toBeUndefined();
    expect(await store.get(a)).toMatchObject({ name: 'renamed', tags: ['dash'], notes: 'n' });

    for (const id of sweep.result.runIds) {
      const c = await api('runs/cancel', { id });
      expect(c.result).toEqual({ id, status: 'cancelled' });
      expect(await store.getStatus(id)).toBe('cancelled');
    }
    // Cancelled again: nothing to do, its status said.
    expect((await api('runs/cancel', { id: a })).result).toEqual({ id: a, status: 'cancelled' });

    const missing = await api('runs/delete', { ids: [b, 'r-none'] });
    expect(missing.error?.code).toBe('not_found');
    expect(await store.has(b)).toBe(true);
    const deleted = await api('runs/delete', { ids: [a, b] });
    expect(deleted.result).toEqual({ deleted: [a, b] });
    expect(await store.has(a)).toBe(false);
    expect((await store.list()).total).toBe(rest.length);

    const notResumable = await api('runs/resume', { id: 'r-none' });
    expect(notResumable.error?.code).toBe('not_found');
  });

  it('vitlab sweep --store --queue-only queues through the same shared queue (one transaction, default name)', async () => {
    const { stdout } = await run(process.execPath, [path.join(root, 'bin/vitlab.js'), 'sweep', '--store', url, '--preset', 'tiny', '--depth', '1,2', '--heads', '2,3', '--queue-only', '--json'], { env: { ...process.env, ...env } });
    const r = JSON.parse(stdout) as { sweepId: string; runIds: string[]; skipped: { values: { heads: number } }[] };
    expect(r.runIds).toHaveLength(2);
    expect(r.skipped.map((k) => k.values.heads)).toEqual([3, 3]);
    expect((await store.getSweep(r.sweepId)).name).toMatch(/^sweep \d{4}-\d\d-\d\dT\d\d:\d\d$/);
    for (const id of r.runIds) {
      expect(await store.getStatus(id)).toBe('queued');
      // Out of the way of the agent below.
      expect((await api('runs/cancel', { id })).result).toEqual({ id, status: 'cancelled' });
    }
  });

  it('runs/start queues a run; an agent claims and completes it', async () => {
    const started = await api('runs/start', { config: tiny({ seed: 3 }), name: 'api run' });
    expect(started.error).toBeUndefined();
    const id = started.result.id as string;
    expect(await store.getStatus(id)).toBe('queued');
    agent = startAgent(url, 'w1', path.join(dir, 'work-w1'), { env });
    const done = await until('the agent completing it', async () => {
      const r = await api('runs/get', { id });
      return r.result.status === 'completed' ? r.result : null;
    });
    expect(done).toMatchObject({ name: 'api run', agent: 'w1', epochsDone: 2 });
    completedId = id;
  });

  it("inspect/mistakes of the agent's run, its folder not on this machine: from the checkpoint in the store", async () => {
    const run = await store.get(completedId);
    expect(run.checkpointPath?.startsWith(path.join(dir, 'work-w1'))).toBe(true);
    // As if the agent were on another machine: its folder of the run is not here.
    fs.rmSync(path.join(dir, 'work-w1', completedId), { recursive: true, force: true });
    const r = await api('inspect/mistakes', { id: completedId, limit: 3 });
    expect(r.error).toBeUndefined();
    expect(r.result).toMatchObject({ classes: 10, matchesStored: true });
    expect(r.result.items.length).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(dir, 'serve-home', 'store-checkpoints', completedId, 'epoch-0002'))).toBe(true);
  });

  it('cancel of a running run: the agent stops its worker and writes nothing more; resume completes it from the stored checkpoint', async () => {
    const started = await api('runs/start', { config: tiny({ epochs: 20, seed: 5 }), name: 'to cancel' });
    const id = started.result.id as string;
    await until('a stored checkpoint', async () => (await checkpointBlobsOf(store).epochs(id)).length > 0);
    expect(await store.getStatus(id)).toBe('running');
    // Refused while it runs, as on SQLite: its agent would go on writing into rows that are gone.
    const del = await api('runs/delete', { ids: [id] });
    expect(del.error?.code).toBe('conflict');

    const cancelled = await api('runs/cancel', { id });
    expect(cancelled.result).toEqual({ id, status: 'cancelled' });
    const atCancel = (await store.get(id)).epochs.map((e) => e.epoch);
    expect(atCancel.length).toBeLessThan(20);
    await until('the agent stopping its worker', async () => agent!.log().includes(`run ${id}: cancelled in the store; stopping its worker`));
    // Long enough for another epoch of this tiny run and several heartbeats: none was written.
    await sleep(10 * HEARTBEAT_MS);
    const after = await store.get(id);
    expect(after.status).toBe('cancelled');
    expect(after.epochs.map((e) => e.epoch)).toEqual(atCancel);

    const stored = (await checkpointBlobsOf(store).latest(id, after.epochsDone))!.epoch;
    const resumed = await api('runs/resume', { id });
    expect(resumed.result).toEqual({ id });
    const done = await until('the resumed run completing', async () => ((await store.getStatus(id)) === 'completed' ? store.get(id) : null));
    expect(agent!.log()).toContain(`run ${id} (to cancel): resuming from the stored checkpoint of epoch ${stored}`);
    expect(done.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const again = await api('runs/resume', { id });
    expect(again.error?.code).toBe('conflict');
  });
});
