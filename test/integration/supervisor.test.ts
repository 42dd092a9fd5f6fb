import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../src-main/api/contract.js';
import { openEngine, type Engine } from '../../src-main/app/engine.js';
import { openDatabase } from '../../src-main/store/db.js';
import { RunStore } from '../../src-main/store/runs.js';
import { resolveConfig } from '../../src-main/vit/config.js';
import { sleep, until } from '../fixtures/wait.js';
import { onApiEvents } from '../../src-main/api/events.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-supervisor-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const tiny = resolveConfig({ epochs: 2, limitTrain: 600, limitTest: 300 }, 'tiny');
/** Long enough to be killed mid-run: many short epochs. */
const long = resolveConfig({ epochs: 40, limitTrain: 1500, limitTest: 200 }, 'tiny');

let dbCounter = 0;
const freshDb = () => path.join(tmp, `runs-${++dbCounter}.db`);

function engine(dbPath: string, opts: Partial<Parameters<typeof openEngine>[0]> = {}): Engine {
  return openEngine({ dbPath, heartbeatMs: 200, staleMs: 1500, ...opts });
}


/** Reads the file as another process would, without holding it open. */
function peek<T>(dbPath: string, f: (s: RunStore) => T): T {
  const db = openDatabase(dbPath);
  try {
    return f(new RunStore(db));
  } finally {
    db.close();
  }
}

/**
 * `vitlab train` of the tiny preset in its own process, killed by the test; resolves with the id of
 * its run once `ready` holds for the stored run.
 */
async function cliTrain(dbPath: string, epochs: number, limitTrain: number, ready: (r: { epochsDone: number; checkpointPath: string | null }) => boolean) {
  const cli = spawn(
    process.execPath,
    [path.join(root, 'bin/vitlab.js'), 'train', '--preset', 'tiny', '--epochs', String(epochs), '--limit-train', String(limitTrain), '--limit-test', '200', '--db', dbPath, '--json'],
    { stdio: 'ignore' },
  );
  const exited = new Promise((r) => cli.on('exit', r));
  const id = await until('a stored epoch', () => {
    if (!fs.existsSync(dbPath)) return null;
    const rows = peek(dbPath, (s) => s.list({}).rows);
    return rows[0] && ready(rows[0]) ? rows[0].id : null;
  });
  return { id, kill: () => (cli.kill('SIGKILL'), exited) };
}

/** A run's checkpoint folder of `epoch` under openEngine's default root for `dbPath`. */
const checkpointDir = (dbPath: string, id: string, epoch: number) =>
  path.join(path.dirname(dbPath), `${path.basename(dbPath, '.db')}-runs`, id, `epoch-${String(epoch).padStart(4, '0')}`);

describe('supervisor with a real database and real workers', () => {
  it('persists every message of a run and fans events out', async () => {
    const e = engine(freshDb());
    const events: ApiEvent[] = [];
    onApiEvents(e.supervisor, (ev) => events.push(ev));
    e.supervisor.start();
    const id = e.supervisor.enqueue(tiny, { name: 'persisted', tags: ['t1'] });
    expect(await e.supervisor.waitFor(id)).toBe('completed');
    const run = e.store.get(id);
    expect(run.epochs.map((x) => x.epoch)).toEqual([1, 2]);
    expect(run.perClass.reduce((s, c) => s + c.total, 0)).toBe(300);
    expect(run.testAcc).toBeCloseTo(run.perClass.reduce((s, c) => s + c.correct, 0) / 300, 6);
    expect(run.backend).toBeTruthy();
    expect(run.checkpointPath).toMatch(/epoch-0002$/);
    expect(fs.existsSync(path.join(run.checkpointPath!, 'weights.bin'))).toBe(true);
    // Once the newest checkpoint is stored, older ones keep their weights but not the optimizer state.
    expect(fs.existsSync(path.join(run.checkpointPath!, 'optimizer.bin'))).toBe(true);
    expect(['weights.bin', 'optimizer.bin'].map((f) => fs.existsSync(path.join(path.dirname(run.checkpointPath!), 'epoch-0001', f)))).toEqual([true, false]);
    expect(events.filter((x) => x.type === 'run/epoch')).toHaveLength(2);
    expect(events.some((x) => x.type === 'run/progress')).toBe(true);
    expect(events.filter((x) => x.type === 'run/status').map((x) => (x as { status: string }).status)).toEqual(['queued', 'running', 'completed']);

    // Deleting removes the rows and the checkpoint files together.
    await e.supervisor.delete([id]);
    expect(e.store.getStatus(id)).toBeUndefined();
    expect(fs.existsSync(run.checkpointPath!)).toBe(false);
    await e.close();
  });

  it('runs one at a time by default and cancels queued and running runs', async () => {
    const e = engine(freshDb());
    e.supervisor.start();
    const a = e.supervisor.enqueue(long);
    const b = e.supervisor.enqueue(long);
    await until('a running', () => e.store.getStatus(a) === 'running');
    expect(e.store.getStatus(b)).toBe('queued');
    expect(e.supervisor.cancel(b)).toBe('cancelled');
    await until('a first epoch', () => e.store.get(a).epochsDone >= 1);
    e.supervisor.cancel(a);
    expect(await e.supervisor.waitFor(a)).toBe('cancelled');
    expect(e.store.get(a).epochsDone).toBeGreaterThanOrEqual(1);
    await e.close();
  });

  it('kill -9 of a worker mid-epoch keeps its finished epochs and leaves the run interrupted, resumable', async () => {
    const dbPath = freshDb();
    const e = engine(dbPath);
    e.supervisor.start();
    const id = e.supervisor.enqueue(long);
    await until('two epochs', () => e.store.get(id).epochsDone >= 2);
    const pid = e.supervisor.workerPid(id)!;
    process.kill(pid, 'SIGKILL');
    expect(await e.supervisor.waitFor(id)).toBe('interrupted');
    const run = e.store.get(id);
    expect(run.error).toMatch(/SIGKILL/);
    expect(run.epochs.length).toBeGreaterThanOrEqual(2);
    await e.close();

    // Still interrupted after a restart, and resumable from its checkpoint.
    const again = engine(dbPath);
    again.supervisor.start();
    expect(again.store.getStatus(id)).toBe('interrupted');
    await again.close();
  });

  it('kill -9 of the supervisor process mid-run: after restart the run is interrupted and resumes from its checkpoint', async () => {
    const dbPath = freshDb();
    const cli = await cliTrain(dbPath, 6, 1500, (r) => r.epochsDone >= 2 && r.checkpointPath !== null);
    const id = cli.id;
    await cli.kill();
    const before = peek(dbPath, (s) => s.get(id));
    expect(before.status).toBe('running');

    await sleep(1600); // let its heartbeat go stale
    const e = engine(dbPath);
    const { interrupted } = e.supervisor.start();
    expect(interrupted).toEqual([id]);
    const stored = e.store.get(id);
    expect(stored.status).toBe('interrupted');
    expect(stored.epochs.length).toBeGreaterThanOrEqual(2);

    const startEpochs: number[] = [];
    onApiEvents(e.supervisor, (ev) => {
      if (ev.type === 'run/epoch' && ev.runId === id) startEpochs.push(ev.metrics.epoch);
    });
    e.supervisor.resume(id);
    const final = await e.supervisor.waitFor(id);
    expect({ final, error: e.store.get(id).error }).toEqual({ final: 'completed', error: null });
    const done = e.store.get(id);
    // The resumed worker started after the checkpoint's epoch, not from scratch.
    expect(startEpochs[0]).toBeGreaterThan(1);
    expect(done.epochs.map((x) => x.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(done.perClass.length).toBe(10);
    await e.close();
  });

  it('kill -9 while a saved checkpoint is not yet stored: the resume continues from the stored epochs, not from epoch 1', async () => {
    const dbPath = freshDb();
    const cli = await cliTrain(dbPath, 10, 3000, (r) => r.checkpointPath !== null);
    const id = cli.id;
    // Another process holds the write lock: the CLI's writes wait while its worker trains on and
    // saves checkpoints the database does not know of. That is the window a kill -9 can fall in
    // by chance (CI did, once); the lock holds it open.
    const lock = new Database(dbPath);
    lock.exec('BEGIN IMMEDIATE');
    let stored: number;
    try {
      stored = (lock.prepare('SELECT count(*) AS n FROM epochs WHERE run_id = ?').get(id) as { n: number }).n;
      expect(stored).toBeLessThan(10);
      const ahead = checkpointDir(dbPath, id, stored + 1);
      await until('a checkpoint saved past the stored epochs', () => fs.existsSync(path.join(ahead, 'model.json')), 60_000);
      await cli.kill();
    } finally {
      lock.exec('ROLLBACK');
      lock.close();
    }
    // The newest checkpoint the database has epochs for still has its optimizer state.
    expect(fs.existsSync(path.join(checkpointDir(dbPath, id, stored), 'optimizer.bin'))).toBe(true);

    await sleep(1600); // let its heartbeat go stale
    const e = engine(dbPath);
    expect(e.supervisor.start().interrupted).toEqual([id]);
    const startEpochs: number[] = [];
    onApiEvents(e.supervisor, (ev) => {
      if (ev.type === 'run/epoch' && ev.runId === id) startEpochs.push(ev.metrics.epoch);
    });
    e.supervisor.resume(id);
    expect(await e.supervisor.waitFor(id)).toBe('completed');
    expect(startEpochs[0]).toBe(stored + 1);
    expect(e.store.get(id).epochs.map((x) => x.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await e.close();
  });

  it('two processes on one database: a run awaited in one and trained by the other resolves', async () => {
    const dbPath = freshDb();
    const cli = engine(dbPath, { drainQueue: false });
    const app = engine(dbPath);
    cli.supervisor.start();
    // Queued in the shared queue but not by the CLI's own supervisor: the app takes it.
    const id = cli.store.createRun({ config: { ...tiny, epochs: 1 } });
    const waited = cli.supervisor.waitFor(id);
    app.supervisor.start();
    expect(await waited).toBe('completed');
    expect(cli.supervisor.runningIds).toEqual([]);
    await app.close();
    await cli.close();
  });

  it('a queued sweep survives a restart and its runs complete', async () => {
    const dbPath = freshDb();
    const first = engine(dbPath);
    // Not started: the queue is only persisted, as when the app closes with a queue.
    const sweepId = first.store.createSweep({ name: 'depth sweep', grid: { depth: [1, 2] } });
    const ids = [1, 2].map((depth) => first.supervisor.enqueue({ ...tiny, depth, epochs: 1 }, { sweepId, name: `depth=${depth}` }));
    await first.close();

    const second = engine(dbPath);
    expect(second.store.listQueued().map((r) => r.id)).toEqual(ids);
    second.supervisor.start();
    for (const id of ids) expect(await second.supervisor.waitFor(id)).toBe('completed');
    expect(second.store.getSweep(sweepId).counts.completed).toBe(2);
    await second.close();
  });
});
