import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A real `vitlab serve` process on a database, as a user would start it; resolves with its address. */
export async function startServe(dbPath: string): Promise<{ url: string; server: ChildProcess; stop(): Promise<void> }> {
  const server = spawn(process.execPath, [path.join(root, 'bin/vitlab.js'), 'serve', '--db', dbPath, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
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
  return {
    url,
    server,
    stop: async () => {
      server.kill('SIGTERM');
      await new Promise((r) => (server.exitCode !== null ? r(null) : server.once('exit', r)));
    },
  };
}

/** `vitlab serve` on a fresh database and the dashboard open in Debian's Chromium, with the page's errors collected. */
export async function openDashboard(dbPath: string): Promise<{ url: string; browser: Browser; page: Page; pageErrors: string[]; close(): Promise<void> }> {
  const serve = await startServe(dbPath);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(serve.url);
  return {
    url: serve.url,
    browser,
    page,
    pageErrors,
    close: async () => {
      await browser.close();
      await serve.stop();
    },
  };
}
