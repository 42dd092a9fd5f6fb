import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src-main/store/open-store.js';
import { resolveConfig } from '../../src-main/vit/config.js';
import { startAgent } from '../helpers/agent.js';
import { usePostgres } from '../helpers/postgres.js';
import { go, shot } from './flows.js';
import { openDashboard } from './serve.js';

/**
 * One live dashboard over a shared PostgreSQL store: `vitlab serve` on the store (it trains
 * nothing itself) and a `vitlab agent` process training a run of it. The runs table does not poll:
 * the run's status reaches the open page only through the agent's writes → NOTIFY → serve's
 * LISTEN → WebSocket. The page is never reloaded (a marker set on window survives).
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-e2e-agents-pg-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const pgHolder = usePostgres();

describe('live dashboard on PostgreSQL', () => {
  it('shows an agent’s run go from queued to running to completed without reloading, with the agent named', async () => {
    const url = await pgHolder.cluster.createDatabase();
    const store = await openStore(url);
    const id = await store.createRun({ config: resolveConfig({ epochs: 3, limitTrain: 600, limitTest: 200 }, 'tiny'), name: 'pushed' });
    const dash = await openDashboard(url);
    const agent = startAgent(url, 'lab-pc-2', path.join(tmp, 'w'));
    try {
      const { page } = dash;
      await go(page, '#/runs');
      const row = page.locator(`[data-testid="run-row"][data-run-id="${id}"]`);
      await expect.poll(() => row.getAttribute('data-status'), { timeout: 60_000 }).toMatch(/queued|running/);
      await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
      const seen = new Set<string>();
      await expect
        .poll(
          async () => {
            seen.add((await row.getAttribute('data-status')) ?? '');
            return [...seen].includes('completed');
          },
          { timeout: 240_000, interval: 100 },
        )
        .toBe(true);
      expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
      await expect.poll(() => row.textContent(), { timeout: 30_000 }).toContain('lab-pc-2');
      await shot(page, 'agents-pg-runs');
      await go(page, '#/live');
      await expect.poll(() => page.locator('[data-testid="agent-row"][data-agent="lab-pc-2"]').getAttribute('data-alive'), { timeout: 30_000 }).toBe('true');
      expect(dash.pageErrors).toEqual([]);
    } finally {
      agent.child.kill('SIGTERM');
      await agent.exited;
      await dash.close();
      await store.close();
    }
  });
});
