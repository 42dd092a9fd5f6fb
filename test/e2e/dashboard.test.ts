import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src-main/store/types.js';
import { drawnMarks } from './chart-marks.js';
import { go, invalidFormStartsNothing, launchTinyRun, openDetail, seeProgressThenCompleted, shot } from './flows.js';
import { openDashboard } from './serve.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-e2e-'));
let dash: Awaited<ReturnType<typeof openDashboard>>;
let url = '';
let page: Page;
let pageErrors: string[] = [];

beforeAll(async () => {
  // A real `vitlab serve` process with a fresh database, as a user would start it.
  dash = await openDashboard(path.join(tmp, 'e2e.db'));
  ({ url, page, pageErrors } = dash);
}, 300_000);

afterAll(async () => {
  await dash?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('dashboard in Chromium against vitlab serve', () => {
  it('refuses requests without the token', async () => {
    const base = new URL(url);
    const bare = await fetch(`${base.origin}/`);
    expect(bare.status).toBe(401);
    const api = await fetch(`${base.origin}/api/runs/list`, { method: 'POST', body: '{}' });
    expect(api.status).toBe(401);
  });

  it('an invalid form value shows the field message and starts nothing', async () => {
    await invalidFormStartsNothing(page, 'chromium');
    const total = await fetch(`${new URL(url).origin}/api/runs/list`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${new URL(url).searchParams.get('token')}`, 'Content-Type': 'application/json' },
      body: '{}',
    }).then((r) => r.json());
    expect(total).toMatchObject({ ok: true, result: { total: 0 } });
  });

  it('launches a real run from the form, shows progress, lists it completed, opens its detail', async () => {
    await launchTinyRun(page, 'chromium', 'e2e tiny');
    await seeProgressThenCompleted(page, 'chromium', 'e2e tiny');
    await openDetail(page, 'chromium', 'e2e tiny');
    expect(pageErrors).toEqual([]);
  });

  it('compares three finished runs of different configs: one point each, the right front, only what differs', async () => {
    const token = new URL(url).searchParams.get('token');
    const api = async (name: string, input: unknown) => {
      const r = (await fetch(`${new URL(url).origin}/api/${name}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(input) }).then((x) => x.json())) as {
        ok: boolean;
        result: unknown;
      };
      expect(r.ok).toBe(true);
      return r.result;
    };
    const configs = [
      { depth: 1, patch: 7 },
      { depth: 2, patch: 7 },
      { depth: 1, patch: 14, dim: 16, heads: 2, mlp: 32 },
    ];
    const ids: string[] = [];
    for (const [i, c] of configs.entries()) {
      const { id } = (await api('runs/start', { preset: 'tiny', config: { ...c, epochs: 1, limitTrain: 300, limitTest: 200 }, name: `cmp ${i}` })) as { id: string };
      ids.push(id);
    }
    const done = async () => ((await api('runs/list', { ids })) as { rows: RunSummary[] }).rows;
    await expect.poll(async () => (await done()).filter((r) => r.status === 'completed').length, { timeout: 180_000, interval: 500 }).toBe(3);
    const rows = await done();

    await go(page, '#/runs');
    for (const id of ids) await page.locator(`[data-testid="run-row"][data-run-id="${id}"] [data-testid="row-select"]`).click();
    await page.getByTestId('compare-selected').click();
    await page.getByTestId('compare-view').waitFor();
    // One drawn mark per run in each chart (read from the SVG; data-points is only the input length).
    for (const chart of ['scatter-macs', 'scatter-params']) {
      await expect.poll(async () => (await drawnMarks(page, chart)).length, { timeout: 20_000 }).toBe(3);
    }

    // The expected front from the definition, not from the UI's own paretoFront: a run is on it
    // when no other run has at most its MACs and at least its accuracy, strictly better in one.
    const dominates = (a: RunSummary, b: RunSummary) =>
      a.macsPerImage <= b.macsPerImage && a.testAcc! >= b.testAcc! && (a.macsPerImage < b.macsPerImage || a.testAcc! > b.testAcc!);
    const expectedFront = rows
      .filter((r) => !rows.some((o) => o !== r && dominates(o, r)))
      .sort((a, b) => a.macsPerImage - b.macsPerImage || (a.id < b.id ? -1 : 1))
      .map((r) => r.id);
    expect(expectedFront.length).toBeGreaterThan(0);
    const listed = await page.getByTestId('pareto-list-macs').getByTestId('pareto-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-run-id')));
    expect(listed).toEqual(expectedFront);
    // As many outlined (front) marks drawn as the definition puts on the front.
    expect((await drawnMarks(page, 'scatter-macs')).filter((m) => m.outlined)).toHaveLength(expectedFront.length);

    // "Only what differs" is on by default: depth, patch, dim, heads, mlp differ; epochs, lr, batch do not.
    const shown = () => page.getByTestId('config-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-field')));
    const differing = await shown();
    expect(differing).toEqual(expect.arrayContaining(['depth', 'patch', 'dim']));
    expect(differing).not.toContain('epochs');
    expect(differing).not.toContain('lr');
    await shot(page, 'chromium-compare');
    await page.getByTestId('only-differs').uncheck();
    await expect.poll(async () => (await shown()).includes('lr'), { timeout: 5000 }).toBe(true);
  });

  it('keyboard: shortcuts navigate between views', async () => {
    await page.keyboard.press('Escape');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('n');
    await page.getByTestId('launch-form').waitFor({ timeout: 5000 });
    await page.keyboard.press('r');
    await page.getByTestId('runs-table').waitFor({ timeout: 5000 });
    await shot(page, 'chromium-keyboard-runs');
  });
});
