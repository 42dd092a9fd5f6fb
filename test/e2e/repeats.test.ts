import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src-main/store/types.js';
import { fill, go, shot } from './flows.js';
import { serveDashboard, type ServedDashboard } from './serve.js';

/**
 * Repeats over seeds, end to end: 3 seeds × 2 tiny configs trained for real by `vitlab serve`,
 * one launched from the form (Repeats = 3), one through the API (seeds 0, 1, 2); the grouped runs
 * table, the group compare view and the live per-step curve, in Debian's Chromium.
 */
let served: ServedDashboard;
let url = '';
let page: Page;

beforeAll(async () => {
  served = await serveDashboard('vitlab-e2e-repeats-');
  ({ url, page } = served);
}, 300_000);
afterAll(async () => served?.close());

async function api<T>(name: string, input: unknown): Promise<T> {
  const u = new URL(url);
  const r = (await fetch(`${u.origin}/api/${name}`, { method: 'POST', headers: { Authorization: `Bearer ${u.searchParams.get('token')}`, 'Content-Type': 'application/json' }, body: JSON.stringify(input) }).then((x) => x.json())) as { ok: boolean; result: T; error?: unknown };
  expect(r.ok, JSON.stringify(r.error)).toBe(true);
  return r.result;
}

const meanOf = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const stdOf = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + (x - meanOf(xs)) ** 2, 0) / (xs.length - 1));

describe('repeats over seeds in Chromium against vitlab serve', () => {
  it('3 seeds × 2 configs: live step curve before epoch 1 ends, grouped row n = 3 with mean ± std, compare with 2 points and error bars', async () => {
    // Record every state of the live per-step curve as it changes, to see it while epoch 1 runs.
    await page.evaluate(() => {
      const w = window as unknown as { stepSnapshots: { points: number; maxX: number }[] };
      w.stepSnapshots = [];
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('[data-testid="live-steps"]')) {
          w.stepSnapshots.push({ points: Number(el.getAttribute('data-points')), maxX: Number(el.getAttribute('data-max-x')) });
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-points'] });
    });

    // Config A from the form: tiny, 1 epoch of 600 images at batch 10 (60 batches: a point every 3).
    await go(page, '#/launch');
    await page.getByTestId('preset-select').selectOption('tiny');
    await fill(page, 'epochs', '1');
    await fill(page, 'batch', '10');
    await fill(page, 'limitTrain', '600');
    await fill(page, 'limitTest', '200');
    await page.locator('#f-name').fill('rep A');
    await page.getByTestId('repeats').fill('3');
    await expect.poll(() => page.getByTestId('repeats-hint').textContent(), { timeout: 10_000 }).toContain('seeds 0–2');
    const start = page.getByTestId('start-run');
    await expect.poll(() => start.textContent(), { timeout: 10_000 }).toContain('Start 3 runs');
    await expect.poll(() => start.isEnabled(), { timeout: 10_000 }).toBe(true);
    await start.click();
    await page.getByTestId('live-steps').first().waitFor({ timeout: 120_000 });
    await shot(page, 'chromium-repeats-live-steps');

    // Config B through the API: depth 2, the seeds given.
    const b = await api<{ ids: string[] }>('runs/start', { preset: 'tiny', config: { depth: 2, epochs: 1, limitTrain: 300, limitTest: 200 }, name: 'rep B', seeds: [0, 1, 2] });
    expect(b.ids).toHaveLength(3);

    const all = async () => (await api<{ rows: RunSummary[] }>('runs/list', { limit: 100 })).rows;
    await expect.poll(async () => (await all()).filter((r) => r.status === 'completed').length, { timeout: 240_000, interval: 1000 }).toBe(6);
    const rows = await all();

    const snapshots = await page.evaluate(() => (window as unknown as { stepSnapshots: { points: number; maxX: number }[] }).stepSnapshots);
    expect(snapshots.some((s) => s.points > 1 && s.maxX > 0 && s.maxX < 1), JSON.stringify(snapshots.slice(0, 10))).toBe(true);

    // The runs table grouped by config: two rows, n = 3 each, the mean and std of the stored accuracies.
    await go(page, '#/runs');
    await page.getByTestId('group-by-config').check();
    const groupRows = page.getByTestId('group-row');
    await expect.poll(() => groupRows.count(), { timeout: 20_000 }).toBe(2);
    for (const [name, depth] of [
      ['rep A', 1],
      ['rep B', 2],
    ] as const) {
      const accs = rows.filter((r) => r.name.startsWith(name)).map((r) => r.testAcc!);
      expect(accs).toHaveLength(3);
      expect(new Set(rows.filter((r) => r.name.startsWith(name)).map((r) => r.config.seed))).toEqual(new Set([0, 1, 2]));
      const row = groupRows.filter({ hasText: `L${depth} d32` });
      expect(await row.getAttribute('data-n')).toBe('3');
      expect(Number(await row.getAttribute('data-acc-mean'))).toBeCloseTo(meanOf(accs), 12);
      expect(Number(await row.getAttribute('data-acc-std'))).toBeCloseTo(stdOf(accs), 12);
      expect(await row.getByTestId('group-acc').textContent()).toContain(`${(100 * meanOf(accs)).toFixed(2)} %`);
      expect(await row.getByTestId('group-acc').textContent()).toContain(`± ${(100 * stdOf(accs)).toFixed(2)}`);
    }
    await groupRows.first().getByTestId('group-expand').click();
    await expect.poll(() => page.getByTestId('group-member').count(), { timeout: 10_000 }).toBe(3);
    await shot(page, 'chromium-repeats-grouped');

    // Compare both groups: one point per group, each with an error bar.
    for (const r of await groupRows.all()) await r.getByTestId('group-select').check();
    await page.getByTestId('compare-selected').click();
    const gc = page.getByTestId('group-compare');
    await gc.waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByTestId('group-scatter-macs').getAttribute('data-points'), { timeout: 20_000 }).toBe('2');
    expect(await gc.locator('[data-error-bars]').getAttribute('data-error-bars')).toBe('2');
    expect(await page.getByTestId('error-bar-label').textContent()).toContain('95 % confidence interval');
    await expect.poll(() => page.getByTestId('group-delta-row').count()).toBe(2);
    await expect.poll(() => page.getByTestId('compare-steps').getAttribute('data-points'), { timeout: 20_000 }).not.toBeNull();
    await gc.scrollIntoViewIfNeeded();
    await shot(page, 'chromium-repeats-compare');
    expect(served.pageErrors).toEqual([]);
  });
});
