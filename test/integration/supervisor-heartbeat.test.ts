import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src-main/app/engine.js';
import { peek, sleep, until } from './wait.js';

/**
 * Heartbeats across processes: a `vitlab train` in another process owns a run; a second
 * supervisor on the same database must leave it alone while that process lives and catch it
 * once it is killed, without a restart. The run trains the seed model on 20,000 images, so its
 * first epoch lasts minutes and no epoch or checkpoint write refreshes the heartbeat: only the
 * owning supervisor's tick does.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-heartbeat-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const childrenOf = (pid: number) =>
  execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);

// The CLI heartbeats every 2 s (the default); 5 s without one is stale here.
const STALE_MS = 5000;

describe('heartbeats between processes', () => {
  it('a live run in another process is left alone; once that process is killed it is caught, and its worker exits', async () => {
    const dbPath = path.join(tmp, 'runs.db');
    const cli = spawn(
      process.execPath,
      [path.join(root, 'bin/vitlab.js'), 'train', '--preset', 'seed', '--epochs', '2', '--limit-train', '20000', '--limit-test', '200', '--db', dbPath, '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // What the CLI said, so that a run that never starts fails with its reason, not a bare timeout.
    let said = '';
    cli.stdout!.on('data', (b: Buffer) => (said = (said + b.toString()).slice(-4000)));
    cli.stderr!.on('data', (b: Buffer) => (said = (said + b.toString()).slice(-4000)));
    const exited = new Promise((r) => cli.on('exit', r));
    try {
      const id = await until('a running run', () => {
        if (cli.exitCode !== null) throw new Error(`vitlab train exited with ${cli.exitCode} before its run was running:\n${said}`);
        if (!fs.existsSync(dbPath)) return null;
        const row = peek(dbPath, (s) => s.list({}).rows[0]);
        if (row && row.status !== 'queued' && row.status !== 'running') {
          throw new Error(`the run became ${row.status} (${row.error ?? 'no error'}) before it was seen running:\n${said}`);
        }
        return row?.status === 'running' && row.backend ? row.id : null;
      }).catch((e: Error) => {
        throw new Error(`${e.message}\nvitlab train said:\n${said}`);
      });
      const workers = await until('the worker process', () => {
        const c = childrenOf(cli.pid!);
        return c.length ? c : null;
      });

      // Longer than the stale limit: only the owner's heartbeat keeps the run fresh.
      await sleep(STALE_MS + 2000);
      const watcher = openEngine({ dbPath, heartbeatMs: 250, staleMs: STALE_MS, drainQueue: false });
      try {
        expect(watcher.supervisor.start().interrupted).toEqual([]);
        await sleep(STALE_MS + 1000);
        expect(watcher.store.get(id)).toMatchObject({ status: 'running', epochsDone: 0 });

        cli.kill('SIGKILL');
        await exited;
        // Caught by the watcher's own heartbeat tick: no restart.
        await until('the run interrupted', () => watcher.store.getStatus(id) === 'interrupted', 30_000);
        expect(watcher.store.get(id).error).toMatch(/resume/);
        // The worker noticed its parent is gone and exited: no orphan keeps both cores busy.
        await until('the worker gone', () => workers.every((pid) => !alive(pid)), 30_000);
      } finally {
        await watcher.close();
      }
    } finally {
      if (cli.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL');
    }
  });
});
