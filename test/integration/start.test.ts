import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm start` on a machine where Electron's binary is not available: it must say so in one line,
 * serve the real dashboard, hand the address to the system's browser, and stop cleanly on Ctrl-C.
 * Electron is made unavailable on every machine (also one that has the binary): the package is
 * pointed at an empty dist folder, and its download at a closed local port with an empty cache.
 * The browser is a fake `$BROWSER` command that only records the address it was given, so no GUI
 * starts; the address is then fetched for real.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-start-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) process.kill(-c.pid!, 'SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

function fakeBrowser(): { command: string; opened: string } {
  const opened = path.join(tmp, 'opened.txt');
  const command = path.join(tmp, 'fake-browser.sh');
  fs.writeFileSync(command, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${opened}'\n`, { mode: 0o755 });
  return { command, opened };
}

interface Started {
  child: ChildProcess;
  url: string;
  out: () => string;
  err: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `cmd args` in its own process group (as a terminal does), resolves once serve prints its address. */
function start(cmd: string, args: string[], home: string, browser: string, display: string): Promise<Started> {
  fs.mkdirSync(path.join(home, 'empty-dist'), { recursive: true });
  const env = {
    ...process.env,
    VITLAB_HOME: home,
    BROWSER: browser,
    // A display is claimed where the test wants Electron to be looked for (it never starts: there is no binary).
    DISPLAY: display,
    WAYLAND_DISPLAY: '',
    ELECTRON_OVERRIDE_DIST_PATH: path.join(home, 'empty-dist'),
    ELECTRON_MIRROR: 'http://127.0.0.1:9/',
    electron_config_cache: path.join(home, 'electron-cache'),
  };
  const child = spawn(cmd, args, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /ViT Lab: (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], out: () => out, err: () => err, exited });
    });
    child.stderr!.on('data', (d) => (err += d));
    void exited.then(({ code }) => reject(new Error(`${cmd} ${args.join(' ')} exited with ${code} before serving:\n${out}\n${err}`)));
  });
}

async function waitFor<T>(f: () => T | undefined, what: string, ms = 20_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm start without an Electron binary', () => {
  it('says so in one line, serves the dashboard, opens the browser at the address, and Ctrl-C stops it with code 0', async () => {
    const home = path.join(tmp, 'npm-start');
    const browser = fakeBrowser();
    const s = await start('npm', ['start'], home, browser.command, ':99');

    // The dashboard answers on the printed address (its token included), and not without the token.
    const page = await fetch(s.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app"');
    const u = new URL(s.url);
    expect((await fetch(`${u.origin}/`)).status).toBe(401);
    const list = await fetch(`${u.origin}/api/runs/list`, { method: 'POST', headers: { Authorization: `Bearer ${u.searchParams.get('token')}`, 'Content-Type': 'application/json' }, body: '{}' });
    expect(await list.json()).toMatchObject({ ok: true, result: { total: 0 } });

    // The browser command got exactly that address.
    const opened = await waitFor(() => (fs.existsSync(browser.opened) ? fs.readFileSync(browser.opened, 'utf8').trim() : undefined), 'the browser to be called');
    expect(opened).toBe(s.url);

    // Electron's absence is one line, and no stack trace from @electron/get reaches the terminal.
    await waitFor(() => (/opened in the browser/.test(s.err()) ? true : undefined), 'the "opened" line');
    const electronLines = s.err().split('\n').filter((l) => /electron/i.test(l) && !/electron-vite/.test(l));
    expect(electronLines).toHaveLength(1);
    expect(electronLines[0]).toMatch(/Electron's binary is not here.*serving the dashboard to a browser instead/);
    expect(s.err() + s.out()).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

    // Ctrl-C in a terminal: SIGINT to the whole foreground process group (npm, sh, node).
    process.kill(-s.child.pid!, 'SIGINT');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(s.err()).toContain('stopping');
  }, 300_000);

  it('--browser skips Electron on purpose; without a display or $BROWSER it prints the address; SIGTERM (then a repeat) stops it with code 0', async () => {
    const home = path.join(tmp, 'browser-flag');
    const s = await start(process.execPath, ['scripts/start.js', '--browser'], home, '', '');
    expect((await fetch(s.url)).status).toBe(200);
    await waitFor(() => (/no browser opened \(no display/.test(s.err()) ? true : undefined), 'the address to be printed');
    expect(s.err()).toContain(s.url);
    expect(s.err()).not.toMatch(/Electron/);
    s.child.kill('SIGTERM');
    // A repeated signal while it stops (npm forwards Ctrl-C late on a loaded machine) changes nothing.
    await waitFor(() => (/stopping/.test(s.err()) ? true : undefined), 'the stopping line');
    try {
      s.child.kill('SIGINT');
    } catch {
      // already gone
    }
    expect(await s.exited).toEqual({ code: 0, signal: null });
  }, 300_000);
});
