import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src-main/store/open-store.js';
import { resolveConfig } from '../../src-main/vit/config.js';
import { until } from '../fixtures/wait.js';
import { startAgent } from '../helpers/agent.js';
import { go, shot } from './flows.js';
import { openDashboard } from './serve.js';

/**
 * The agents panel and the agent column, in Debian's Chromium against a real `vitlab serve`,
 * while a real `vitlab agent` process trains a run of the same store (a SQLite file here: the
 * panel reads agents/list whatever the backend).
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-e2e-agents-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('agents in the dashboard', () => {
  it('shows the live agent and its run, the agent in the runs table and the detail, and the agent gone after SIGTERM', async () => {
    const dbPath = path.join(tmp, 'e2e.db');
    const store = await openStore(dbPath);
    // Queued before serve starts and claimed by the agent first, so that serve's own queue does not take it.
    const id = await store.createRun({ config: resolveConfig({ epochs: 1000, limitTrain: 600, limitTest: 200 }, 'tiny'), name: 'agent-trained' });
    const { child: agent, exited } = startAgent(dbPath, 'lab-pc-1', path.join(tmp, 'w'));
    await until('the agent training the run', async () => {
      const r = await store.get(id);
      return r.status === 'running' && r.agent === 'lab-pc-1';
    });
    const dash = await openDashboard(dbPath);
    try {
      const { page } = dash;
      await go(page, '#/live');
      const row = page.locator('[data-testid="agent-row"][data-agent="lab-pc-1"]');
      await expect.poll(() => row.getAttribute('data-alive'), { timeout: 30_000 }).toBe('true');
      await expect.poll(() => row.textContent(), { timeout: 30_000 }).toContain('agent-trained');
      // Still its run (1000 epochs: it does not finish while the page looks).
      expect((await store.get(id)).status).toBe('running');
      await shot(page, 'agents-panel');

      await go(page, '#/runs');
      const runRow = page.locator(`[data-testid="run-row"][data-run-id="${id}"]`);
      await expect.poll(() => runRow.textContent(), { timeout: 30_000 }).toContain('lab-pc-1');
      await go(page, `#/run/${id}`);
      await expect.poll(() => page.getByTestId('detail-agent').textContent(), { timeout: 30_000 }).toBe('lab-pc-1');

      agent.kill('SIGTERM');
      expect(await exited).toBe(0);
      await go(page, '#/live');
      // Deregistered: the panel (refreshed every few seconds) no longer lists it.
      await expect.poll(() => page.locator('[data-testid="agent-row"]').count(), { timeout: 30_000 }).toBe(0);
      expect((await store.get(id)).status).toBe('interrupted');
      expect(dash.pageErrors).toEqual([]);
    } finally {
      if (agent.exitCode === null) agent.kill('SIGKILL');
      await dash.close();
      await store.close();
    }
  });
});
