import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch, type HandlerContext } from '../../src-main/api/handlers.js';
import { makeContext } from '../../src-main/app/context.js';
import { openEngine, type Engine } from '../../src-main/app/engine.js';
import { StoreError, type StoreErrorCode } from '../../src-main/store/errors.js';
import { SEED_CONFIG } from '../../src-main/vit/config.js';
import { DomainError, ERROR_KINDS, kindOf } from '../../src-shared/errors.js';

// The API code of a failure is its kind, never a guess from the message's wording.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-api-errors-'));
let engine: Engine;
let ctx: HandlerContext;
let runId: string;

beforeAll(() => {
  // No supervisor.start(): the queued run stays queued, so resume must be refused as a conflict.
  engine = openEngine({ dbPath: path.join(tmp, 'errors.db') });
  ctx = makeContext(engine);
  runId = engine.supervisor.enqueue({ ...SEED_CONFIG, epochs: 1 }, { name: 'queued one' });
});
afterAll(async () => {
  await engine.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('typed errors reach the API as their kind', () => {
  it('a PDF engine that cannot run is unavailable, not the caller’s input', async () => {
    const saved = process.env.CHROME_PATH;
    process.env.CHROME_PATH = path.join(tmp, 'no-such-chromium');
    try {
      const r = await dispatch('reports/export', { ids: [runId], format: 'pdf' }, ctx);
      expect(r).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      if (!r.ok) expect(r.error.message).toContain('CHROME_PATH');
    } finally {
      if (saved === undefined) delete process.env.CHROME_PATH;
      else process.env.CHROME_PATH = saved;
    }
  });

  it('an unknown run is not_found, resuming a queued run is a conflict', async () => {
    expect(await dispatch('runs/get', { id: 'r-nope' }, ctx)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await dispatch('runs/resume', { id: runId }, ctx)).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });

  it('a sweep with no valid combination is invalid_input and names the fields', async () => {
    const r = await dispatch('sweeps/start', { base: {}, grid: { heads: [3, 5] } }, ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    if (!r.ok) expect(r.error.issues?.map((i) => i.field)).toContain('heads');
  });

  it('a sweep over a field that does not exist is invalid_input', async () => {
    expect(await dispatch('sweeps/preview', { base: {}, grid: { depht: [2, 4] } }, ctx)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('an exception that is not a domain error is internal', () => {
    expect(kindOf(new Error('sweep: looks like a domain message'))).toBe('internal');
    expect(kindOf('a string')).toBe('internal');
    expect(kindOf(new DomainError('conflict', 'x'))).toBe('conflict');
  });

  it('every store code maps to a kind that has an HTTP status and an exit code', () => {
    const codes: StoreErrorCode[] = ['not-found', 'invalid-state', 'invalid-query', 'conflict', 'not-a-database', 'foreign-database', 'newer-schema', 'older-schema', 'missing-database', 'bad-migrations', 'database-gone', 'database-busy', 'database-full', 'database-damaged', 'database-failed'];
    const kinds = codes.map((c) => new StoreError('m', c).kind);
    expect(kinds).toEqual(['not_found', 'conflict', 'invalid_input', 'conflict', 'unavailable', 'unavailable', 'unavailable', 'unavailable', 'unavailable', 'internal', 'unavailable', 'unavailable', 'unavailable', 'unavailable', 'unavailable']);
    for (const k of kinds) expect(ERROR_KINDS[k].http).toBeGreaterThanOrEqual(400);
  });
});

describe('dispatch guards every transport, IPC included', () => {
  it('refuses a value nested deeper than any request needs, without overflowing the stack', async () => {
    let settings: unknown = 1;
    for (let i = 0; i < 100_000; i++) settings = { a: settings };
    const r = await dispatch('comparisons/save', { name: 'deep', runIds: [runId], settings }, ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining('nests deeper') } });
    // A settings blob of ordinary depth is still saved.
    expect(await dispatch('comparisons/save', { name: 'shallow', runIds: [runId], settings: { a: { b: [1, 2] } } }, ctx)).toMatchObject({ ok: true });
  });
});
