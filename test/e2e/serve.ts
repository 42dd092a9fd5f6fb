import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServeOptions {
  /** The environment on top of this process's (VITLAB_HOME: where the settings file is). */
  env?: NodeJS.ProcessEnv;
}

/**
 * A real `vitlab serve` process on a database, as a user would start it; resolves with its
 * address. A null database starts it without --db: the store rule (environment, settings) picks.
 */
export async function startServe(dbPath: string | null, opts: ServeOptions = {}): Promise<{ url: string; server: ChildProcess; stop(): Promise<void> }> {
  const args = [path.join(root, 'bin/vitlab.js'), 'serve', ...(dbPath === null ? [] : ['--db', dbPath]), '--port', '0'];
  const server = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
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
export async function openDashboard(dbPath: string | null, opts: ServeOptions = {}): Promise<{ url: string; browser: Browser; page: Page; pageErrors: string[]; close(): Promise<void> }> {
  const serve = await startServe(dbPath, opts);
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

export type ServedDashboard = Awaited<ReturnType<typeof openDashboard>>;

/** openDashboard on a fresh database in its own temporary folder, removed on close. */
export async function serveDashboard(prefix: string): Promise<ServedDashboard> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const dash = await openDashboard(path.join(tmp, 'e2e.db'));
  return {
    ...dash,
    close: async () => {
      await dash.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
