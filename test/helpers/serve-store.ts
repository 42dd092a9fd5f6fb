import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from '../integration/serve-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface StoreServe {
  port: number;
  token: string;
  /** What it wrote so far. */
  stdout(): string;
  stderr(): string;
  /** POSTs one API request with the token; the answer as JSON (the contract's shape, checked by the tests field by field). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  api(name: string, input: unknown): Promise<{ ok: boolean; result?: any; error?: { code: string; message: string } }>;
  /** SIGTERM, awaited; removes its static folder. */
  stop(): Promise<void>;
}

/**
 * A real `vitlab serve --store LOCATION` process (bin/vitlab.js, as a user starts it) on a free
 * loopback port, with a stand-in dashboard page; resolves once it printed its address. A null
 * location starts it without --store: the store rule (settings, environment) picks.
 */
export async function serveStore(location: string | null, opts: { env?: NodeJS.ProcessEnv } = {}): Promise<StoreServe> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-serve-store-'));
  const staticDir = path.join(dir, 'static');
  fs.mkdirSync(staticDir, { recursive: true });
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>ViT Lab</title>');
  const child = spawn(process.execPath, [path.join(root, 'bin/vitlab.js'), 'serve', ...(location === null ? [] : ['--store', location]), '--static', staticDir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const served = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /ViT Lab: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`vitlab serve exited with ${code}: ${err}`)));
  }).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  const u = new URL(served);
  const port = Number(u.port);
  const token = u.searchParams.get('token') ?? '';
  const api: StoreServe['api'] = async (name, input) => {
    const r = await request(port, `/api/${name}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(input) });
    return JSON.parse(r.body);
  };
  return { port, token, api, stdout: () => out, stderr: () => err, stop };
}
