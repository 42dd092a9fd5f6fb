/**
 * Issue 11, item 5's second half: a stored run whose config says `classes` 1e9 (written before
 * classes had a bound, or by another writer) must export like any other run. Before the fix the
 * CSV/JSON/Markdown/HTML exports sized per-class arrays by that number and `vitlab export` died
 * of V8 out-of-memory. The run is stored through the store's own API on a real SQLite file, then
 * its stored config is changed with plain SQL, as an old or foreign writer would have left it; the
 * export runs as the real `vitlab export` process, with a heap small enough that an allocation of
 * a billion entries cannot pass unnoticed.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeSeedRun, tempStore } from '../fixtures/report/runs.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let t: ReturnType<typeof tempStore>;
let id: string;

beforeAll(() => {
  t = tempStore();
  id = storeSeedRun(t.store, t.clock);
  const raw = new Database(t.dbPath);
  try {
    const changed = raw.prepare(`UPDATE runs SET config_json = json_set(config_json, '$.classes', 1e9), classes = 1000000000 WHERE id = ?`).run(id);
    expect(changed.changes).toBe(1);
  } finally {
    raw.close();
  }
  expect(t.store.get(id).config.classes).toBe(1e9);
});
afterAll(() => t.close());

function exportRun(format: string) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', path.join(root, 'bin/vitlab.js'), 'export', id, '--db', t.dbPath, '--format', format], {
    encoding: 'utf8',
    env: { ...process.env, VITLAB_HOME: t.dir },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

describe('exports of a stored run with classes 1e9 are sized by its stored results', () => {
  it('csv: ten per-class columns, from the stored per-class results', () => {
    const r = exportRun('csv');
    expect(r.err).not.toMatch(/heap out of memory|Invalid array length/);
    expect(r.code).toBe(0);
    const header = r.out.split(/\r?\n/)[0].split(',');
    expect(header.filter((c) => c.startsWith('acc_class_'))).toEqual(Array.from({ length: 10 }, (_, k) => `acc_class_${k}`));
  });

  it('json: the run with its ten per-class results', () => {
    const r = exportRun('json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as { perClass: unknown[]; classes: number }[];
    expect(rows).toHaveLength(1);
    expect(rows[0].perClass).toHaveLength(10);
  });

  it('md and html: the run report with a ten-class confusion matrix', () => {
    const md = exportRun('md');
    expect(md.code).toBe(0);
    expect(md.out).toContain('Test Accuracy of Class 9');
    expect(md.out).not.toContain('Test Accuracy of Class 10');
    const html = exportRun('html');
    expect(html.code).toBe(0);
    expect(html.out).toContain('true ↓ / predicted →');
  });
});
