import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src-main/store/open-store.js';
import { SEED_CONFIG } from '../../src-main/vit/config.js';
import { usePostgres } from '../helpers/postgres.js';
import { launchChromium } from './browser.js';
import { shot } from './flows.js';
import { startServe } from './serve.js';

/**
 * The Settings view in Chromium over a real `vitlab serve` (no --db: the store rule picks) and a
 * real PostgreSQL: reached by its key, a bad store refused under the field, a shared store saved
 * and used after serve starts again — and the typed password nowhere on the page once saved.
 */
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-e2e-settings-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
const pgHolder = usePostgres();
const SECRET = 'E2e-Settings-Pw';
const env = { VITLAB_HOME: home, VITLAB_STORE: '', VITLAB_DB: '' };

describe('Settings view', () => {
  it('shows the store in use, refuses a bad one under the field, saves a shared one for the next start', async () => {
    const url = await pgHolder.cluster.createDatabase();
    const store = await openStore(url);
    const id = await store.createRun({ config: { ...SEED_CONFIG, epochs: 1 }, name: 'shared run' });
    await store.close();
    const browser = await launchChromium();
    let serve = await startServe(null, { env });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(serve.url);
      await page.locator('[data-testid="view-runs"]').waitFor();
      // Keyboard: "s" opens Settings.
      await page.keyboard.press('s');
      await page.locator('[data-testid="view-settings"]').waitFor();
      await expect.poll(() => page.locator('[data-testid="active-store"]').textContent()).toBe(path.join(home, 'vitlab.db'));
      expect(await page.locator('[data-testid="active-shared"]').getAttribute('data-shared')).toBe('false');
      expect(await page.locator('[data-testid="active-source"]').textContent()).toContain('the default');

      // A store that cannot be reached: refused under the field, focus back in it, no password shown.
      const input = page.locator('[data-testid="store-input"]');
      await input.focus();
      await page.keyboard.type(`postgres://vitlab:${SECRET}@127.0.0.1:1/nothing`);
      await page.keyboard.press('Enter');
      const fieldError = page.locator('[data-testid="store-error"]');
      await expect.poll(() => fieldError.textContent(), { timeout: 30_000 }).toMatch(/cannot use postgres:\/\/vitlab@127\.0\.0\.1:1\/nothing/);
      expect(await input.getAttribute('aria-invalid')).toBe('true');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('store-input');
      expect(await page.locator('body').innerText()).not.toContain(SECRET);

      // The shared store: saved, the password cleared from the page, the restart asked for.
      await input.fill(url.replace('postgres://vitlab@', `postgres://vitlab:${SECRET}@`));
      await page.keyboard.press('Enter');
      await page.locator('[data-testid="settings-saved"]').waitFor({ timeout: 30_000 });
      expect(await page.locator('[data-testid="saved-store"]').textContent()).toContain(url);
      expect(await page.locator('[data-testid="restart-needed"]').textContent()).toContain('takes effect on the next start');
      expect(await input.inputValue()).toBe('');
      expect(await page.content()).not.toContain(SECRET);
      await shot(page, 'settings-saved');

      // serve started again the same way: on the shared store, its run listed.
      await serve.stop();
      serve = await startServe(null, { env });
      await page.goto(`${serve.url.split('#')[0]}#/settings`);
      await expect.poll(() => page.locator('[data-testid="active-store"]').textContent(), { timeout: 30_000 }).toBe(url);
      expect(await page.locator('[data-testid="active-shared"]').getAttribute('data-shared')).toBe('true');
      expect(await page.locator('[data-testid="active-source"]').textContent()).toContain('these settings');
      expect(await page.locator('[data-testid="restart-needed"]').count()).toBe(0);
      await page.keyboard.press('r');
      await page.locator(`[data-testid="run-row"][data-run-id="${id}"]`).waitFor({ timeout: 30_000 });
      expect(await page.content()).not.toContain(SECRET);
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
      await serve.stop();
    }
  });
});
