import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServeProcess {
  process: ChildProcess;
  /** The printed address, token included. */
  url: string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** A real `vitlab serve` process on a random port, as a user would start it; resolves once it prints its address. */
export function startServe(dbPath: string, env: NodeJS.ProcessEnv = process.env): Promise<ServeProcess> {
  const child = spawn(process.execPath, [path.join(root, 'bin/vitlab.js'), 'serve', '--db', dbPath, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /ViT Lab: (http:\/\/\S+)/.exec(out);
      if (m) resolve({ process: child, url: m[1], stop });
    });
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code) => reject(new Error(`vitlab serve exited with ${code}: ${err}`)));
  });
}

export interface Dashboard {
  server: ServeProcess;
  browser: Browser;
  page: Page;
  /** Uncaught errors in the page, for tests to expect none. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** `vitlab serve` on `dbPath` and Debian's Chromium on its address (1400×900). */
export async function openDashboard(dbPath: string, env: NodeJS.ProcessEnv = process.env): Promise<Dashboard> {
  const server = await startServe(dbPath, env);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(server.url);
  return {
    server,
    browser,
    page,
    pageErrors,
    close: async () => {
      await browser.close();
      await server.stop();
    },
  };
}
