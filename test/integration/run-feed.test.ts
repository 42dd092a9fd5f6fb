import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../src-main/api/contract.js';
import { listenForRuns } from '../../src-main/api/run-feed.js';
import { openStore } from '../../src-main/store/open-store.js';
import { resolveConfig } from '../../src-main/vit/config.js';
import { until } from '../fixtures/wait.js';
import { startAgent } from '../helpers/agent.js';
import { usePostgres } from '../helpers/postgres.js';

/**
 * The live dashboard on PostgreSQL: a real agent process writes, serve's LISTEN feed (a dedicated
 * connection) turns the triggers' notifications into the dashboard's events, with no polling.
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-feed-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const pgHolder = usePostgres();

describe('LISTEN/NOTIFY feed', () => {
  it('announces a run changed by an agent in another process: status, each epoch, and agents coming and going', async () => {
    const url = await pgHolder.cluster.createDatabase();
    const store = await openStore(url, { staleMs: 1500 });
    const events: ApiEvent[] = [];
    const feed = await listenForRuns(url, store, (e) => events.push(e));
    try {
      const id = await store.createRun({ config: resolveConfig({ epochs: 2, limitTrain: 600, limitTest: 300 }, 'tiny') });
      await until('the new run announced', () => events.some((e) => e.type === 'runs/changed' && e.reason === 'created'));
      const agent = startAgent(url, 'feed', path.join(tmp, 'w'), { env: { VITLAB_HEARTBEAT_MS: '200' } });
      await until('the completion announced', () => events.some((e) => e.type === 'run/status' && e.runId === id && e.status === 'completed'));
      const statuses = events.flatMap((e) => (e.type === 'run/status' && e.runId === id ? [e.status] : []));
      expect(statuses).toEqual(['queued', 'running', 'completed']);
      const epochs = events.flatMap((e) => (e.type === 'run/epoch' && e.runId === id ? [e.metrics] : []));
      const stored = (await store.get(id)).epochs;
      expect(epochs.map((m) => [m.epoch, m.testAcc])).toEqual(stored.map((m) => [m.epoch, m.testAcc]));
      expect(events.some((e) => e.type === 'agents/changed')).toBe(true);
      agent.child.kill('SIGTERM');
      expect(await agent.exited).toBe(0);
      await until('the agent leaving announced', () => events.filter((e) => e.type === 'agents/changed').length >= 2);
    } finally {
      await feed.close();
      await store.close();
    }
  });

  it('a heartbeat alone is not announced; any other change of the row is', async () => {
    const url = await pgHolder.cluster.createDatabase();
    const store = await openStore(url, { staleMs: 1500 });
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    try {
      const config = resolveConfig({ epochs: 1 }, 'tiny');
      const a = await store.createRun({ config, name: 'a' });
      const b = await store.createRun({ config, name: 'b' });
      await store.claim(a);
      const got: string[] = [];
      listener.on('notification', (n) => got.push(n.payload ?? ''));
      await listener.query('LISTEN vitlab_runs');
      // Separate transactions in this order: notifications arrive in commit order.
      await store.heartbeat(a);
      await store.rename(b, 'b renamed');
      await until('a notification', () => got.length > 0);
      expect(got[0]).toBe(b);
    } finally {
      await listener.end();
      await store.close();
    }
  });
});
