import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';

/**
 * The dashboard's user flows, written once and run both in Debian's Chromium against `vitlab
 * serve` and, where an Electron binary exists, in the desktop app through Playwright's _electron.
 */

export const ARTIFACTS = path.resolve('test-results');
fs.mkdirSync(ARTIFACTS, { recursive: true });

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

export async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => {
    location.hash = h;
  }, hash);
}

export async function fill(page: Page, field: string, value: string): Promise<void> {
  const input = page.locator(`[data-testid="launch-form"] [name="${field}"]`);
  if ((await input.evaluate((el) => el.tagName)) === 'SELECT') await input.selectOption(value);
  else await input.fill(value);
}

/** An invalid value shows the field's own message and nothing can be started. */
export async function invalidFormStartsNothing(page: Page, prefix: string): Promise<void> {
  await go(page, '#/launch');
  await fill(page, 'heads', '3');
  const err = page.getByTestId('field-error-heads');
  await expect.poll(() => err.textContent(), { timeout: 10_000 }).toContain('divisible by heads');
  expect(await page.getByTestId('start-run').isDisabled()).toBe(true);
  // Enter in a field does not start an invalid run either.
  await page.locator('[data-testid="launch-form"] [name="heads"]').press('Enter');
  await shot(page, `${prefix}-launch-invalid`);
  await fill(page, 'heads', '4');
  await expect.poll(() => err.count(), { timeout: 10_000 }).toBe(0);
}

/** Launches a tiny real run from the form; returns its name. */
export async function launchTinyRun(page: Page, prefix: string, name: string): Promise<void> {
  await go(page, '#/launch');
  await page.getByTestId('preset-select').selectOption('tiny');
  await fill(page, 'epochs', '2');
  await fill(page, 'limitTrain', '400');
  await fill(page, 'limitTest', '200');
  await page.locator('#f-name').fill(name);
  // Live totals follow the form: tiny is patch 7, dim 32, depth 1, heads 2, mlp 64.
  await expect.poll(() => page.getByTestId('cost-params-layer-total').textContent(), { timeout: 10_000 }).toContain('8,544');
  await shot(page, `${prefix}-launch`);
  const start = page.getByTestId('start-run');
  await expect.poll(() => start.isEnabled(), { timeout: 10_000 }).toBe(true);
  await start.click();
}

/** Progress shows while it trains; the run then appears completed in the table. */
export async function seeProgressThenCompleted(page: Page, prefix: string, name: string): Promise<string> {
  const card = page.getByTestId('live-card').filter({ hasText: name }).first();
  await card.waitFor({ timeout: 60_000 });
  // The bar renders at 0 % for a queued run, and a finished epoch or a completed run moves it
  // without any live progress: wait for a running card showing a batch count and a bar past 0 %.
  const live = async () => {
    const o = { timeout: 1000 };
    const [status, batch, now] = await Promise.all([
      card.getAttribute('data-status', o),
      card.getByTestId('progress-batch').textContent(o),
      card.getByTestId('progress-bar').getAttribute('aria-valuenow', o),
    ]).catch(() => [null, null, null]);
    return status === 'running' && /^\d+ \/ \d+$/.test(batch?.trim() ?? '') && Number(now) > 0;
  };
  await expect.poll(live, { timeout: 120_000, interval: 100 }).toBe(true);
  await shot(page, `${prefix}-live`);
  await go(page, '#/runs');
  const row = page.getByTestId('run-row').filter({ hasText: name });
  await expect.poll(async () => (await row.getByTestId('run-status-cell').textContent())?.trim(), { timeout: 120_000, interval: 500 }).toBe('completed');
  await shot(page, `${prefix}-runs`);
  const id = await row.getAttribute('data-run-id');
  expect(id).toBeTruthy();
  return id!;
}

/** The run detail shows the per-class table with counts, and the seed-style cost tables. */
export async function openDetail(page: Page, prefix: string, name: string): Promise<void> {
  await page.getByTestId('run-row').filter({ hasText: name }).getByTestId('run-link').click();
  await page.getByTestId('run-detail').waitFor();
  const rows = page.getByTestId('per-class-row');
  await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(10);
  const counts = await page.getByTestId('per-class-count').allTextContents();
  const total = counts.map((c) => Number(c.split('/')[1])).reduce((a, b) => a + b, 0);
  expect(total).toBe(200);
  expect(await page.getByTestId('model-summary').textContent()).toContain('(0): Transformer_Encoder(');
  await shot(page, `${prefix}-detail`);
}
