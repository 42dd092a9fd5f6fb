/**
 * What is PostgreSQL's own: migrations under an advisory lock, refusals of databases that are not
 * ours or are newer, and connection failures (sslmode, a wrong port) reported without credentials.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultMigrationsDir, loadMigrations } from '../../src-main/store/db.js';
import { StoreError } from '../../src-main/store/errors.js';
import { openStore } from '../../src-main/store/open-store.js';
import { loadPostgresMigrations } from '../../src-main/store/pg-migrate.js';
import { redactText, redactUrl } from '../../src-main/store/redact.js';
import { usePostgres } from '../helpers/postgres.js';

const h = usePostgres();
const tmp = mkdtempSync(join(tmpdir(), 'vitlab-pgm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function query<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(text)).rows;
  } finally {
    await c.end();
  }
}

const withPassword = (url: string, password: string) => url.replace('postgres://vitlab@', `postgres://vitlab:${password}@`);

describe('redactUrl', () => {
  it('drops the password and secret parameters, keeps what says which store it is', () => {
    expect(redactUrl('postgres://ann:s3cr%40t@db.lab:5433/vitlab?sslmode=require')).toBe('postgres://ann@db.lab:5433/vitlab?sslmode=require');
    expect(redactUrl('postgresql://ann@db/v?password=hunter2&sslmode=verify-full')).toBe('postgresql://ann@db/v?password=redacted&sslmode=verify-full');
    expect(redactUrl('postgres://db/v')).toBe('postgres://db/v');
    expect(redactUrl('/home/ann/.vitlab/vitlab.db')).toBe('/home/ann/.vitlab/vitlab.db');
    expect(redactUrl('postgres://ann:pw@[::1')).toBe('postgres://(unparsable URL, not shown)');
  });

  it('redactText removes the raw URL and the decoded password from any message', () => {
    const url = 'postgres://ann:s3cr%40t@db:5432/v';
    expect(redactText(`connect ${url} failed for s3cr@t`, url)).toBe('connect postgres://ann@db:5432/v failed for ***');
  });
});

describe('PostgreSQL migrations', () => {
  it('pair one for one with SQLite’s (same numbers and names)', () => {
    expect(loadPostgresMigrations().map((m) => [m.version, m.name])).toEqual(loadMigrations().map((m) => [m.version, m.name]));
  });

  it('refuse a folder where a migration exists for one engine only', () => {
    const dir = join(tmp, 'm');
    cpSync(defaultMigrationsDir(), dir, { recursive: true });
    const next = String(loadMigrations().length + 1).padStart(4, '0');
    writeFileSync(join(dir, `${next}_only_sqlite.sql`), 'SELECT 1;');
    expect(() => loadPostgresMigrations(dir)).toThrow(/must pair one for one .*only_sqlite in the first, nothing in the second/);
  });

  it('two processes migrating a new database at once: both open it, each migration applied once', async () => {
    const url = await h.cluster.createDatabase();
    const [a, b] = await Promise.all([openStore(url), openStore(url)]);
    await Promise.all([a.close(), b.close()]);
    const rows = await query<{ version: number; name: string }>(url, 'SELECT version, name FROM schema_migrations ORDER BY version');
    expect(rows).toEqual(loadMigrations().map((m) => ({ version: m.version, name: m.name })));
    const again = await openStore(url);
    await again.close();
    expect((await query(url, 'SELECT * FROM schema_migrations')).length).toBe(rows.length);
  });

  it('refuses a database of a newer ViT Lab, naming it without its password, and changes nothing', async () => {
    const url = await h.cluster.createDatabase();
    await (await openStore(url)).close();
    await query(url, `INSERT INTO schema_migrations VALUES (999, 'future', '2030-01-01T00:00:00Z')`);
    const err = await openStore(withPassword(url, 'pa55word')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'newer-schema' });
    expect((err as Error).message).toContain(`${url} was written by a newer ViT Lab (schema 999`);
    expect((err as Error).message).not.toContain('pa55word');
  });

  it('refuses a database holding tables of another application', async () => {
    const url = await h.cluster.createDatabase();
    await query(url, 'CREATE TABLE invoices (id int)');
    await expect(openStore(url)).rejects.toMatchObject({ code: 'foreign-database', message: expect.stringContaining('invoices') });
    expect((await query<{ n: string }>(url, `SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'runs'`))[0].n).toBe('0');
  });

  it('read only: an unmigrated database is refused, not upgraded', async () => {
    const url = await h.cluster.createDatabase();
    await expect(openStore(url, { readonly: true })).rejects.toMatchObject({ code: 'older-schema' });
    expect((await query(url, `SELECT 1 FROM information_schema.tables WHERE table_name = 'schema_migrations'`)).length).toBe(0);
  });
});

describe('connection failures name the problem, never the password', () => {
  it('sslmode=require against a server without SSL', async () => {
    const url = `${withPassword(await h.cluster.createDatabase(), 'Zebra-77')}?sslmode=require`;
    const err = (await openStore(url).catch((e: unknown) => e)) as StoreError;
    expect(err).toBeInstanceOf(StoreError);
    expect(err.kind).toBe('unavailable');
    expect(err.message).toMatch(/does not accept SSL connections but the URL asks for them \(sslmode\)/);
    expect(err.message).toContain('sslmode=require');
    expect(err.message).not.toContain('Zebra-77');
  });

  it('a port where nothing listens', async () => {
    const url = `postgres://vitlab:Zebra-77@127.0.0.1:1/none`;
    const err = (await openStore(url).catch((e: unknown) => e)) as StoreError;
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toMatch(/^the PostgreSQL store postgres:\/\/vitlab@127\.0\.0\.1:1\/none: nothing accepts connections/);
    expect(err.message).not.toContain('Zebra-77');
  });

  it('a database that does not exist', async () => {
    const url = `postgres://vitlab:Zebra-77@127.0.0.1:${h.cluster.port}/no_such_db`;
    const err = (await openStore(url).catch((e: unknown) => e)) as StoreError;
    expect(err.message).toContain('that database does not exist');
    expect(err.message).not.toContain('Zebra-77');
  });
});
