import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';
import { invalidFormStartsNothing, launchTinyRun, openDetail, seeProgressThenCompleted, shot } from './flows.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-e2e-'));
let server: ChildProcess;
let url = '';
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  // A real `vitlab serve` process with a fresh database, as a user would start it.
  server = spawn(process.execPath, [path.join(root, 'bin/vitlab.js'), 'serve', '--db', path.join(tmp, 'e2e.db'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    server.stdout!.on('data', (d) => {
      out += d;
      const m = /ViT Lab: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    server.stderr!.on('data', (d) => (err += d));
    server.on('exit', (code) => reject(new Error(`vitlab serve exited with ${code}: ${err}`)));
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(url);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  await new Promise((r) => (server?.exitCode !== null ? r(null) : server.once('exit', r)));
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
      headers: { Authorization: `Bearer ${new URL(url).searchParams.get('token')}` },
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
