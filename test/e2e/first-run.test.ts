import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDashboard } from './serve.js';
import { go, shot } from './flows.js';

/**
 * The first ten minutes, in Debian's Chromium against a real `vitlab serve` on an empty database:
 * the first-run screen (data set found, expected times measured by a real probe), and its demo
 * button leading to a real completed run.
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-first-run-'));
let dash: Awaited<ReturnType<typeof openDashboard>>;
let page: Page;
let pageErrors: string[] = [];

beforeAll(async () => {
  dash = await openDashboard(path.join(tmp, 'first.db'));
  ({ page, pageErrors } = dash);
}, 300_000);

afterAll(async () => {
  await dash?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('first run in Chromium against vitlab serve, empty database', () => {
  it('shows what ViT Lab is, where the data set is, and both first runs with their expected time', async () => {
    const screen = page.getByTestId('first-run');
    await screen.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('runs-table').isVisible()).toBe(false);
    const data = page.getByTestId('first-run-data');
    await expect.poll(() => data.getAttribute('data-state'), { timeout: 30_000 }).toBe('found');
    expect(await data.textContent()).toMatch(/Fashion-MNIST found in \S*fashion-mnist/);
    // Expected times come from real probes (nothing has run on this machine's fresh database).
    const seed = page.getByTestId('first-run-seed-estimate');
    const demo = page.getByTestId('first-run-demo-estimate');
    await expect.poll(() => demo.textContent(), { timeout: 240_000, interval: 500 }).toMatch(/Expected: ≈ \S+.* on this machine \(\w+, [\d,]+ samples\/s, from a short probe/);
    await expect.poll(() => seed.textContent(), { timeout: 240_000, interval: 500 }).toMatch(/Expected: ≈ \S+.* on this machine .*training memory ≈ \d+ MB/);
    console.log(`first-run estimates: seed "${(await seed.textContent())?.trim()}"; demo "${(await demo.textContent())?.trim()}"`);
    await shot(page, 'chromium-first-run');
  }, 600_000);

  it('the demo button starts a real run that completes', async () => {
    await page.getByTestId('first-run-demo-start').click();
    await page.getByTestId('live-card').first().waitFor({ timeout: 60_000 });
    await go(page, '#/runs');
    const row = page.getByTestId('run-row').filter({ hasText: 'demo: tiny ViT' });
    await expect.poll(async () => (await row.getByTestId('run-status-cell').textContent())?.trim(), { timeout: 300_000, interval: 1000 }).toBe('completed');
    // With a run stored, the table is back and the first-run screen is gone.
    expect(await page.getByTestId('first-run').count()).toBe(0);
    await shot(page, 'chromium-first-run-demo-completed');

    // Its detail: the estimate it had before it started (the demo's probe) beside the actual time.
    await row.getByTestId('run-link').click();
    const vs = page.getByTestId('estimate-vs-actual');
    await expect.poll(() => vs.textContent(), { timeout: 20_000 }).toMatch(/estimated ≈ \S+.* before it started, took \S+.* \([+−]\d+ %\)/);
    console.log(`demo run: ${(await vs.textContent())?.replace(/\s+/g, ' ').trim()}`);
    await shot(page, 'chromium-first-run-demo-detail');

    // The launch form now estimates the same config from that stored run.
    await go(page, '#/launch');
    await page.getByTestId('preset-select').selectOption('tiny');
    await expect.poll(() => page.getByTestId('run-estimate-basis').textContent(), { timeout: 20_000 }).toMatch(/from 1 earlier run and a short probe on this machine/);
    expect(await page.getByTestId('run-estimate-time').textContent()).toMatch(/^≈ \S+/);
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
