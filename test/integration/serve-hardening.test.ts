import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/store/db.js';
import { RunStore } from '../../src-main/store/runs.js';
import { SEED_CONFIG } from '../../src-main/vit/config.js';
import { SERVE_MAX_BODY } from '../../src-main/cli/serve.js';
import { answers, bodyOf, closeCodeOf, frame, isTypedError, raw, request, startServe, statusOf, upgradeRequest, type ServeProcess } from './serve-process.js';

/**
 * One regression test per item of issue 11 that concerns `vitlab serve` (1, 2, 3, 4, 6), against a
 * real serve process. Each one killed serve or let the request through on main (eaf1d6b / 6cdda39).
 */

let srv: ServeProcess;
let runId = '';

/** A finished run to rename: seeded into the SQLite file before serve opens it, so nothing trains. */
function seed(dbPath: string): void {
  const db = openDatabase(dbPath);
  const store = new RunStore(db);
  runId = store.createRun({ config: SEED_CONFIG, name: 'original' });
  store.finish(runId, 'cancelled');
  db.close();
}

// A test that kills serve must not take the following ones down with it: start a fresh one.
beforeEach(async () => {
  if (srv && (await answers(srv))) return;
  if (srv) {
    process.stderr.write(`serve died in the previous test:\n${srv.stderr().slice(-2000)}\n`);
    await srv.stop();
  }
  srv = await startServe({ seed });
}, 60_000);
afterAll(async () => srv?.stop());

const bearer = () => ({ Authorization: `Bearer ${srv.token}` });
const cookie = () => ({ Cookie: `vitlab_token=${encodeURIComponent(srv.token)}` });
const foreignOrigin = () => `http://127.0.0.1:${srv.port === 65535 ? 65534 : srv.port + 1}`;
const nameOfRun = async () => (JSON.parse((await request(srv.port, '/api/runs/get', { method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/json' }, body: JSON.stringify({ id: runId }) })).body) as { result: { name: string } }).result.name;

function expectTyped(status: number, body: string, wanted: number | number[], code?: string | RegExp): void {
  expect([wanted].flat(), `status ${status}: ${body}`).toContain(status);
  expect(isTypedError(body), body).toBe(true);
  if (code) expect((JSON.parse(body) as { error: { code: string } }).error.code).toMatch(code);
}

describe('item 1: a malformed token cookie is refused, never a crash', () => {
  it('over plain HTTP', async () => {
    for (const c of ['vitlab_token=%', 'vitlab_token=%E0%A4%A', 'a=b; vitlab_token=%zz; c', 'vitlab_token', '=;;=']) {
      const r = await request(srv.port, '/', { headers: { Cookie: c } });
      expectTyped(r.status, r.body, 401, 'unauthorized');
    }
    expect(await answers(srv)).toBe(true);
  });

  it('on the WebSocket upgrade', async () => {
    const r = await raw(srv.port, upgradeRequest(srv, '/api', { Cookie: 'vitlab_token=%' }));
    expect(statusOf(r)).toBe(401);
    expect(isTypedError(bodyOf(r)), r.toString()).toBe(true);
    expect(await answers(srv)).toBe(true);
  });

  it('a well-formed cookie still lets the dashboard in', async () => {
    expect((await request(srv.port, '/assets/app.js', { headers: cookie() })).status).toBe(200);
  });
});

describe('item 2: a malformed static path is refused, never a crash', () => {
  it('malformed percent-escapes and NUL bytes', async () => {
    for (const p of ['/%', '/assets/%E0%A4%A', '/a%00b.html', '/index.html%00.js', '/%C0%AE%C0%AE/secret.txt']) {
      const r = await request(srv.port, p, { headers: bearer() });
      expectTyped(r.status, r.body, [400, 404], /invalid_input|not_found/);
    }
    const nul = await raw(srv.port, `GET /a\0b HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nAuthorization: Bearer ${srv.token}\r\n\r\n`);
    expect(statusOf(nul)).toBe(400);
    expect(await answers(srv)).toBe(true);
  });

  it('a request target that is no URL path', async () => {
    for (const target of ['//[', 'http://[/x', '*', '//evil.example/index.html']) {
      const r = await raw(srv.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nAuthorization: Bearer ${srv.token}\r\nConnection: close\r\n\r\n`);
      expect([400, 404], `${target}: ${r.toString()}`).toContain(statusOf(r));
      expect(isTypedError(bodyOf(r)), r.toString()).toBe(true);
    }
    expect(await answers(srv)).toBe(true);
  });
});

describe('item 3: a state-changing request needs JSON and the right origin', () => {
  const rename = (headers: Record<string, string>, name: string) => request(srv.port, '/api/runs/update', { method: 'POST', headers, body: JSON.stringify({ id: runId, name }) });

  it("a page on another local port cannot rename a run with the dashboard's cookie (no-cors, text/plain)", async () => {
    const r = await rename({ ...cookie(), Origin: foreignOrigin(), 'Content-Type': 'text/plain;charset=UTF-8' }, 'renamed by another site');
    expectTyped(r.status, r.body, [403, 415], /forbidden|unsupported_media_type/);
    expect(await nameOfRun()).toBe('original');
  });

  it('names what is wrong: the origin (403), the content type (415)', async () => {
    const foreign = await rename({ ...cookie(), Origin: foreignOrigin(), 'Content-Type': 'application/json' }, 'x');
    expectTyped(foreign.status, foreign.body, 403, 'forbidden');
    expect(foreign.body).toContain('Origin');
    const text = await rename({ ...cookie(), Origin: srv.origin, 'Content-Type': 'text/plain' }, 'x');
    expectTyped(text.status, text.body, 415, 'unsupported_media_type');
    expect(text.body).toContain('application/json');
    const none = await rename({ ...bearer() }, 'x');
    expectTyped(none.status, none.body, 415, 'unsupported_media_type');
    // A cookie (or ?token=) is what a browser sends on its own: without an Origin it is not enough.
    const noOrigin = await rename({ ...cookie(), 'Content-Type': 'application/json' }, 'x');
    expectTyped(noOrigin.status, noOrigin.body, 403, 'forbidden');
    const query = await request(srv.port, `/api/runs/update?token=${srv.token}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: runId, name: 'x' }) });
    expectTyped(query.status, query.body, 403, 'forbidden');
    // Even the bearer header does not make a foreign page's request acceptable.
    const bearerForeign = await rename({ ...bearer(), Origin: foreignOrigin(), 'Content-Type': 'application/json' }, 'x');
    expectTyped(bearerForeign.status, bearerForeign.body, 403, 'forbidden');
    const nullOrigin = await rename({ ...cookie(), Origin: 'null', 'Content-Type': 'application/json' }, 'x');
    expectTyped(nullOrigin.status, nullOrigin.body, 403, 'forbidden');
    expect(await nameOfRun()).toBe('original');
  });

  it('the dashboard (own origin, cookie, JSON) and non-browser clients (bearer, JSON) still work', async () => {
    const own = await rename({ ...cookie(), Origin: srv.origin, 'Content-Type': 'application/json; charset=utf-8' }, 'renamed by the dashboard');
    expect(own.status, own.body).toBe(200);
    expect(await nameOfRun()).toBe('renamed by the dashboard');
    const cli = await rename({ ...bearer(), 'Content-Type': 'application/json' }, 'original');
    expect(cli.status, cli.body).toBe(200);
    expect(await nameOfRun()).toBe('original');
  });
});

describe('item 4: a bad WebSocket frame closes that socket with a code, never serve', () => {
  const open = () => upgradeRequest(srv, `/api?token=${srv.token}`);

  it('a frame larger than the payload limit gets 1009', async () => {
    const big = await raw(srv.port, Buffer.concat([Buffer.from(open()), frame(1, Buffer.alloc(64, 'a'), { length: SERVE_MAX_BODY + 1 })]));
    expect(statusOf(big)).toBe(101);
    expect(closeCodeOf(big)).toBe(1009);
    expect(await answers(srv)).toBe(true);
  });

  it('invalid UTF-8 in a text frame gets 1007', async () => {
    const bad = await raw(srv.port, Buffer.concat([Buffer.from(open()), frame(1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))]));
    expect(statusOf(bad)).toBe(101);
    expect(closeCodeOf(bad)).toBe(1007);
    expect(await answers(srv)).toBe(true);
  });

  it('an unmasked client frame, a reserved opcode, a reset mid-frame', async () => {
    expect(closeCodeOf(await raw(srv.port, Buffer.concat([Buffer.from(open()), frame(1, Buffer.from('{}'), { mask: false })])))).toBe(1002);
    expect(closeCodeOf(await raw(srv.port, Buffer.concat([Buffer.from(open()), frame(3, Buffer.from('x'))])))).toBe(1002);
    await raw(srv.port, Buffer.concat([Buffer.from(open()), frame(1, Buffer.alloc(1000, 'a')).subarray(0, 20)]), { maxMs: 50 });
    expect(await answers(srv)).toBe(true);
  });
});

describe('item 6: static files never follow symlinks out of the dashboard folder', () => {
  it('a symlinked file and a symlinked folder pointing outside are refused', async () => {
    for (const p of ['/leak.txt', '/up/secret.txt', '/up/serve.db']) {
      const r = await request(srv.port, p, { headers: bearer() });
      expect(r.body, p).not.toContain('SECRET');
      expectTyped(r.status, r.body, [403, 404], /forbidden|not_found/);
    }
    expect((await request(srv.port, '/assets/app.js', { headers: bearer() })).status).toBe(200);
  });
});

describe('JSON bodies nested too deep get a clear error, not a stack overflow', () => {
  it('over HTTP', async () => {
    // On main: 500 "internal: Maximum call stack size exceeded" (the settings blob is stringified recursively).
    const deep = `{"name":"deep","runIds":[${JSON.stringify(runId)}],"settings":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const r = await request(srv.port, '/api/comparisons/save', { method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/json' }, body: deep });
    expectTyped(r.status, r.body, 400, 'invalid_input');
    expect(r.body).toMatch(/nest/);
    expect(await answers(srv)).toBe(true);
  });
});
