import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src-main/api/contract.js';
import { openDatabase } from '../../src-main/store/db.js';
import { RunStore } from '../../src-main/store/runs.js';
import { SEED_CONFIG } from '../../src-main/vit/config.js';
import { answers, bodyOf, frame, isTypedError, raw, request, serverFrames, startServe, statusOf, upgradeRequest, type Answer, type ServeProcess } from './serve-process.js';

/**
 * Fuzzes `vitlab serve` at its boundaries (issue 11): random and mutated requests, methods,
 * targets, headers, cookies, bodies, raw bytes on a bare socket and WebSocket frames, thrown at a
 * real serve process on loopback with a real SQLite file. After every case the process must still
 * be up and answering, and what it answered must be a typed error or a correct answer — and the
 * security rules must hold (no token: 401; a state change without our Origin or JSON: 403/415;
 * nothing from outside the dashboard folder).
 *
 * Bounded in count and in time (numRuns and interruptAfterTimeLimit per property). The seed is
 * printed on failure; rerun one with VITLAB_FUZZ_SEED=<seed>.
 */

const SEED = process.env.VITLAB_FUZZ_SEED ? Number(process.env.VITLAB_FUZZ_SEED) : (Date.now() ^ Math.floor(Math.random() * 2 ** 31)) | 0;
const TIME_LIMIT_MS = 20_000;

let srv: ServeProcess;
let runId = '';

beforeAll(async () => {
  // An empty --data folder: should a fuzzed request ever start a run, it fails at once instead of training.
  srv = await startServe({
    emptyData: true,
    seed: (dbPath) => {
      const db = openDatabase(dbPath);
      const store = new RunStore(db);
      runId = store.createRun({ config: SEED_CONFIG, name: 'fuzz target' });
      store.finish(runId, 'cancelled');
      db.close();
    },
  });
}, 60_000);
afterAll(async () => srv?.stop());

async function check<T>(name: string, arb: fc.Arbitrary<T>, numRuns: number, predicate: (t: T) => Promise<void>): Promise<void> {
  let cases = 0;
  try {
    await fc.assert(
      fc.asyncProperty(arb, async (t) => {
        cases++;
        await predicate(t);
        expect(srv.running(), `serve died:\n${srv.stderr().slice(-3000)}`).toBe(true);
        expect(await answers(srv), `serve stopped answering:\n${srv.stderr().slice(-3000)}`).toBe(true);
      }),
      { seed: SEED, numRuns, interruptAfterTimeLimit: TIME_LIMIT_MS, endOnFailure: false },
    );
  } catch (e) {
    throw new Error(`${name}: fuzz seed ${SEED} (rerun: VITLAB_FUZZ_SEED=${SEED} npx vitest run test/integration/serve-fuzz.test.ts)\n${(e as Error).message}\n${String((e as Error).cause ?? '')}`, { cause: e });
  }
  // A figure for the log, not an assertion on time: how many cases this machine got through.
  process.stdout.write(`serve fuzz ${name}: ${cases} cases, seed ${SEED}\n`);
  expect(cases).toBeGreaterThan(0);
}

// ── pieces requests are made of ─────────────────────────────────────────────────────────────────

const printable = (max: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max });
/** Names a fuzz case may call: not those that start training (the fuzz is about the transport). */
const NAMES = Object.keys(requests).filter((n) => !['runs/start', 'sweeps/start', 'runs/resume'].includes(n));
const SPICE = ['%', '%0', '%00', '%zz', '%E0%A4%A', '%C0%AE', '%2e%2e', '%2f', '..', '/', '//', '\\', '?', '#', '?token=', ';', '=', '"', '[', ']', '%25', '~'];

/** A string with random pieces of trouble spliced in at random places. */
function mutated(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(base, fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...SPICE), printable(4))), { maxLength: 4 }))
    .map(([s, edits]) => edits.reduce((acc, [at, piece]) => acc.slice(0, at % (acc.length + 1)) + piece + acc.slice(at % (acc.length + 1)), s));
}

const basePath = fc.constantFrom('/', '/index.html', '/assets/app.js', '/assets/', '/leak.txt', '/up/secret.txt', '/up/serve.db', '/api', '/api/', '/favicon.ico', ...NAMES.map((n) => `/api/${n}`));
/** node:http refuses to send some bytes in a path; those go through the raw-socket property. */
const sendablePath = (p: string) => p.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));
const pathArb = fc.oneof(basePath, mutated(basePath), fc.webPath().map((p) => `/${p.replace(/^\/+/, '')}`), printable(40).map((p) => `/${p}`)).map(sendablePath);

interface Creds {
  bearer: 'good' | 'bad' | 'none' | 'junk';
  cookie: 'good' | 'bad' | 'none' | 'junk';
  query: 'good' | 'bad' | 'none' | 'junk';
}
const credArb: fc.Arbitrary<Creds> = fc.record({
  bearer: fc.constantFrom('good', 'bad', 'none', 'junk'),
  cookie: fc.constantFrom('good', 'bad', 'none', 'junk'),
  query: fc.constantFrom('good', 'bad', 'none', 'junk'),
});
const junkCookie = mutated(fc.constantFrom('vitlab_token=%', 'vitlab_token="%"', 'a=b; vitlab_token', '=', ';;', 'vitlab_token=%E0%A4%A; x=1', 'vitlab_token=%zz'));

type OriginKind = 'none' | 'own' | 'foreign' | 'null' | 'junk';
type TypeKind = 'none' | 'json' | 'json-charset' | 'text' | 'form' | 'junk';
type HostKind = 'own' | 'localhost' | 'ipv6' | 'evil' | 'junk';
const bodyArb = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 2, arbitrary: fc.record({ id: fc.oneof(fc.string(), fc.constant('nope')), name: fc.string(), ids: fc.array(fc.string(), { maxLength: 3 }) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: mutated(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? '{}')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 50_000 }).map((n) => `{"settings":${'['.repeat(n)}${']'.repeat(n)}}`) },
  { weight: 1, arbitrary: fc.constant('') },
);

const httpCase = fc.record({
  method: fc.oneof(fc.constantFrom('GET', 'HEAD', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), fc.stringMatching(/^[A-Z]{1,8}$/).filter((m) => m !== 'CONNECT')),
  path: pathArb,
  creds: credArb,
  origin: fc.constantFrom<OriginKind>('none', 'own', 'own', 'foreign', 'null', 'junk'),
  type: fc.constantFrom<TypeKind>('none', 'json', 'json', 'json-charset', 'text', 'form', 'junk'),
  host: fc.constantFrom<HostKind>('own', 'own', 'own', 'localhost', 'ipv6', 'evil', 'junk'),
  body: fc.option(bodyArb, { nil: undefined }),
  junk: printable(30),
  junkCookie,
});

// ── property 1: structured HTTP requests ────────────────────────────────────────────────────────

describe('serve under fuzz', () => {
  it('random and mutated HTTP requests: always a typed answer, the rules hold, serve stays up', async () => {
    await check('http', httpCase, 1500, async (c) => {
      const token = srv.token;
      const headers: Record<string, string> = {};
      const pick = (k: string, t: string) => ({ good: token, bad: `${token}x`, none: null, junk: t })[k];
      const bearer = pick(c.creds.bearer, c.junk);
      if (bearer !== null && bearer !== undefined) headers.Authorization = c.creds.bearer === 'junk' ? bearer : `Bearer ${bearer}`;
      if (c.creds.cookie === 'junk') headers.Cookie = c.junkCookie;
      else if (c.creds.cookie !== 'none') headers.Cookie = `vitlab_token=${encodeURIComponent(c.creds.cookie === 'good' ? token : `${token}x`)}`;
      const q = pick(c.creds.query, c.junk);
      let target = c.path;
      if (q !== null && q !== undefined) {
        // Before any '#': what follows it is a fragment, not the query.
        const hash = target.includes('#') ? target.indexOf('#') : target.length;
        const [before, after] = [target.slice(0, hash), target.slice(hash)];
        target = `${before}${before.includes('?') ? '&' : '?'}token=${sendablePath(c.creds.query === 'junk' ? q : encodeURIComponent(q))}${after}`;
      }
      const origin = { none: null, own: srv.origin, foreign: `http://127.0.0.1:${srv.port === 1 ? 2 : srv.port - 1}`, null: 'null', junk: c.junk }[c.origin];
      if (origin !== null) headers.Origin = origin;
      const type = { none: null, json: 'application/json', 'json-charset': 'application/json; charset=utf-8', text: 'text/plain;charset=UTF-8', form: 'application/x-www-form-urlencoded', junk: c.junk }[c.type];
      if (type !== null) headers['Content-Type'] = type;
      headers.Host = { own: `127.0.0.1:${srv.port}`, localhost: `localhost:${srv.port}`, ipv6: `[::1]:${srv.port}`, evil: 'evil.example', junk: c.junk }[c.host];

      let r: Answer;
      try {
        r = await request(srv.port, target, { method: c.method, headers, body: c.body === undefined ? undefined : Buffer.from(c.body, 'latin1') });
      } catch (e) {
        // node:http refused to build this request (an invalid header character): nothing reached serve.
        if ((e as NodeJS.ErrnoException).code === 'ERR_INVALID_CHAR' || (e as NodeJS.ErrnoException).code === 'ERR_INVALID_HTTP_TOKEN') return;
        throw e;
      }
      const what = `${c.method} ${target} ${JSON.stringify(headers)} → ${r.status} ${r.body.slice(0, 300)}`;
      expect(r.status, what).toBeGreaterThanOrEqual(200);
      expect(r.status, what).toBeLessThan(600);
      if (r.status >= 400 && c.method !== 'HEAD') expect(isTypedError(r.body), what).toBe(true);
      expect(r.body, what).not.toContain('SECRET');

      // A target that is no path is refused first (by Node's parser or ours).
      if (!target.startsWith('/')) return void expect(r.status, what).toBe(400);
      // A method Node's parser does not know is refused before anything else is looked at.
      if (r.status === 400 && r.body.includes('malformed HTTP request')) return;
      const ownHost = [`127.0.0.1:${srv.port}`, `localhost:${srv.port}`, `[::1]:${srv.port}`].includes(headers.Host.trim() || (headers.Host === '' ? `127.0.0.1:${srv.port}` : '')); // node:http fills in an empty Host
      const authorised = c.creds.bearer === 'good' || c.creds.cookie === 'good' || c.creds.query === 'good';
      if (!ownHost) expect(r.status, what).toBe(403);
      if (ownHost && !authorised && c.creds.cookie !== 'junk' && c.creds.query !== 'junk' && c.creds.bearer !== 'junk') expect(r.status, what).toBe(401);
      const stateChanging = c.method !== 'GET' && c.method !== 'HEAD';
      if (stateChanging && r.status < 300) {
        // Only our own Origin, or no Origin with the bearer header, and only JSON, may change state.
        expect(origin === srv.origin || (origin === null && c.creds.bearer === 'good'), what).toBe(true);
        expect(type?.split(';')[0].trim().toLowerCase(), what).toBe('application/json');
      }
      if (stateChanging && authorised && ownHost && (c.origin === 'foreign' || c.origin === 'null')) expect(r.status, what).toBe(403);
    });
  });

  // ── property 2: raw bytes on a bare socket ──────────────────────────────────────────────────

  it('mutated raw HTTP on a bare socket: serve answers typed errors or closes, and stays up', async () => {
    const template = (port: number, token: string, body: string) =>
      `POST /api/runs/list HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.constantFrom(...['\0', '\r', '\n', '\r\n', ' ', ':', '%', '\xff', 'Transfer-Encoding: chunked\r\n', 'Expect: 42-weird\r\n', 'Content-Length: 99\r\n', 'Upgrade: websocket\r\nConnection: Upgrade\r\n', 'Cookie: vitlab_token=%\r\n', 'X: ' + 'a'.repeat(20_000) + '\r\n'].map((s) => Buffer.from(s, 'latin1')))) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    );
    type Edit = { kind: 'insert'; at: number; bytes: Uint8Array } | { kind: 'delete'; at: number; len: number } | { kind: 'flip'; at: number; byte: number };
    const applyEdits = ([body, edits]: [string, Edit[]]): Buffer => {
      let bytes = Buffer.from(template(srv.port, srv.token, body), 'latin1');
      for (const e of edits) {
        const at = e.at % (bytes.length + 1);
        if (e.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(e.bytes), bytes.subarray(at)]);
        else if (e.kind === 'delete') bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + e.len)]);
        else if (at < bytes.length) bytes[at] = e.byte;
      }
      return bytes;
    };
    const requestLine = fc
      .tuple(
        fc.constantFrom('GET', 'POST', 'HEAD', 'OPTIONS', 'CONNECT', 'PRI', 'G\0T', 'get', ''),
        mutated(fc.constantFrom('/', '//[', '*', 'http://x/', '/a\0b', '/%', '/index.html', '/api/runs/list', 'localhost:1')),
        fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 extra', ''),
      )
      .map(([m, p, v]) => Buffer.from(`${m} ${p} ${v}\r\nHost: 127.0.0.1:${srv.port}\r\nAuthorization: Bearer ${srv.token}\r\nConnection: close\r\n\r\n`, 'latin1'));
    const rawCase: fc.Arbitrary<Buffer> = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.constantFrom('{}', '{"limit":1}', '{"sort":"name"', '[]', ''), fc.array(edit as fc.Arbitrary<Edit>, { minLength: 1, maxLength: 5 })).map(applyEdits) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
      { weight: 2, arbitrary: requestLine },
    );
    await check('raw', rawCase, 800, async (bytes) => {
      const got = await raw(srv.port, bytes, { endAfterMs: 150, maxMs: 2000 });
      const status = statusOf(got);
      const what = `${JSON.stringify(bytes.toString('latin1').slice(0, 300))} → ${JSON.stringify(got.toString('latin1').slice(0, 300))}`;
      // Nothing, or an HTTP/1.1 answer; an error answer carries a typed body (HEAD answers have none).
      if (got.length) expect(status, what).toBeGreaterThan(0);
      const body = bodyOf(got);
      if (status >= 400 && body.length > 0) expect(isTypedError(body), what).toBe(true);
      expect(got.toString('latin1'), what).not.toContain('SECRET');
    });
  });

  // ── property 3: WebSocket frames ────────────────────────────────────────────────────────────

  it('random WebSocket frames and messages: a reply or a close code, and serve stays up', async () => {
    const message = fc.oneof(
      fc.record({ id: fc.integer(), name: fc.oneof(fc.constantFrom(...NAMES), fc.string()), input: fc.jsonValue({ maxDepth: 3 }) }).map((m) => JSON.stringify(m)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
      mutated(fc.constant('{"id":1,"name":"system/info","input":{}}')),
      fc.integer({ min: 65, max: 5000 }).map((n) => `{"id":7,"name":"runs/list","input":${'['.repeat(n)}${']'.repeat(n)}}`),
    );
    const frameArb = fc.oneof(
      { weight: 4, arbitrary: message.map((m) => ({ opcode: 1, payload: Buffer.from(m) })) },
      {
        weight: 3,
        arbitrary: fc.record({
          opcode: fc.integer({ min: 0, max: 15 }),
          payload: fc.uint8Array({ maxLength: 140 }).map((b) => Buffer.from(b)),
          fin: fc.boolean(),
          mask: fc.boolean(),
          rsv: fc.integer({ min: 0, max: 7 }),
          length: fc.option(fc.oneof(fc.integer({ min: 0, max: 200 }), fc.constantFrom(65_535, 1024 * 1024 + 1, 2 ** 32, Number.MAX_SAFE_INTEGER)), { nil: undefined }),
        }),
      },
    );
    // One case in four is a single well-formed request, which must get its reply.
    const wsCase = fc.tuple(fc.array(frameArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 3 }).map((n) => n === 0));
    await check('websocket', wsCase, 800, async ([frames, oneValid]) => {
      const open = upgradeRequest(srv, `/api?token=${srv.token}`, { Origin: srv.origin });
      const sent = oneValid ? [{ opcode: 1, payload: Buffer.from(JSON.stringify({ id: 424242, name: 'system/info', input: {} })) }] : frames;
      const bytes = Buffer.concat([Buffer.from(open), ...sent.map((f) => frame(f.opcode, f.payload, f as { fin?: boolean; mask?: boolean; rsv?: number; length?: number }))]);
      // Wait for a close frame, or for the reply to a well-formed message.
      const got = await raw(srv.port, bytes, {
        maxMs: oneValid ? 10_000 : 1500,
        endAfterMs: oneValid ? undefined : 100,
        until: (b) => serverFrames(b).some((f) => f.opcode === 8 || (oneValid && f.opcode === 1 && f.payload.includes('424242'))),
      });
      const what = `${JSON.stringify(sent.map((f) => ({ ...f, payload: f.payload.toString('latin1').slice(0, 80) })))} → ${JSON.stringify(got.toString('latin1').slice(0, 400))}`;
      expect(statusOf(got), what).toBe(101);
      const replies = serverFrames(got);
      for (const f of replies) {
        if (f.opcode === 8) expect([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011], what).toContain(f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005);
        if (f.opcode === 1) {
          const m = JSON.parse(f.payload.toString('utf8')) as { id?: number; response?: { ok: boolean; error?: { code: string; message: string } }; event?: unknown };
          if (!('event' in m)) {
            expect(typeof m.id, what).toBe('number');
            expect(typeof m.response?.ok, what).toBe('boolean');
            if (m.response?.ok === false) expect(typeof m.response.error?.code, what).toBe('string');
          }
        }
      }
      if (oneValid) expect(replies.some((f) => f.opcode === 1 && f.payload.includes('"ok":true')), what).toBe(true);
    });
  });
});
