import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { requests, type ApiEvent, type WsServerMessage } from '../../src-main/api/contract.js';
import { dispatch, type HandlerContext } from '../../src-main/api/handlers.js';
import { serve, type RunningServer } from '../../src-main/api/ws.js';
import { openEngine, type Engine } from '../../src-main/app/engine.js';
import { until } from '../fixtures/wait.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-api-'));
let engine: Engine;
let ctx: HandlerContext;
let server: RunningServer;

beforeAll(async () => {
  const staticDir = path.join(tmp, 'static');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>ViT Lab</title>');
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'outside the static folder');
  engine = openEngine({ dbPath: path.join(tmp, 'api.db'), heartbeatMs: 200 });
  engine.supervisor.start();
  ctx = { supervisor: engine.supervisor, dbPath: engine.dbPath, dataDir: tmp, version: 'test' };
  server = await serve(ctx, { staticDir });
});
afterAll(async () => {
  await server.close();
  await engine.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function httpRequest(p: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: p, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

const post = (name: string, input: unknown, token = server.token) =>
  httpRequest(`/api/${name}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(input) });

describe('every request refuses malformed input with a typed error', () => {
  const malformed: unknown[] = [{ bogusField: 1 }, 'a string', [1, 2], 42];
  for (const name of Object.keys(requests)) {
    it(name, async () => {
      for (const input of malformed) {
        const r = await dispatch(name, input, ctx);
        expect(r.ok, `${name} ${JSON.stringify(input)}`).toBe(false);
        if (!r.ok) expect(r.error.code).toBe('invalid_input');
      }
    });
  }

  it('names the field in config errors and stores nothing', async () => {
    const r = await dispatch('runs/start', { config: { heads: 3 } }, ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ field: 'heads' }] } });
    expect(engine.store.list({}).total).toBe(0);
  });

  it('unknown requests and unknown runs', async () => {
    expect(await dispatch('runs/explode', {}, ctx)).toMatchObject({ ok: false, error: { code: 'unknown_request' } });
    expect(await dispatch('__proto__', {}, ctx)).toMatchObject({ ok: false, error: { code: 'unknown_request' } });
    expect(await dispatch('runs/get', { id: 'nope' }, ctx)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await dispatch('runs/list', { sort: 'evil; DROP TABLE runs' }, ctx)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('cost/preview answers for partial configs, with issues when invalid', async () => {
    const ok = await dispatch('cost/preview', { config: { depth: 4 } }, ctx);
    expect(ok).toMatchObject({ ok: true, result: { ok: true, cost: { params: { layerTotal: 49_984 }, macs: { layerTotal: 277_760_000 } } } });
    const bad = await dispatch('cost/preview', { config: { patch: 5 } }, ctx);
    expect(bad).toMatchObject({ ok: true, result: { ok: false, issues: [{ field: 'patch' }] } });
  });
});

describe('vitlab serve transport', () => {
  it('refuses requests without the token, with a wrong one, or with a foreign Host', async () => {
    expect((await httpRequest('/')).status).toBe(401);
    expect((await httpRequest('/?token=wrong')).status).toBe(401);
    expect((await post('system/info', {}, 'wrong')).status).toBe(401);
    expect((await httpRequest(`/?token=${server.token}`, { headers: { Host: 'evil.example:80' } })).status).toBe(403);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api`);
    const err = await new Promise<string>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      ws.on('error', (e) => resolve(e.message));
    });
    expect(err).toMatch(/401/);
  });

  it('serves the dashboard with the token and sets a same-site cookie; never files outside it', async () => {
    const r = await httpRequest(`/?token=${server.token}`);
    expect(r.status).toBe(200);
    expect(r.body).toContain('ViT Lab');
    expect(String(r.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    const cookie = `vitlab_token=${encodeURIComponent(server.token)}`;
    expect((await httpRequest('/index.html', { headers: { Cookie: cookie } })).status).toBe(200);
    expect((await httpRequest('/../secret.txt', { headers: { Cookie: cookie } })).body).not.toContain('outside');
    expect((await httpRequest('/%2e%2e/secret.txt', { headers: { Cookie: cookie } })).body).not.toContain('outside');
  });

  it('HTTP requests get typed JSON answers; bad JSON is refused', async () => {
    const info = await post('system/info', {});
    expect(info.status).toBe(200);
    expect(JSON.parse(info.body)).toMatchObject({ ok: true, result: { version: 'test' } });
    const bad = await httpRequest('/api/runs/list', { method: 'POST', headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' }, body: '{not json' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('over WebSocket: start a real run, receive its events, see it completed', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    await new Promise((r) => ws.once('open', r));
    const events: ApiEvent[] = [];
    const replies = new Map<number, (m: WsServerMessage) => void>();
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as WsServerMessage;
      if ('event' in m) events.push(m.event);
      else replies.get(m.id)?.(m);
    });
    let next = 1;
    const call = (name: string, input: unknown) =>
      new Promise<WsServerMessage>((resolve) => {
        const id = next++;
        replies.set(id, resolve);
        ws.send(JSON.stringify({ id, name, input }));
      });
    const started = await call('runs/start', { preset: 'tiny', config: { epochs: 1, limitTrain: 300, limitTest: 100 }, name: 'over ws' });
    expect(started).toMatchObject({ response: { ok: true } });
    const runId = (started as { response: { ok: true; result: { id: string } } }).response.result.id;
    expect(await engine.supervisor.waitFor(runId)).toBe('completed');
    await new Promise((r) => setTimeout(r, 100));
    expect(events.some((e) => e.type === 'run/epoch' && e.runId === runId)).toBe(true);
    expect(events.some((e) => e.type === 'run/status' && e.runId === runId && e.status === 'completed')).toBe(true);
    const list = await call('runs/list', { sort: 'createdAt' });
    expect(list).toMatchObject({ response: { ok: true, result: { total: 1, rows: [{ id: runId, status: 'completed', name: 'over ws' }] } } });
    // Garbage on the same socket gets a typed refusal (id -1: it has no id), and the socket still answers.
    const refusal = new Promise<WsServerMessage>((resolve) => replies.set(-1, resolve));
    ws.send('garbage');
    expect(await refusal).toMatchObject({ id: -1, response: { ok: false, error: { code: 'invalid_input' } } });
    expect(await call('system/info', {})).toMatchObject({ response: { ok: true, result: { version: 'test' } } });
    // The wire as the dashboard knows it (the supervisor's domain events mapped by api/events.ts):
    // the run's statuses in order, and a list-changed event for its creation, an edit, its deletion.
    expect(events.filter((e) => e.type === 'run/status' && e.runId === runId).map((e) => (e as { status: string }).status)).toEqual(['queued', 'running', 'completed']);
    expect(await call('runs/update', { id: runId, name: 'renamed over ws' })).toMatchObject({ response: { ok: true } });
    expect(await call('runs/delete', { ids: [runId] })).toMatchObject({ response: { ok: true, result: { deleted: [runId] } } });
    await until('the edit and the deletion told over the socket', () => events.filter((e) => e.type === 'runs/changed').length >= 3);
    expect(events.filter((e) => e.type === 'runs/changed')).toEqual([
      { type: 'runs/changed', reason: 'created' },
      { type: 'runs/changed', reason: 'updated' },
      { type: 'runs/changed', reason: 'deleted' },
    ]);
    ws.close();
  });
});

describe('repeats over seeds and grouped lists through the contract', () => {
  it('refuses repeats and seeds together, duplicate seeds, zero repeats — as invalid_input naming the field', async () => {
    for (const input of [
      { config: {}, repeats: 2, seeds: [1, 2] },
      { config: {}, seeds: [1, 1] },
      { config: {}, repeats: 0 },
    ]) {
      const r = await dispatch('runs/start', input, ctx);
      expect(r.ok, JSON.stringify(input)).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('invalid_input');
        expect(r.error.issues?.[0]?.field).toMatch(/seeds|repeats/);
      }
    }
  });

  it('sweeps/preview with repeats: every combination once per seed, from the base seed, repeats together', async () => {
    const r = await dispatch('sweeps/preview', { base: { seed: 4 }, grid: { depth: [1, 2] }, repeats: 3 }, ctx);
    expect(r.ok).toBe(true);
    if (r.ok) {
      const plan = r.result as { runs: { config: { depth: number; seed: number } }[] };
      expect(plan.runs.map((x) => `${x.config.depth}/${x.config.seed}`)).toEqual(['1/4', '1/5', '1/6', '2/4', '2/5', '2/6']);
    }
    const clash = await dispatch('sweeps/preview', { base: {}, grid: { seed: [1, 2] }, repeats: 2 }, ctx);
    expect(clash.ok).toBe(false);
  });

  it('runs/groups validates its sort and group filters', async () => {
    expect((await dispatch('runs/groups', { sort: 'testAccStd', having: { n: { min: 2 } } }, ctx)).ok).toBe(true);
    const bad = await dispatch('runs/groups', { sort: 'seed' }, ctx);
    expect(bad.ok).toBe(false);
  });
});
