/**
 * The store in the app settings, end to end over real `vitlab serve` processes and a real
 * PostgreSQL: settings/set checks a store before saving it (errors name the field, never the
 * password), and a serve started again without --store opens the saved shared store.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src-main/store/open-store.js';
import { SEED_CONFIG } from '../../src-main/vit/config.js';
import { usePostgres } from '../helpers/postgres.js';
import { serveStore, type StoreServe } from '../helpers/serve-store.js';

const h = usePostgres();
const SECRET = 'Settings-Pw-7';
let home = '';
let url = '';
let runId = '';
const servers: StoreServe[] = [];
const withPassword = (u: string) => u.replace('postgres://vitlab@', `postgres://vitlab:${SECRET}@`);
/** serve with only the data folder set: no --store, no VITLAB_STORE / VITLAB_DB. */
const start = async () => {
  const s = await serveStore(null, { env: { VITLAB_HOME: home, VITLAB_STORE: '', VITLAB_DB: '' } });
  servers.push(s);
  return s;
};

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'vitlab-settings-home-'));
  url = await h.cluster.createDatabase();
  const store = await openStore(url);
  try {
    runId = await store.createRun({ config: { ...SEED_CONFIG, epochs: 1 }, name: 'on the shared store' });
  } finally {
    await store.close();
  }
});

afterAll(async () => {
  for (const s of servers) await s.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('the store in the settings', () => {
  it('is checked before it is saved, then used by the next serve started without --store', async () => {
    const first = await start();
    const before = await first.api('settings/get', {});
    expect(before.result).toMatchObject({
      file: join(home, 'settings.json'),
      saved: null,
      problem: null,
      active: { store: join(home, 'vitlab.db'), shared: false, source: 'default' },
      restartNeeded: false,
      overriddenBy: null,
      canRelaunch: false,
    });

    // Refused, naming the field, without the password: no server there, a database of someone
    // else's tables, a relative SQLite path.
    const noServer = await first.api('settings/set', { store: `postgres://vitlab:${SECRET}@127.0.0.1:1/nothing` });
    expect(noServer.error).toMatchObject({ code: 'invalid_input', issues: [{ field: 'store' }] });
    expect(noServer.error!.message).toMatch(/^store: cannot use postgres:\/\/vitlab@127\.0\.0\.1:1\/nothing: /);
    const foreign = await h.cluster.createDatabase();
    const c = new pg.Client({ connectionString: foreign });
    await c.connect();
    await c.query('CREATE TABLE invoices (id int)');
    await c.end();
    const notOurs = await first.api('settings/set', { store: withPassword(foreign) });
    expect(notOurs.error?.message).toContain('holds tables that are not ViT Lab');
    const relative = await first.api('settings/set', { store: 'runs/lab.db' });
    expect(relative.error?.message).toContain('store: cannot use runs/lab.db: runs/lab.db is a relative path');
    expect(JSON.stringify([noServer, notOurs])).not.toContain(SECRET);
    expect((await first.api('settings/get', {})).result.saved).toBeNull();

    const saved = await first.api('settings/set', { store: withPassword(url) });
    expect(saved.ok).toBe(true);
    expect(saved.result).toMatchObject({ saved: { store: url, shared: true }, active: { shared: false, source: 'default' }, restartNeeded: true });
    expect(JSON.stringify(saved)).not.toContain(SECRET);
    // The file holds what the next start needs, password included (it is the user's, mode 0600).
    expect(JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8'))).toEqual({ store: withPassword(url) });
    expect((await first.api('settings/relaunch', {})).error?.code).toBe('unavailable');
    await first.stop();

    const second = await start();
    const now = await second.api('settings/get', {});
    expect(now.result).toMatchObject({ saved: { store: url, shared: true }, active: { store: url, shared: true, source: 'settings' }, restartNeeded: false });
    const list = await second.api('runs/list', {});
    expect(list.result.rows.map((r: { id: string; name: string }) => [r.id, r.name])).toEqual([[runId, 'on the shared store']]);
    expect((await second.api('system/info', {})).result).toMatchObject({ dbPath: url, concurrency: 0 });
    expect(second.stderr()).toContain(`store ${url} (shared: agents train its queue)`);
    expect(second.stdout() + second.stderr() + JSON.stringify(now)).not.toContain(SECRET);

    // Back to the default file: saved (a creatable path needs no check beyond that), in use after a restart.
    const back = await second.api('settings/set', { store: null });
    expect(back.result).toMatchObject({ saved: null, active: { shared: true }, restartNeeded: true });
  });

  it('a damaged settings file is shown and never overwritten', async () => {
    const file = join(home, 'settings.json');
    writeFileSync(file, '{"store": ');
    const s = await serveStore(join(home, 'flag.db'), { env: { VITLAB_HOME: home, VITLAB_STORE: '', VITLAB_DB: '' } });
    servers.push(s);
    const got = await s.api('settings/get', {});
    expect(got.result).toMatchObject({ saved: null, overriddenBy: 'flag', active: { source: 'flag', store: join(home, 'flag.db') } });
    expect(got.result.problem).toContain(`the settings file ${file} is damaged`);
    const set = await s.api('settings/set', { store: join(home, 'other.db') });
    expect(set.error?.message).toMatch(/is damaged .* left untouched/);
    expect(readFileSync(file, 'utf8')).toBe('{"store": ');
    // Without a flag, serve refuses to start on it, naming it.
    await expect(start()).rejects.toThrow(/settings file .* is damaged/);
  });
});
