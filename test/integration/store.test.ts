import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EpochMetrics, EvalResult, RunEnvironment } from '../../src-main/train/messages.js';
import { SEED_CONFIG, type RunConfig } from '../../src-main/vit/config.js';
import { computeCost } from '../../src-main/vit/cost.js';
import {
  appDataDir,
  defaultDbPath,
  defaultMigrationsDir,
  latestSchemaVersion,
  loadMigrations,
  openDatabase,
  schemaVersion,
  type DB,
} from '../../src-main/store/db.js';
import { DatabaseRefusedError, NotFoundError, StoreError } from '../../src-main/store/errors.js';
import { RunStore } from '../../src-main/store/runs.js';
import type { NewRun } from '../../src-main/store/types.js';

let dir: string;
const open: DB[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vitlab-store-'));
});
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function track(db: DB): DB {
  open.push(db);
  return db;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const tables = (db: DB) =>
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];

const ENV: RunEnvironment = {
  backend: 'wasm',
  versions: { node: '20.20.2', tfjs: '4.22.0' },
  machine: { platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'test cpu', memoryGiB: 8, hostname: 'box' },
};

const epoch = (n: number, testAcc: number): EpochMetrics => ({
  epoch: n,
  trainLoss: 1 / n,
  trainAcc: Math.min(1, testAcc + 0.01),
  testLoss: 1.1 / n,
  testAcc,
  seconds: 12.5,
  samplesPerSec: 150,
  lr: 1e-3,
});

/** A clock that moves one second per reading, so created_at orders are predictable. */
function steppingClock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let t = start;
  return () => new Date((t += 1000));
}

describe('openDatabase: migrations', () => {
  it('creates a database from nothing, in WAL mode with foreign keys, recorded at the newest schema', () => {
    const path = join(dir, 'nested', 'deeper', 'vitlab.db');
    const db = track(openDatabase(path));
    const latest = latestSchemaVersion();
    expect(latest).toBeGreaterThanOrEqual(2);
    expect(schemaVersion(db)).toBe(latest);
    expect(db.pragma('user_version', { simple: true })).toBe(latest);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    const recorded = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(recorded).toEqual(loadMigrations().map((m) => ({ version: m.version, name: m.name })));
    expect(tables(db)).toEqual(
      expect.arrayContaining(['runs', 'epochs', 'class_results', 'confusion', 'costs', 'artifacts', 'sweeps', 'comparisons']),
    );
  });

  it('an empty file counts as a new database', () => {
    const path = join(dir, 'empty.db');
    writeFileSync(path, '');
    const db = track(openDatabase(path));
    expect(schemaVersion(db)).toBe(latestSchemaVersion());
  });

  it('reopening applies nothing twice', () => {
    const path = join(dir, 'x.db');
    openDatabase(path).close();
    const db = track(openDatabase(path));
    expect(db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(latestSchemaVersion());
  });

  it('finds the project migrations folder by walking up from the module', () => {
    expect(existsSync(join(defaultMigrationsDir(), '0001_init.sql'))).toBe(true);
  });

  // Every older schema the app has shipped: build a database at that version the way that app
  // would have, fill it, then open it with this app.
  const olderVersions = Array.from({ length: latestSchemaVersion() - 1 }, (_, i) => i + 1);
  it.each(olderVersions)('upgrades a database at schema %i and keeps every row', (version) => {
    const oldDir = join(dir, `migrations-${version}`);
    mkdirSync(oldDir);
    for (const m of loadMigrations().slice(0, version)) copyFileSync(m.file, join(oldDir, m.file.split(/[\\/]/).pop()!));
    const path = join(dir, 'old.db');
    const old = openDatabase(path, { migrationsDir: oldDir });
    expect(schemaVersion(old)).toBe(version);

    // Raw SQL against the schema-1 tables: an older app's writes, not this app's RunStore.
    const cost = computeCost(SEED_CONFIG, 100);
    old.prepare("INSERT INTO sweeps (id, name, grid_json, created_at) VALUES ('s1', 'depths', '{\"depth\":[2,4]}', '2025-05-01T00:00:00.000Z')").run();
    const insertRun = old.prepare(`INSERT INTO runs (id, name, status, config_json, dataset, image, channels, classes, patch, dim,
      depth, heads, mlp, activation, dropout, epochs, batch, lr, recipe, seed, backend, created_at, started_at, finished_at,
      tags, sweep_id, params, macs_per_image, macs_per_batch, test_acc, test_loss, epochs_done, checkpoint_path, queue_seq)
      VALUES (?, ?, ?, ?, 'fashion-mnist', 28, 1, 10, 4, 64, ?, 4, 256, 'relu', 0, 10, 100, 0.001, 'seed', 0, 'wasm',
      ?, ?, ?, '["old"]', 's1', ?, ?, ?, ?, ?, ?, ?, ?)`);
    for (let i = 1; i <= 3; i++) {
      const config: RunConfig = { ...SEED_CONFIG, depth: 2 * i };
      insertRun.run(`r-old-${i}`, `old ${i}`, 'completed', JSON.stringify(config), 2 * i, `2025-05-0${i}T00:00:00.000Z`,
        `2025-05-0${i}T00:01:00.000Z`, `2025-05-0${i}T00:30:00.000Z`, cost.params.total, cost.macs.perImage,
        cost.macs.perBatch, (80 + i) / 100, 0.4, 2, `/ckpt/${i}`, i);
      const ep = old.prepare(`INSERT INTO epochs (run_id, epoch, train_loss, train_acc, test_loss, test_acc, seconds, samples_per_sec, lr)
        VALUES (?, ?, 0.5, 0.8, 0.45, ?, 30, 150, 0.001)`);
      ep.run(`r-old-${i}`, 1, 0.79);
      ep.run(`r-old-${i}`, 2, (80 + i) / 100);
      old.prepare('INSERT INTO class_results (run_id, class, correct, total) VALUES (?, 0, 80, 100), (?, 1, 90, 100)').run(`r-old-${i}`, `r-old-${i}`);
      old.prepare("INSERT INTO confusion (run_id, matrix_json) VALUES (?, '[[80,20],[10,90]]')").run(`r-old-${i}`);
      old.prepare('INSERT INTO costs (run_id, breakdown_json) VALUES (?, ?)').run(`r-old-${i}`, JSON.stringify(cost));
      old.prepare("INSERT INTO artifacts (run_id, kind, epoch, path, created_at) VALUES (?, 'checkpoint', 2, ?, '2025-05-01T00:00:00.000Z')").run(`r-old-${i}`, `/ckpt/${i}`);
    }
    const countsBefore = Object.fromEntries(
      tables(old).filter((t) => t !== 'schema_migrations').map((t) => [t, old.prepare(`SELECT count(*) FROM ${t}`).pluck().get()]),
    );
    old.close();

    const db = track(openDatabase(path));
    expect(schemaVersion(db)).toBe(latestSchemaVersion());
    for (const [t, n] of Object.entries(countsBefore)) expect(db.prepare(`SELECT count(*) FROM ${t}`).pluck().get(), t).toBe(n);

    const store = new RunStore(db);
    const run = store.get('r-old-2');
    expect(run).toMatchObject({ name: 'old 2', status: 'completed', sweepId: 's1', tags: ['old'], testAcc: 0.82, epochsDone: 2 });
    expect(run.config.depth).toBe(4);
    expect(run.epochs.map((e) => e.testAcc)).toEqual([0.79, 0.82]);
    expect(run.perClass).toEqual([
      { class: 0, correct: 80, total: 100, acc: 0.8 },
      { class: 1, correct: 90, total: 100, acc: 0.9 },
    ]);
    expect(run.confusion).toEqual([[80, 20], [10, 90]]);
    expect(run.cost?.params.total).toBe(205_066);
    expect(store.getSweep('s1').runIds).toEqual(['r-old-1', 'r-old-2', 'r-old-3']);
    // The new schema is usable on the old rows.
    expect(store.saveComparison({ name: 'old ones', runIds: ['r-old-1', 'r-old-3'], baselineRunId: 'r-old-1' }).runIds).toEqual([
      'r-old-1',
      'r-old-3',
    ]);
  });

  it('refuses migration folders with gaps or badly named files', () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, '0001_init.sql'), 'CREATE TABLE a (x);');
    writeFileSync(join(bad, '0003_later.sql'), 'CREATE TABLE b (x);');
    expect(() => openDatabase(join(dir, 'x.db'), { migrationsDir: bad })).toThrow(/without gaps/);
    rmSync(join(bad, '0003_later.sql'));
    writeFileSync(join(bad, 'later.sql'), '');
    expect(() => openDatabase(join(dir, 'x.db'), { migrationsDir: bad })).toThrow(/later\.sql.*NNNN_name\.sql/);
  });

  it('a failing migration leaves the database at the previous version, not half-migrated', () => {
    const migDir = join(dir, 'mig');
    mkdirSync(migDir);
    writeFileSync(join(migDir, '0001_a.sql'), 'CREATE TABLE a (x INTEGER);');
    const path = join(dir, 'x.db');
    openDatabase(path, { migrationsDir: migDir }).close();
    writeFileSync(join(migDir, '0002_b.sql'), 'CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);');
    expect(() => openDatabase(path, { migrationsDir: migDir })).toThrow(/0002_b\.sql failed/);
    const db = track(new Database(path));
    expect(tables(db)).toEqual(['a', 'schema_migrations']);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
  });
});

describe('openDatabase: refusals leave the file untouched', () => {
  function expectUntouched(path: string, attempt: () => unknown, code: string, message: RegExp) {
    const before = sha256(path);
    const filesBefore = readdirSync(dir).sort();
    let error: unknown;
    try {
      attempt();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatabaseRefusedError);
    expect((error as DatabaseRefusedError).code).toBe(code);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(path);
    expect(sha256(path)).toBe(before);
    // No -wal / -shm / journal left behind next to someone else's file.
    expect(readdirSync(dir).sort()).toEqual(filesBefore);
  }

  function newerDatabase(how: 'user_version' | 'schema_migrations'): string {
    const path = join(dir, `newer-${how}.db`);
    const store = new RunStore(openDatabase(path));
    store.createRun({ name: 'precious', config: SEED_CONFIG });
    store.db.close();
    const raw = new Database(path);
    const future = latestSchemaVersion() + 1;
    if (how === 'user_version') raw.pragma(`user_version = ${future}`);
    else raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', '2030-01-01')").run(future);
    raw.close(); // last connection: checkpoints the WAL into the file and removes it
    return path;
  }

  it.each(['user_version', 'schema_migrations'] as const)('refuses a database from a newer app (newer %s)', (how) => {
    const path = newerDatabase(how);
    const latest = latestSchemaVersion();
    const message = new RegExp(
      `was written by a newer ViT Lab \\(schema ${latest + 1}, this app knows up to ${latest}\\); nothing was changed`,
    );
    expectUntouched(path, () => openDatabase(path), 'newer-schema', message);
    expectUntouched(path, () => openDatabase(path, { readonly: true }), 'newer-schema', message);
  });

  it('refuses a file of random bytes', () => {
    const path = join(dir, 'random.db');
    const bytes = randomBytes(64 * 1024);
    bytes[0] = 0x00; // never the "S" of the SQLite header
    writeFileSync(path, bytes);
    expectUntouched(path, () => openDatabase(path), 'not-a-database', /is not a SQLite database/);
  });

  it('refuses a text file', () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'my thesis notes\nimportant, do not overwrite\n');
    expectUntouched(path, () => openDatabase(path), 'not-a-database', /is not a SQLite database/);
  });

  it('refuses a file shorter than the header that starts like it', () => {
    const path = join(dir, 'short.db');
    writeFileSync(path, 'SQLite');
    expectUntouched(path, () => openDatabase(path), 'not-a-database', /is not a SQLite database/);
  });

  it('refuses a file with the SQLite header followed by garbage', () => {
    const path = join(dir, 'damaged.db');
    writeFileSync(path, Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), randomBytes(8192)]));
    expectUntouched(path, () => openDatabase(path), 'not-a-database', /cannot be read/);
  });

  it("refuses another application's SQLite database", () => {
    const path = join(dir, 'other-app.sqlite');
    const other = new Database(path);
    other.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada')");
    other.close();
    expectUntouched(path, () => openDatabase(path), 'foreign-database', /not a ViT Lab one \(tables contacts/);
  });

  it('read-only: refuses a missing file and an outdated schema, writes nothing', () => {
    expect(() => openDatabase(join(dir, 'none.db'), { readonly: true })).toThrow(/no ViT Lab database/);
    expect(existsSync(join(dir, 'none.db'))).toBe(false);

    const migDir = join(dir, 'mig');
    mkdirSync(migDir);
    const first = loadMigrations()[0];
    copyFileSync(first.file, join(migDir, '0001_init.sql'));
    const path = join(dir, 'v1.db');
    openDatabase(path, { migrationsDir: migDir }).close();
    expectUntouched(path, () => openDatabase(path, { readonly: true }), 'older-schema', /has schema 1 and this app needs/);
  });

  it('read-only: reads a current database', () => {
    const path = join(dir, 'ok.db');
    const store = new RunStore(openDatabase(path));
    const id = store.createRun({ config: SEED_CONFIG });
    store.db.close();
    const ro = track(openDatabase(path, { readonly: true }));
    expect(new RunStore(ro).get(id).status).toBe('queued');
    expect(() => ro.prepare("UPDATE runs SET name = 'x'").run()).toThrow(/readonly/);
  });
});

describe('default locations', () => {
  it('VITLAB_DB, else VITLAB_HOME/vitlab.db, else ~/.vitlab/vitlab.db', () => {
    const saved = { db: process.env.VITLAB_DB, home: process.env.VITLAB_HOME };
    try {
      process.env.VITLAB_DB = '/somewhere/my.db';
      expect(defaultDbPath()).toBe('/somewhere/my.db');
      delete process.env.VITLAB_DB;
      process.env.VITLAB_HOME = '/data/vitlab';
      expect(appDataDir()).toBe('/data/vitlab');
      expect(defaultDbPath()).toBe(join('/data/vitlab', 'vitlab.db'));
      delete process.env.VITLAB_HOME;
      expect(defaultDbPath()).toMatch(/[\\/]\.vitlab[\\/]vitlab\.db$/);
    } finally {
      for (const [k, v] of [['VITLAB_DB', saved.db], ['VITLAB_HOME', saved.home]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('RunStore', () => {
  let store: RunStore;
  const mk = (input: NewRun) => store.get(store.createRun(input));
  beforeEach(() => {
    store = new RunStore(track(openDatabase(join(dir, 'runs.db'))), { now: steppingClock() });
  });

  it('a run’s whole life round-trips: queued → running → epochs → checkpoint → result → completed', () => {
    const created = mk({ name: 'seed', config: SEED_CONFIG, tags: ['baseline', ' baseline ', ''] });
    expect(created.id).toMatch(/^r[0-9a-z]{13}$/);
    expect(created).toMatchObject({ status: 'queued', params: 205_066, epochsDone: 0, testAcc: null, tags: ['baseline'] });
    const cost = computeCost(SEED_CONFIG, 100);
    expect(created.macsPerBatch).toBe(cost.macs.perBatch);
    expect(created.macsPerImage).toBe(cost.macs.perImage);
    expect(store.listQueued().map((r) => r.id)).toEqual([created.id]);

    expect(store.claim(created.id)).toBe(true);
    expect(store.claim(created.id)).toBe(false);
    store.markStarted(created.id, ENV);
    expect(store.heartbeat(created.id)).toBe(true);
    expect(store.listRunning().map((r) => r.id)).toEqual([created.id]);

    store.transaction(() => {
      store.addEpoch(created.id, epoch(1, 0.8));
      store.addCheckpoint(created.id, 1, join(dir, 'ckpt', 'epoch-1'));
    });
    store.addEpoch(created.id, epoch(2, 0.85));
    store.addEpoch(created.id, { ...epoch(2, 0.86), trainLoss: Number.NaN }); // upsert; NaN loss stored as null
    expect(store.get(created.id)).toMatchObject({ epochsDone: 2, testAcc: 0.86 });
    store.addCheckpoint(created.id, 2, join(dir, 'ckpt', 'epoch-2'));

    const result: EvalResult = {
      testLoss: 0.33,
      correct: 8828,
      total: 10_000,
      perClass: Array.from({ length: 10 }, (_, k) => ({ correct: 800 + k * 10, total: 1000 })),
      confusion: Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i === j ? 880 : 13))),
    };
    store.setResult(created.id, result);
    store.finish(created.id, 'completed');

    const run = store.get(created.id);
    expect(run).toMatchObject({
      id: created.id,
      name: 'seed',
      status: 'completed',
      config: SEED_CONFIG,
      backend: 'wasm',
      versions: ENV.versions,
      machine: ENV.machine,
      testAcc: 0.8828,
      testLoss: 0.33,
      epochsDone: 2,
      error: null,
      checkpointPath: join(dir, 'ckpt', 'epoch-2'),
    });
    expect(run.createdAt < run.startedAt! && run.startedAt! < run.finishedAt!).toBe(true);
    expect(run.epochs).toEqual([
      { ...epoch(1, 0.8) },
      { ...epoch(2, 0.86), trainLoss: null },
    ]);
    expect(run.perClass).toHaveLength(10);
    expect(run.perClass[3]).toEqual({ class: 3, correct: 830, total: 1000, acc: 0.83 });
    expect(run.confusion).toEqual(result.confusion);
    expect(run.cost).toEqual(cost);
    expect(run.artifacts.map((a) => [a.kind, a.epoch, a.path])).toEqual([
      ['checkpoint', 1, join(dir, 'ckpt', 'epoch-1')],
      ['checkpoint', 2, join(dir, 'ckpt', 'epoch-2')],
    ]);
    expect(store.listRunning()).toEqual([]);
    expect(store.heartbeat(created.id)).toBe(false);

    // Survives closing and reopening the file.
    store.db.close();
    const again = new RunStore(track(openDatabase(join(dir, 'runs.db'))));
    expect(again.get(created.id)).toEqual(run);
  });

  it('refuses impossible transitions and unknown ids', () => {
    const run = mk({ config: SEED_CONFIG });
    expect(run.name).toBe('vit-L4-d64-h4-p4');
    store.finish(run.id, 'cancelled');
    expect(() => store.markStarted(run.id, ENV)).toThrow(/is cancelled; cannot mark it running/);
    expect(() => store.finish(run.id, 'completed')).toThrow(StoreError);
    expect(() => store.finish(run.id, 'running' as never)).toThrow(/must be one of/);
    expect(() => store.get('r-nope')).toThrow(NotFoundError);
    expect(() => store.addEpoch('r-nope', epoch(1, 0.5))).toThrow(/no run with id "r-nope"/);
    expect(() => store.heartbeat('r-nope')).toThrow(NotFoundError);
    expect(() => store.rename('r-nope', 'x')).toThrow(NotFoundError);
    expect(() => store.delete('r-nope')).toThrow(NotFoundError);
    expect(() => mk({ config: { ...SEED_CONFIG, patch: 5 } })).toThrow(/patch/);
    expect(() => mk({ config: SEED_CONFIG, sweepId: 's-nope' })).toThrow(/no sweep with id "s-nope"/);
    expect(store.list().total).toBe(1); // the refused configs wrote nothing
  });

  it('interrupted runs keep their epochs and can be requeued to resume from a checkpoint', () => {
    const a = mk({ name: 'a', config: SEED_CONFIG });
    const b = mk({ name: 'b', config: SEED_CONFIG });
    for (const r of [a, b]) store.markStarted(r.id, ENV);
    for (const n of [1, 2, 3]) store.addEpoch(a.id, epoch(n, 0.7 + n / 100));
    store.addCheckpoint(a.id, 2, '/ckpt/a/2');
    store.finish(b.id, 'completed');

    expect(store.markInterrupted([a.id, b.id])).toEqual([a.id]);
    const stopped = store.get(a.id);
    expect(stopped).toMatchObject({ status: 'interrupted', epochsDone: 3, testAcc: 0.73 });
    expect(stopped.finishedAt).toBe(stopped.heartbeatAt); // the last sign of life, not the restart time
    expect(stopped.error).toMatch(/worker stopped/);

    store.requeue(a.id, { keepEpochs: 2 });
    const requeued = store.get(a.id);
    expect(requeued).toMatchObject({ status: 'queued', epochsDone: 2, testAcc: 0.72, error: null, finishedAt: null, checkpointPath: '/ckpt/a/2' });
    expect(requeued.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(() => store.requeue(b.id)).toThrow(/is completed; cannot requeue/);
  });

  it('the queue is priority first, then first come first served; requeued runs go to the back', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => mk({ name, config: SEED_CONFIG }));
    store.setPriority(c.id, 5);
    expect(store.listQueued().map((r) => r.name)).toEqual(['c', 'a', 'b', 'd']);
    store.finish(a.id, 'cancelled');
    store.requeue(a.id);
    expect(store.listQueued().map((r) => r.name)).toEqual(['c', 'b', 'd', 'a']);
    store.markStarted(b.id, ENV);
    expect(store.listQueued().map((r) => r.name)).toEqual(['c', 'd', 'a']);
    void d;
  });

  it('a transaction that throws leaves nothing half-written', () => {
    const run = mk({ config: SEED_CONFIG });
    store.markStarted(run.id, ENV);
    store.addEpoch(run.id, epoch(1, 0.7));
    const before = store.get(run.id);
    expect(() =>
      store.transaction(() => {
        store.addEpoch(run.id, epoch(2, 0.8));
        store.addCheckpoint(run.id, 2, '/ckpt/2');
        store.setResult(run.id, { testLoss: 0.3, correct: 9, total: 10, perClass: [{ correct: 9, total: 10 }], confusion: [[9]] });
        store.finish(run.id, 'completed');
        throw new Error('supervisor died mid-message');
      }),
    ).toThrow(/supervisor died/);
    expect(store.get(run.id)).toEqual(before);
    // A bad value inside one method rolls back that method's earlier statements too.
    expect(() =>
      store.setResult(run.id, { testLoss: 0.3, correct: 9, total: 10, perClass: [{ correct: 9, total: 10 }, { correct: 5, total: 2 }], confusion: [[9]] }),
    ).toThrow(/CHECK constraint/);
    expect(store.get(run.id)).toEqual(before);
  });

  it('delete removes every row of the run and returns its files', () => {
    const keep = mk({ name: 'keep', config: SEED_CONFIG });
    const run = mk({ name: 'gone', config: SEED_CONFIG });
    for (const r of [keep, run]) {
      store.markStarted(r.id, ENV);
      store.addEpoch(r.id, epoch(1, 0.7));
      store.addCheckpoint(r.id, 1, `/ckpt/${r.id}/1`);
      store.setResult(r.id, { testLoss: 0.3, correct: 9, total: 10, perClass: [{ correct: 9, total: 10 }], confusion: [[9]] });
    }
    expect(() => store.delete(run.id)).toThrow(/is running; cannot delete it \(cancel it first\)/);
    store.finish(run.id, 'completed');
    store.finish(keep.id, 'completed');
    store.addArtifact(run.id, 'report', `/reports/${run.id}.html`);
    const cmp = store.saveComparison({ name: 'both', runIds: [keep.id, run.id], baselineRunId: run.id });

    expect(store.delete(run.id)).toEqual({ id: run.id, paths: [`/ckpt/${run.id}/1`, `/reports/${run.id}.html`] });
    for (const t of ['runs', 'epochs', 'class_results', 'confusion', 'costs', 'artifacts']) {
      const col = t === 'runs' ? 'id' : 'run_id';
      expect(store.db.prepare(`SELECT count(*) FROM ${t} WHERE ${col} = ?`).pluck().get(run.id), t).toBe(0);
      expect(store.db.prepare(`SELECT count(*) FROM ${t} WHERE ${col} = ?`).pluck().get(keep.id), t).toBeGreaterThan(0);
    }
    expect(store.getComparison(cmp.id)).toMatchObject({ runIds: [keep.id], baselineRunId: null });
    expect(store.get(keep.id).epochs).toHaveLength(1);
  });

  it('sweeps group queued runs', () => {
    const sweep = { id: store.createSweep({ name: 'depth × heads', grid: { depth: [2, 4], heads: [2, 4] }, base: SEED_CONFIG }) };
    const ids = [2, 4].flatMap((depth) => [2, 4].map((heads) => mk({ config: { ...SEED_CONFIG, depth, heads }, sweepId: sweep.id }).id));
    store.markStarted(ids[0], ENV);
    const got = store.getSweep(sweep.id);
    expect(got).toMatchObject({ name: 'depth × heads', grid: { depth: [2, 4], heads: [2, 4] }, base: SEED_CONFIG, runIds: ids });
    expect(got.counts).toEqual({ queued: 3, running: 1, completed: 0, failed: 0, cancelled: 0, interrupted: 0 });
    expect(store.listSweeps().map((s) => s.id)).toEqual([sweep.id]);
    expect(store.list({ sweepId: sweep.id }).total).toBe(4);
    expect(() => store.getSweep('s-nope')).toThrow(NotFoundError);
  });

  it('comparisons: save, update, unique names, list, delete', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((name) => mk({ name, config: SEED_CONFIG }));
    const saved = store.saveComparison({ name: 'patch study', runIds: [a.id, b.id], baselineRunId: a.id, settings: { metric: 'testAcc' } });
    expect(saved).toMatchObject({ name: 'patch study', runIds: [a.id, b.id], baselineRunId: a.id, settings: { metric: 'testAcc' } });
    expect(() => store.saveComparison({ name: 'patch study', runIds: [c.id] })).toThrow(/already exists/);
    expect(() => store.saveComparison({ name: 'x', runIds: [a.id], baselineRunId: c.id })).toThrow(/not one of the compared runs/);
    expect(() => store.saveComparison({ name: 'x', runIds: ['r-nope'] })).toThrow(NotFoundError);
    const updated = store.saveComparison({ id: saved.id, name: 'patch study', runIds: [a.id, b.id, c.id], baselineRunId: c.id });
    expect(updated).toMatchObject({ id: saved.id, runIds: [a.id, b.id, c.id], baselineRunId: c.id, createdAt: saved.createdAt });
    expect(updated.updatedAt > saved.updatedAt).toBe(true);
    const other = store.saveComparison({ name: 'other', runIds: [b.id] });
    expect(store.listComparisons().map((x) => x.name)).toEqual(['other', 'patch study']);
    store.deleteComparison(other.id);
    expect(() => store.getComparison(other.id)).toThrow(NotFoundError);
    expect(() => store.deleteComparison(other.id)).toThrow(NotFoundError);
  });

  it('rename, notes and tags', () => {
    const run = mk({ config: SEED_CONFIG });
    store.rename(run.id, '  best so far ');
    store.setNotes(run.id, 'lr warmup helps');
    expect(store.setTags(run.id, ['a', 'b', 'a', ' '])).toEqual(['a', 'b']);
    expect(store.get(run.id)).toMatchObject({ name: 'best so far', notes: 'lr warmup helps', tags: ['a', 'b'] });
    expect(() => store.rename(run.id, ' ')).toThrow(/cannot be empty/);
    store.update(run.id, { notes: 'edited', tags: ['c'] });
    expect(store.get(run.id)).toMatchObject({ name: 'best so far', notes: 'edited', tags: ['c'] });
    // All or nothing: a bad name keeps the notes from changing too.
    expect(() => store.update(run.id, { notes: 'lost', name: '' })).toThrow(/cannot be empty/);
    expect(store.get(run.id).notes).toBe('edited');
    expect(store.getStatus(run.id)).toBe('queued');
    expect(store.getStatus('r-nope')).toBeUndefined();
  });

  describe('list', () => {
    // 24 runs: depth 2/4/6 × patch 4/7 × 4 seeds; accuracies known; some never finished.
    let runs: { id: string; name: string; depth: number; patch: number; acc: number | null; status: string; params: number }[];
    beforeEach(() => {
      runs = [];
      let i = 0;
      for (const depth of [2, 4, 6]) {
        for (const patch of [4, 7]) {
          for (let seed = 0; seed < 4; seed++) {
            const config: RunConfig = { ...SEED_CONFIG, depth, patch, seed, activation: seed % 2 ? 'gelu' : 'relu' };
            const r = mk({ name: `${seed === 3 ? 'Ablation' : 'grid'} L${depth} p${patch} s${seed}`, config, tags: seed === 0 ? ['keeper'] : [] });
            let acc: number | null = null;
            let status = 'queued';
            if (i % 6 !== 5) {
              store.markStarted(r.id, ENV);
              acc = 0.8 + ((i * 7) % 24) / 1000;
              store.addEpoch(r.id, epoch(1, acc));
              status = i % 6 === 4 ? 'failed' : 'completed';
              store.finish(r.id, status as 'failed' | 'completed', status === 'failed' ? 'out of memory' : undefined);
            }
            runs.push({ id: r.id, name: r.name, depth, patch, acc, status, params: r.params });
            i++;
          }
        }
      }
    });

    it('defaults to newest first, 50 a page, with the total', () => {
      const page = store.list();
      expect(page.total).toBe(24);
      expect(page.rows.map((r) => r.id)).toEqual(runs.map((r) => r.id).reverse());
    });

    it('filters by a list of ids (a selection), combined with sort and other filters', () => {
      const pick = [runs[3].id, runs[0].id, runs[17].id, 'no-such-run'];
      const page = store.list({ ids: pick, sort: 'createdAt', dir: 'asc' });
      expect(page.total).toBe(3);
      expect(page.rows.map((r) => r.id)).toEqual([runs[0].id, runs[3].id, runs[17].id]);
      expect(store.list({ ids: pick, filters: { depth: runs[17].depth } }).rows.map((r) => r.id)).toEqual([runs[17].id]);
      expect(store.list({ ids: [] })).toEqual({ total: 0, rows: [] });
      const many = runs.map((r) => r.id);
      expect(store.list({ ids: many, limit: 100 }).total).toBe(24);
    });

    it('sorts by accuracy, best first, runs without one last — either direction', () => {
      const withAcc = runs.filter((r) => r.acc !== null);
      const noAcc = runs.filter((r) => r.acc === null);
      const desc = store.list({ sort: 'testAcc', dir: 'desc' }).rows;
      expect(desc.map((r) => r.testAcc)).toEqual([...withAcc.map((r) => r.acc).sort((x, y) => y! - x!), ...noAcc.map(() => null)]);
      const asc = store.list({ sort: 'testAcc', dir: 'asc' }).rows;
      expect(asc.map((r) => r.testAcc)).toEqual([...withAcc.map((r) => r.acc).sort((x, y) => x! - y!), ...noAcc.map(() => null)]);
    });

    it('sorts by params and by snake_case column names too', () => {
      const rows = store.list({ sort: 'params', dir: 'asc' }).rows;
      expect(rows.map((r) => r.params)).toEqual(runs.map((r) => r.params).sort((a, b) => a - b));
      expect(store.list({ sort: 'macs_per_image' as never, dir: 'asc' }).rows[0].macsPerImage).toBe(
        Math.min(...store.list({ limit: 100 }).rows.map((r) => r.macsPerImage)),
      );
      const byName = store.list({ sort: 'name', dir: 'asc', limit: 3 }).rows.map((r) => r.name);
      expect(byName).toEqual(['Ablation L2 p4 s3', 'Ablation L2 p7 s3', 'Ablation L4 p4 s3']); // case-insensitive
    });

    it('refuses an unknown sort field, naming it', () => {
      expect(() => store.list({ sort: 'config_json; DROP TABLE runs' as never })).toThrow(/unknown sort field "config_json; DROP TABLE runs"/);
      expect(() => store.list({ filters: { colour: 'red' } as never })).toThrow(/unknown filter field "colour"/);
      expect(() => store.list({ status: 'paused' as never })).toThrow(/unknown status "paused"/);
      expect(() => store.list({ limit: 0 })).toThrow(/limit/);
    });

    it('filters by status, sweep and config columns', () => {
      const failed = store.list({ status: 'failed' });
      expect(failed.total).toBe(runs.filter((r) => r.status === 'failed').length);
      expect(failed.rows.every((r) => r.status === 'failed' && r.error === 'out of memory')).toBe(true);
      expect(store.list({ status: ['queued', 'failed'] }).total).toBe(runs.filter((r) => r.status !== 'completed').length);

      const deep = store.list({ filters: { depth: [4, 6], patch: 7 } });
      expect(deep.total).toBe(8);
      expect(deep.rows.every((r) => r.config.depth >= 4 && r.config.patch === 7)).toBe(true);
      expect(store.list({ filters: { activation: 'gelu', testAcc: { min: 0.81 } } }).rows.every((r) => r.config.activation === 'gelu' && r.testAcc! >= 0.81)).toBe(true);
      expect(store.list({ filters: { params: { max: runs[0].params } } }).total).toBe(8);
    });

    it('searches names, tags and id prefixes, case-insensitively, with LIKE wildcards taken literally', () => {
      expect(store.list({ search: 'ablation' }).total).toBe(6);
      expect(store.list({ search: 'keeper' }).total).toBe(6);
      expect(store.list({ search: runs[5].id.slice(0, 13) }).rows.map((r) => r.id)).toContain(runs[5].id);
      expect(store.list({ search: '%' }).total).toBe(0);
      expect(store.list({ search: 'L4_p' }).total).toBe(0);
    });

    it('pages without repeats or gaps, also through ties', () => {
      const seen: string[] = [];
      for (let offset = 0; ; offset += 5) {
        const page = store.list({ sort: 'params', dir: 'desc', limit: 5, offset });
        expect(page.total).toBe(24);
        if (page.rows.length === 0) break;
        seen.push(...page.rows.map((r) => r.id));
      }
      expect(seen).toHaveLength(24);
      expect(new Set(seen).size).toBe(24);
    });
  });
});

describe('the heartbeat rule in every read (a run whose owner died reads interrupted)', () => {
  const GRACE = 15_000;
  let t: number;
  let store: RunStore;
  let dbPath: string;
  beforeEach(() => {
    t = Date.parse('2026-01-01T00:00:00Z');
    dbPath = join(dir, 'runs.db');
    store = new RunStore(track(openDatabase(dbPath)), { now: () => new Date(t), staleMs: GRACE });
  });
  const stored = (id: string) => track(new Database(dbPath, { readonly: true })).prepare('SELECT status FROM runs WHERE id = ?').pluck().get(id);

  it('shows a running run interrupted once its heartbeat is older than the grace, in get, list, filters, sort and sweep counts, without writing', () => {
    const sweepId = store.createSweep({ grid: { depth: [1, 2] } });
    const a = store.createRun({ config: SEED_CONFIG, sweepId, name: 'a' });
    const b = store.createRun({ config: SEED_CONFIG, sweepId, name: 'b' });
    store.claim(a);
    store.claim(b);
    t += GRACE - 1;
    store.heartbeat(b);
    expect(store.getStatus(a)).toBe('running'); // exactly at the grace: still alive
    t += 2;
    expect(store.getStatus(a)).toBe('interrupted');
    expect(store.getStatus(b)).toBe('running');
    const run = store.get(a);
    expect(run).toMatchObject({ status: 'interrupted', finishedAt: run.heartbeatAt });
    expect(run.error).toMatch(/process running it stopped/);
    expect(store.list({ status: 'interrupted' }).rows.map((r) => r.id)).toEqual([a]);
    expect(store.list({ status: 'running' }).rows.map((r) => r.id)).toEqual([b]);
    expect(store.list({ status: ['running', 'interrupted'] }).total).toBe(2);
    expect(store.list({ sort: 'status', dir: 'asc' }).rows.map((r) => r.status)).toEqual(['interrupted', 'running']);
    expect(store.getSweep(sweepId).counts).toMatchObject({ running: 1, interrupted: 1 });
    expect(store.listStale()).toEqual([a]);
    expect(stored(a)).toBe('running'); // reads derive, they never write
  });

  it('requeue and delete act on what readers see; recovery writes it down only while still stale', () => {
    const a = store.createRun({ config: SEED_CONFIG });
    const b = store.createRun({ config: SEED_CONFIG });
    const c = store.createRun({ config: SEED_CONFIG });
    for (const id of [a, b, c]) store.claim(id);
    expect(() => store.requeue(a)).toThrow(/is running; cannot requeue/);
    t += GRACE + 1;
    store.requeue(a);
    expect(store.getStatus(a)).toBe('queued');
    expect(store.delete(b).id).toBe(b);
    store.heartbeat(c); // its owner came back: not settled
    expect(store.settleStale([c])).toEqual([]);
    expect(stored(c)).toBe('running');
  });
});
