import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServedDashboard {
  url: string;
  server: ChildProcess;
  browser: Browser;
  page: Page;
  /** Uncaught errors of the page, for an `expect(...).toEqual([])` at the end. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** A real `vitlab serve` process on a fresh database, as a user would start it, and Chromium on its page. */
export async function serveDashboard(prefix: string): Promise<ServedDashboard> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const server = spawn(process.execPath, [path.join(root, 'bin/vitlab.js'), 'serve', '--db', path.join(tmp, 'e2e.db'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    server.stdout!.on('data', (d) => {
      out += d;
      const m = /ViT Lab: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    server.stderr!.on('data', (d) => (err += d));
    server.on('exit', (code) => reject(new Error(`vitlab serve exited with ${code}: ${err}`)));
  });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(url);
  return {
    url,
    server,
    browser,
    page,
    pageErrors,
    close: async () => {
      await browser.close();
      server.kill('SIGTERM');
      await new Promise((r) => (server.exitCode !== null ? r(null) : server.once('exit', r)));
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
