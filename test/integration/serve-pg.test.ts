/**
 * `vitlab serve --store postgres://…`: the real serve process over a shared PostgreSQL store
 * answers the dashboard's read requests from it; what needs a local supervisor is refused as
 * unavailable, and the password never reaches the output or the API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_CONFIG } from '../../src-main/vit/config.js';
import { openStore } from '../../src-main/store/open-store.js';
import { usePostgres } from '../helpers/postgres.js';
import { request } from './serve-process.js';

const h = usePostgres();
const root = path.resolve(import.meta.dirname, '../..');
const SECRET = 'Serve-Pw-9';
let child: ChildProcess;
let port = 0;
let token = '';
let err = '';
let out = '';
let url = '';
const ids: string[] = [];
let cmpId = '';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-serve-pg-'));

beforeAll(async () => {
  url = await h.cluster.createDatabase();
  const store = await openStore(url);
  try {
    for (const seed of [1, 2, 3]) {
      const id = await store.createRun({ config: { ...SEED_CONFIG, epochs: 2, seed, depth: seed === 3 ? 2 : 4 }, name: `run ${seed}` });
      await store.claim(id);
      await store.addEpoch(id, { epoch: 1, trainLoss: 1, trainAcc: 0.5, testLoss: 0.9, testAcc: 0.6 + seed / 100, seconds: 1, samplesPerSec: 10, lr: 0.001 });
      await store.appendStep(id, { epoch: 1, at: 0.5, loss: 1.25, acc: 0.5 });
      await store.finish(id, 'completed');
      ids.push(id);
    }
    cmpId = (await store.saveComparison({ name: 'seeds', runIds: ids.slice(0, 2) })).id;
  } finally {
    await store.close();
  }
  const staticDir = path.join(dir, 'static');
  fs.mkdirSync(staticDir, { recursive: true });
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>ViT Lab</title>');
  const withSecret = url.replace('postgres://vitlab@', `postgres://vitlab:${SECRET}@`);
  child = spawn(process.execPath, [path.join(root, 'bin/vitlab.js'), 'serve', '--store', withSecret, '--static', staticDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d) => (err += d));
  const served = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /ViT Lab: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`vitlab serve exited with ${code}: ${err}`)));
  });
  const u = new URL(served);
  port = Number(u.port);
  token = u.searchParams.get('token') ?? '';
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

// The answers are checked field by field below; their shape is the API contract's, not retyped here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function api(name: string, input: unknown): Promise<{ ok: boolean; result?: any; error?: { code: string; message: string } }> {
  const r = await request(port, `/api/${name}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(input) });
  return JSON.parse(r.body);
}

describe('serve on a PostgreSQL store', () => {
  it('lists, reads, groups, curves and comparisons from the shared store', async () => {
    const list = await api('runs/list', { sort: 'createdAt', dir: 'asc' });
    expect(list.ok).toBe(true);
    expect(list.result.total).toBe(3);
    expect(list.result.rows.map((r: { name: string }) => r.name)).toEqual(['run 1', 'run 2', 'run 3']);
    const run = await api('runs/get', { id: ids[2] });
    expect(run.result).toMatchObject({ id: ids[2], name: 'run 3', status: 'completed', testAcc: 0.63, epochsDone: 1 });
    const groups = await api('runs/groups', { sort: 'n', dir: 'desc' });
    expect(groups.result.groups.map((g: { n: number }) => g.n)).toEqual([2, 1]);
    const steps = await api('runs/steps', { ids: [ids[0], 'r-none'] });
    expect(steps.result).toEqual({ [ids[0]]: { x: [0.5], loss: [1.25], acc: [0.5] } });
    const cmps = await api('comparisons/list', {});
    expect(cmps.result.map((c: { id: string; runIds: string[] }) => [c.id, c.runIds])).toEqual([[cmpId, ids.slice(0, 2)]]);
    const missing = await api('runs/get', { id: 'r-none' });
    expect(missing.error).toMatchObject({ code: 'not_found' });
  });

  it('names the store without its password; refuses what needs a local supervisor', async () => {
    const info = await api('system/info', {});
    expect(info.result.dbPath).toBe(url);
    expect(info.result.concurrency).toBe(0);
    const start = await api('runs/start', { config: {} });
    expect(start.error?.code).toBe('unavailable');
    expect(start.error?.message).toContain(`this serve only reads the store ${url}`);
    expect(err).toContain(`store ${url} (reads only)`);
    expect(err + out + JSON.stringify(info)).not.toContain(SECRET);
  });
});
