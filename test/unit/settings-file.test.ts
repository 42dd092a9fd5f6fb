/**
 * The app settings file (store/settings.ts) and the one rule for which store a process uses
 * (store/open-store.ts chooseStore), on real files in a temp folder.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkStoreLocation, chooseStore, localDbPath, openStore, STORE_SOURCES } from '../../src-main/store/open-store.js';
import { readSettings, settingsFile, writeSettings } from '../../src-main/store/settings.js';

let dir = '';
let file = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vitlab-settings-'));
  file = join(dir, 'settings.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the settings file', () => {
  it('lives in the data folder (VITLAB_HOME)', () => {
    expect(settingsFile({ VITLAB_HOME: '/data/vl' })).toBe(join('/data/vl', 'settings.json'));
  });

  it('missing is no settings; saved settings read back; a cleared key is removed', () => {
    expect(readSettings(file)).toEqual({});
    writeSettings({ store: 'postgres://u:pw@db.lab:5432/vitlab' }, file);
    expect(readSettings(file)).toEqual({ store: 'postgres://u:pw@db.lab:5432/vitlab' });
    writeSettings({ store: undefined }, file);
    expect(readSettings(file)).toEqual({});
  });

  it('is written atomically: a new file renamed over the old (new inode), readable by its owner only, no temp file left', () => {
    writeSettings({ store: '/data/a.db' }, file);
    const before = statSync(file).ino;
    writeSettings({ store: '/data/b.db' }, file);
    expect(statSync(file).ino).not.toBe(before);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['settings.json']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ store: '/data/b.db' });
  });

  it('keeps keys it does not know (written by a newer app)', () => {
    writeFileSync(file, JSON.stringify({ store: '/data/a.db', theme: 'dark' }));
    writeSettings({ store: '/data/b.db' }, file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ store: '/data/b.db', theme: 'dark' });
  });

  it.each([
    ['not JSON', '{"store": "/data/a.db"', /is damaged \(.*JSON/],
    ['a wrong type', '{"store": 5}', /is damaged \(store: .*string/],
    ['an empty store', '{"store": "  "}', /is damaged \(store: must not be empty\)/],
    ['not an object', '[1, 2]', /is damaged \(\(the file\): /],
  ])('damaged (%s): reported naming the file, and never overwritten', (_what, content, why) => {
    writeFileSync(file, content);
    expect(() => readSettings(file)).toThrow(why);
    expect(() => readSettings(file)).toThrow(`the settings file ${file} is damaged`);
    expect(() => writeSettings({ store: '/data/b.db' }, file)).toThrow(/left untouched/);
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(readdirSync(dir)).toEqual(['settings.json']);
  });

  it('a failed write is reported naming the file, leaving no temp file and the other settings as they were', () => {
    writeSettings({ store: '/data/a.db' }, file);
    // The folder of the file is a file: the folder cannot be made, the write fails.
    const blocked = join(dir, 'settings.json', 'settings.json');
    expect(() => writeSettings({ store: '/data/b.db' }, blocked)).toThrow(/cannot save the settings file/);
    expect(readSettings(file)).toEqual({ store: '/data/a.db' });
    expect(readdirSync(dir)).toEqual(['settings.json']);
  });
});

describe('which store a process uses', () => {
  const home = () => ({ VITLAB_HOME: dir });

  it('flag > VITLAB_STORE > VITLAB_DB > the settings file > the default file', () => {
    writeSettings({ store: 'postgres://lab@db/vitlab' }, settingsFile(home()));
    const env = { ...home(), VITLAB_STORE: 'postgres://env@db/x', VITLAB_DB: '/env/db.db' };
    expect(chooseStore('/flag.db', env)).toEqual({ location: '/flag.db', source: 'flag' });
    expect(chooseStore(undefined, env)).toEqual({ location: 'postgres://env@db/x', source: 'VITLAB_STORE' });
    expect(chooseStore(undefined, { ...env, VITLAB_STORE: '' })).toEqual({ location: '/env/db.db', source: 'VITLAB_DB' });
    expect(chooseStore(undefined, home())).toEqual({ location: 'postgres://lab@db/vitlab', source: 'settings' });
    rmSync(settingsFile(home()));
    expect(chooseStore(undefined, home())).toEqual({ location: join(dir, 'vitlab.db'), source: 'default' });
    expect(STORE_SOURCES).toEqual(['flag', 'VITLAB_STORE', 'VITLAB_DB', 'settings', 'default']);
  });

  it('a damaged settings file stops only a process that would read it', () => {
    writeFileSync(settingsFile(home()), 'not json');
    expect(() => chooseStore(undefined, home())).toThrow(/settings file .* is damaged/);
    expect(chooseStore('/flag.db', home()).source).toBe('flag');
    expect(chooseStore(undefined, { ...home(), VITLAB_STORE: '/env.db' }).source).toBe('VITLAB_STORE');
  });

  it('a command that trains here takes a saved SQLite file, and refuses a saved PostgreSQL store naming it without its password', () => {
    writeSettings({ store: join(dir, 'saved.db') }, settingsFile(home()));
    expect(localDbPath(home())).toBe(join(dir, 'saved.db'));
    writeSettings({ store: 'postgres://lab:Secret-1@db/vitlab' }, settingsFile(home()));
    expect(() => localDbPath(home())).toThrow('the store in use is the shared PostgreSQL store postgres://lab@db/vitlab (from the settings file)');
    expect(() => localDbPath(home())).not.toThrow(/Secret-1/);
    expect(existsSync(join(dir, 'vitlab.db'))).toBe(false);
  });
});

describe('a SQLite store location is checked before it is saved', () => {
  it('accepts a creatable path or a ViT Lab database, creating and changing nothing', async () => {
    await checkStoreLocation(join(dir, 'new', 'deeper', 'lab.db'));
    expect(existsSync(join(dir, 'new'))).toBe(false);
    const db = join(dir, 'lab.db');
    await (await openStore(db)).close();
    const before = readFileSync(db);
    await checkStoreLocation(db);
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it('refuses a relative path, a folder, a file that is not a database, a path under a file', async () => {
    await expect(checkStoreLocation('lab.db')).rejects.toThrow('lab.db is a relative path');
    await expect(checkStoreLocation(dir)).rejects.toThrow(`${dir} is not a file`);
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'my notes');
    await expect(checkStoreLocation(text)).rejects.toThrow('is not a SQLite database');
    expect(readFileSync(text, 'utf8')).toBe('my notes');
    await expect(checkStoreLocation(join(text, 'lab.db'))).rejects.toThrow(`${text} is a file, not a folder`);
  });
});
