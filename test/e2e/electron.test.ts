import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
// @ts-expect-error plain JS helper shared with `npm start`
import { ensureElectronSqlite, findElectron } from '../../scripts/electron-native.js';
import { invalidFormStartsNothing, launchTinyRun, openDetail, seeProgressThenCompleted } from './flows.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const electron = findElectron() as { ok: true; path: string; version: string } | { ok: false; why: string };
if (!electron.ok) {
  // Said once, plainly, in the test output: these flows ran in Chromium instead (dashboard.test.ts).
  console.warn(`Electron e2e tests skipped: ${electron.why}. The same flows run in Chromium against vitlab serve.`);
}

describe.skipIf(!electron.ok)('desktop app through Playwright _electron', () => {
  let app: ElectronApplication;
  let page: Page;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-electron-'));

  beforeAll(async () => {
    if (!electron.ok) return;
    ensureElectronSqlite(electron.version);
    const build = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('electron-vite build failed');
    app = await _electron.launch({ executablePath: electron.path, args: [root], env: { ...process.env, VITLAB_HOME: home } });
    page = await app.firstWindow();
    await page.waitForSelector('[data-testid="nav-runs"]');
  }, 600_000);

  afterAll(async () => {
    await app?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('an invalid form value shows the field message and starts nothing', async () => {
    await invalidFormStartsNothing(page, 'electron');
  });

  it('launches a real run, shows progress, lists it completed, opens its detail', async () => {
    await launchTinyRun(page, 'electron', 'electron tiny');
    await seeProgressThenCompleted(page, 'electron', 'electron tiny');
    await openDetail(page, 'electron', 'electron tiny');
  });
});
