import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { WsServerMessage } from '../../src-main/api/contract.js';
import { dispatch, type HandlerContext } from '../../src-main/api/handlers.js';
import { serve, type RunningServer } from '../../src-main/api/ws.js';
import { makeContext } from '../../src-main/app/context.js';
import { main } from '../../src-main/cli.js';
import { openEngine, type Engine } from '../../src-main/app/engine.js';
import type { RunEnvironment } from '../../src-main/train/messages.js';
import { SEED_CONFIG } from '../../src-main/vit/config.js';

/**
 * The handlers beyond malformed input, through dispatch (what both transports call), on a real
 * SQLite file. The supervisor is not started, so requeued runs stay queued and nothing trains:
 * finished runs are written through the store as a worker's messages would write them.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-api-handlers-'));
let engine: Engine;
let ctx: HandlerContext;

beforeAll(() => {
  engine = openEngine({ dbPath: path.join(tmp, 'api.db') });
  ctx = makeContext(engine);
});
afterAll(async () => {
  await engine.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const ENV: RunEnvironment = {
  backend: 'wasm',
  versions: { node: '20.20.2', tfjs: '4.22.0' },
  machine: { platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'test cpu', memoryGiB: 8, hostname: 'box' },
};

/** A run that ended `status` after one epoch; completed ones carry a 2-class-correct result. */
function finishedRun(status: 'completed' | 'failed' | 'cancelled', name: string): string {
  const s = engine.store;
  const id = s.createRun({ name, config: { ...SEED_CONFIG, epochs: 2 } });
  s.markStarted(id, ENV);
  s.addEpoch(id, { epoch: 1, trainLoss: 0.5, trainAcc: 0.8, testLoss: 0.6, testAcc: 0.75, seconds: 10, samplesPerSec: 100, lr: 1e-3 });
  if (status === 'completed') {
    const confusion: number[][] = Array.from({ length: 10 }, (_, r) => Array.from({ length: 10 }, (_, c): number => (r === c ? (r < 5 ? 3 : 2) : c === (r + 1) % 10 ? 1 : 0)));
    const perClass = confusion.map((row, c) => ({ correct: row[c], total: row.reduce((a, b) => a + b, 0) }));
    s.setResult(id, { testLoss: 0.6, correct: 25, total: 35, perClass, confusion });
  }
  s.finish(id, status, status === 'failed' ? 'out of memory' : undefined);
  return id;
}

const ok = async (name: string, input: unknown) => {
  const r = await dispatch(name, input, ctx);
  if (!r.ok) throw new Error(`${name}: ${JSON.stringify(r.error)}`);
  return r.result as never;
};
const refused = async (name: string, input: unknown) => {
  const r = await dispatch(name, input, ctx);
  if (r.ok) throw new Error(`${name} should have been refused`);
  return r.error;
};

describe('runs/resume', () => {
  it('requeues failed and cancelled runs, refuses completed and queued ones, and unknown ids', async () => {
    for (const status of ['failed', 'cancelled'] as const) {
      const id = finishedRun(status, `resume ${status}`);
      expect(await ok('runs/resume', { id })).toEqual({ id });
      expect(engine.store.get(id)).toMatchObject({ status: 'queued', error: null });
      // No checkpoint on disk: the run trains again from the start over its stored epoch, which is
      // kept until retrained (runs are deterministic for a seed; no finished epoch is lost).
      expect(engine.store.get(id).epochs.map((e) => e.epoch)).toEqual([1]);
      // A queued run is not resumable a second time.
      expect(await refused('runs/resume', { id })).toMatchObject({ code: 'conflict' });
    }
    const done = finishedRun('completed', 'resume completed');
    expect(await refused('runs/resume', { id: done })).toMatchObject({ code: 'conflict', message: expect.stringMatching(/completed/) });
    expect(engine.store.getStatus(done)).toBe('completed');
    expect(await refused('runs/resume', { id: 'rnosuchrun0000' })).toMatchObject({ code: 'not_found' });
  });
});

describe('runs/update and runs/delete', () => {
  it('renames, re-notes and re-tags a run; refuses an empty name and unknown ids', async () => {
    const id = finishedRun('completed', 'before');
    expect(await ok('runs/update', { id, name: 'after', notes: 'why it matters', tags: ['keep', 'seed'] })).toEqual({ id });
    expect(engine.store.get(id)).toMatchObject({ name: 'after', notes: 'why it matters', tags: ['keep', 'seed'] });
    expect(await refused('runs/update', { id, name: '' })).toMatchObject({ code: 'invalid_input' });
    expect(engine.store.get(id).name).toBe('after');
    expect(await refused('runs/update', { id: 'rnosuchrun0000', name: 'x' })).toMatchObject({ code: 'not_found' });
  });

  it('deletes runs with their checkpoint folders; an unknown id is not_found', async () => {
    const a = finishedRun('completed', 'delete a');
    const b = finishedRun('cancelled', 'delete b');
    const folder = path.join(ctx.supervisor!.opts.checkpointRoot, a, 'epoch-0001');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'model.json'), '{}');
    expect(await ok('runs/delete', { ids: [a, b] })).toEqual({ deleted: [a, b] });
    expect(engine.store.getStatus(a)).toBeUndefined();
    expect(engine.store.getStatus(b)).toBeUndefined();
    expect(fs.existsSync(path.join(ctx.supervisor!.opts.checkpointRoot, a))).toBe(false);
    expect(await refused('runs/delete', { ids: [a] })).toMatchObject({ code: 'not_found' });
  });

  it('refuses, deleting nothing, a list with an unknown run or one another process trains — runs/delete and vitlab rm alike', async () => {
    const done = finishedRun('completed', 'keep me');
    // Running in another process: claimed, started and heartbeating, as that process's supervisor writes it.
    const s = engine.store;
    const busy = s.createRun({ name: 'training elsewhere', config: SEED_CONFIG });
    s.claim(busy);
    s.markStarted(busy, ENV);
    s.heartbeat(busy);
    expect(await refused('runs/delete', { ids: [done, busy] })).toMatchObject({ code: 'conflict', message: `run ${busy} is running in another process; cancel it there first` });
    expect(await refused('runs/delete', { ids: [done, 'rnosuchrun0000'] })).toMatchObject({ code: 'not_found' });
    expect(s.getStatus(done)).toBe('completed');
    const errors: string[] = [];
    const orig = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      expect(await main(['rm', done, busy, '--db', engine.dbPath], () => {})).toBe(1);
    } finally {
      console.error = orig;
    }
    expect(errors.join('\n')).toContain(`run ${busy} is running in another process`);
    expect(s.getStatus(done)).toBe('completed');
    expect(s.getStatus(busy)).toBe('running');
    s.finish(busy, 'cancelled');
    expect(await ok('runs/delete', { ids: [done, busy] })).toEqual({ deleted: [done, busy] });
  });
});

describe('sweeps', () => {
  it('preview counts valid and skipped combinations with their reasons', async () => {
    // dim 64: heads 3 does not divide it, heads 4 does; 2 depths × 2 heads = 4, 2 of them valid.
    const plan = (await ok('sweeps/preview', { base: { epochs: 1 }, grid: { depth: [1, 2], heads: [3, 4] } })) as {
      total: number;
      runs: { values: object }[];
      skipped: { values: object; issues: { field: string }[] }[];
    };
    expect(plan.total).toBe(4);
    expect(plan.runs.map((r) => r.values)).toEqual([
      { depth: 1, heads: 4 },
      { depth: 2, heads: 4 },
    ]);
    expect(plan.skipped.map((s) => [s.values, s.issues.map((i) => i.field)])).toEqual([
      [{ depth: 1, heads: 3 }, ['heads']],
      [{ depth: 2, heads: 3 }, ['heads']],
    ]);
  });

  it('start queues the valid runs under one sweep, named by their values; a grid with none valid is refused', async () => {
    const before = engine.store.list({}).total;
    const r = (await ok('sweeps/start', { base: { epochs: 1 }, grid: { depth: [1, 2], heads: [3, 4] }, name: 'depth × heads' })) as {
      sweepId: string;
      runIds: string[];
      skipped: unknown[];
    };
    expect(r.runIds).toHaveLength(2);
    expect(r.skipped).toHaveLength(2);
    expect(r.runIds.map((id) => engine.store.get(id).name)).toEqual(['depth=1 heads=4', 'depth=2 heads=4']);
    expect(r.runIds.map((id) => engine.store.get(id).config.depth)).toEqual([1, 2]);
    expect(engine.store.getSweep(r.sweepId)).toMatchObject({ name: 'depth × heads', counts: { queued: 2 } });

    const none = await refused('sweeps/start', { base: {}, grid: { heads: [3, 5] } });
    expect(none).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/no valid combination/) });
    expect(none.issues?.map((i) => i.field)).toEqual(['heads', 'heads']);
    expect(await refused('sweeps/preview', { base: {}, grid: { depht: [1] } })).toMatchObject({ code: 'invalid_input' });
    expect(engine.store.list({}).total).toBe(before + 2);
  });
});

describe('reports/export', () => {
  it('exports a run as Markdown with its accuracy, several runs as CSV rows; refuses a foreign baseline and file writes over this transport', async () => {
    const a = finishedRun('completed', 'report a');
    const b = finishedRun('completed', 'report b');
    const md = (await ok('reports/export', { ids: [a], format: 'md' })) as { content: string; filename: string; mime: string; encoding: string };
    expect(md).toMatchObject({ filename: 'report-a.md', mime: 'text/markdown; charset=utf-8', encoding: 'utf8' });
    // 25 of 35 correct = 71.43 %.
    expect(md.content).toContain('71.43');
    const csv = (await ok('reports/export', { ids: [a, b], format: 'csv' })) as { content: string; filename: string };
    expect(csv.filename).toBe('runs-2.csv');
    const lines = csv.content.trim().split(/\r?\n/);
    expect(lines).toHaveLength(3);
    expect(lines.slice(1).every((l) => l.includes('completed'))).toBe(true);

    expect(await refused('reports/export', { ids: [a], format: 'md', baselineId: b })).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/baseline/) });
    const target = path.join(tmp, 'should-not-exist.md');
    expect(await refused('reports/export', { ids: [a], format: 'md', path: target })).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/not allowed/) });
    expect(fs.existsSync(target)).toBe(false);
    expect(await refused('reports/export', { ids: ['rnosuchrun0000'], format: 'md' })).toMatchObject({ code: 'not_found' });
  });
});

describe('comparisons', () => {
  it('save, list and delete a named comparison; deleting it twice is not_found', async () => {
    const a = finishedRun('completed', 'cmp a');
    const b = finishedRun('completed', 'cmp b');
    const saved = (await ok('comparisons/save', { name: 'a vs b', runIds: [a, b], baselineRunId: a, settings: { axis: 'macs' } })) as { id: string };
    expect(saved).toMatchObject({ name: 'a vs b', runIds: [a, b], baselineRunId: a, settings: { axis: 'macs' } });
    const listed = (await ok('comparisons/list', {})) as { id: string; name: string }[];
    expect(listed.map((c) => c.id)).toContain(saved.id);
    expect(await ok('comparisons/delete', { id: saved.id })).toEqual({ id: saved.id });
    expect(((await ok('comparisons/list', {})) as { id: string }[]).map((c) => c.id)).not.toContain(saved.id);
    expect(await refused('comparisons/delete', { id: saved.id })).toMatchObject({ code: 'not_found' });
    expect(await refused('comparisons/save', { name: '', runIds: [a] })).toMatchObject({ code: 'invalid_input' });
  });

  it('a save while another connection holds the write lock is refused as unavailable, naming the database', async () => {
    const dbPath = path.join(tmp, 'locked.db');
    const e = openEngine({ dbPath, busyTimeoutMs: 100 });
    const other = new Database(dbPath);
    try {
      const c = makeContext(e);
      const run = (await dispatch('runs/start', { config: { epochs: 1 } }, c)) as { ok: true; result: { id: string } };
      other.exec('BEGIN IMMEDIATE');
      const r = await dispatch('comparisons/save', { name: 'locked', runIds: [run.result.id] }, c);
      expect(r).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringContaining(dbPath) } });
      expect(!r.ok && r.error.message).toMatch(/locked by another process/);
      other.exec('ROLLBACK');
      // Nothing was half-written: the same save goes through once the lock is gone.
      expect(await dispatch('comparisons/save', { name: 'locked', runIds: [run.result.id] }, c)).toMatchObject({ ok: true, result: { name: 'locked' } });
    } finally {
      other.close();
      await e.close();
    }
  });
});

describe('garbage over WebSocket', () => {
  let server: RunningServer;
  beforeAll(async () => {
    const staticDir = path.join(tmp, 'static');
    fs.mkdirSync(staticDir, { recursive: true });
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>ViT Lab</title>');
    server = await serve(ctx, { staticDir });
  });
  afterAll(async () => {
    await server.close();
  });

  const connect = async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    return ws;
  };

  /**
   * The next message, or the close code if the server closes instead; silence is a failure, not a
   * hang until the test's timeout (the server answers a frame in milliseconds: 10 s means never).
   */
  const answer = (ws: WebSocket) =>
    new Promise<{ message?: WsServerMessage; closed?: number; silent?: true }>((resolve) => {
      const t = setTimeout(() => resolve({ silent: true }), 10_000);
      ws.once('message', (raw) => (clearTimeout(t), resolve({ message: JSON.parse(raw.toString()) as WsServerMessage })));
      ws.once('close', (code) => (clearTimeout(t), resolve({ closed: code })));
    });

  it('each malformed frame is answered with invalid_input or a close code, and the server keeps answering', async () => {
    const frames: (string | Buffer)[] = ['garbage', '{"id":"one","name":"system/info"}', 'null', '[1,2,3]', '{"id":1}', Buffer.from([0xff, 0x00, 0xfe])];
    for (const frame of frames) {
      const ws = await connect();
      const reply = answer(ws);
      ws.send(frame);
      const r = await reply;
      expect(r.silent, `no answer and no close for ${String(frame)}`).toBeUndefined();
      if (r.closed !== undefined) {
        expect(r.closed, String(frame)).toBeGreaterThanOrEqual(1000);
      } else {
        expect(r.message, String(frame)).toMatchObject({ response: { ok: false, error: { code: 'invalid_input' } } });
      }
      ws.close();
    }
    // Still up: a well-formed request on a fresh socket gets its answer.
    const ws = await connect();
    const reply = answer(ws);
    ws.send(JSON.stringify({ id: 7, name: 'system/info', input: {} }));
    expect((await reply).message).toMatchObject({ id: 7, response: { ok: true, result: { version: expect.any(String) } } });
    ws.close();
  });
});
