import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src-main/cli.js';
import { openDatabase } from '../../src-main/store/db.js';
import { RunStore } from '../../src-main/store/runs.js';
import { recipeOf } from '../../src-main/train/schedule.js';
import { SEED_CONFIG, validateConfig } from '../../src-main/vit/config.js';

// Label smoothing was added as a field to show what adding one takes (issue 12): one registry
// entry (src-shared/fields.ts), one migration (0003), and the trainer's recipe reading it. These
// tests follow it through every surface that derives from the registry.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-ls-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('label smoothing, a user-settable recipe field', () => {
  it('null keeps the recipe’s own value; a number overrides it', () => {
    expect(recipeOf({ recipe: 'seed', epochs: 10, labelSmoothing: null }).labelSmoothing).toBe(0);
    expect(recipeOf({ recipe: 'improved', epochs: 10, labelSmoothing: null }).labelSmoothing).toBe(0.1);
    expect(recipeOf({ recipe: 'seed', epochs: 10, labelSmoothing: 0.2 }).labelSmoothing).toBe(0.2);
    expect(recipeOf({ recipe: 'improved', epochs: 10, labelSmoothing: 0 }).labelSmoothing).toBe(0);
  });

  it('is optional in a config (null) and bounded to [0, 1)', () => {
    const { labelSmoothing: _, ...without } = SEED_CONFIG;
    expect(validateConfig(without)).toMatchObject({ ok: true, config: { labelSmoothing: null } });
    expect(validateConfig({ ...SEED_CONFIG, labelSmoothing: 0.3 })).toMatchObject({ ok: true, config: { labelSmoothing: 0.3 } });
    expect(validateConfig({ ...SEED_CONFIG, labelSmoothing: 1 })).toMatchObject({ ok: false, issues: [{ field: 'labelSmoothing', message: 'labelSmoothing must be below 1' }] });
    expect(validateConfig({ ...SEED_CONFIG, labelSmoothing: 'a lot' })).toMatchObject({ ok: false, issues: [{ field: 'labelSmoothing' }] });
  });

  it('is stored in its column, filterable and sortable; a config stored before it existed reads as null', () => {
    const db = openDatabase(path.join(tmp, 'ls.db'));
    const store = new RunStore(db);
    const a = store.createRun({ config: { ...SEED_CONFIG, labelSmoothing: 0.2 } });
    const b = store.createRun({ config: { ...SEED_CONFIG } });
    expect(db.prepare('SELECT label_smoothing FROM runs WHERE id = ?').pluck().get(a)).toBe(0.2);
    expect(db.prepare('SELECT label_smoothing FROM runs WHERE id = ?').pluck().get(b)).toBeNull();
    expect(store.list({ filters: { labelSmoothing: 0.2 } }).rows.map((r) => r.id)).toEqual([a]);
    expect(store.list({ filters: { labelSmoothing: { min: 0.1 } } }).rows.map((r) => r.id)).toEqual([a]);
    expect(store.list({ sort: 'labelSmoothing', dir: 'desc' }).rows.map((r) => r.id)).toEqual([a, b]);
    // As a run written by the previous version: no such key in its stored config.
    db.prepare("UPDATE runs SET config_json = json_remove(config_json, '$.labelSmoothing') WHERE id = ?").run(b);
    expect(JSON.parse(db.prepare('SELECT config_json FROM runs WHERE id = ?').pluck().get(b) as string)).not.toHaveProperty('labelSmoothing');
    expect(store.get(b).config.labelSmoothing).toBeNull();
    // …and it is the same experiment as a new run that leaves the field empty: one group (SQL key).
    const c = store.createRun({ config: { ...SEED_CONFIG, seed: 5 } });
    const key = (id: string) => db.prepare('SELECT group_key FROM runs WHERE id = ?').pluck().get(id);
    expect(key(c)).toBe(key(b));
    expect(key(a)).not.toBe(key(b));
    db.close();
  });

  it('has a CLI flag, validated like every field', async () => {
    const out: string[] = [];
    expect(await main(['cost', '--label-smoothing', '1.5'], (s) => out.push(s))).toBe(2);
    expect(await main(['cost', '--label-smoothing', '0.1', '--json'], (s) => out.push(s))).toBe(0);
  });
});
