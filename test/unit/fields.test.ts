import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_FLAGS } from '../../src-main/cli/args.js';
import { openDatabase } from '../../src-main/store/db.js';
import { SEED_CONFIG, validateConfig } from '../../src-main/vit/config.js';
import { COLUMN_KEYS, columnOf, FIELD_KEYS, FIELDS, flagOf, MODEL_KEYS, TRAIN_KEYS, type FieldDef } from '../../src-shared/fields.js';

// The registry is the one list of config fields: these tests hold every derived list to it.
describe('the field registry', () => {
  it('names exactly the fields of a config, split into model and training parts', () => {
    expect([...FIELD_KEYS].sort()).toEqual(Object.keys(SEED_CONFIG).sort());
    expect([...MODEL_KEYS, ...TRAIN_KEYS].sort()).toEqual([...FIELD_KEYS].sort());
    expect(MODEL_KEYS).toEqual(['image', 'channels', 'classes', 'patch', 'dim', 'depth', 'heads', 'mlp', 'activation', 'dropout']);
  });

  it('gives every field a CLI flag', () => {
    expect(Object.values(CONFIG_FLAGS).sort()).toEqual([...FIELD_KEYS].sort());
    expect(flagOf('limitTrain')).toBe('limit-train');
    expect(CONFIG_FLAGS['limit-test']).toBe('limitTest');
  });

  it('every column it names exists in the migrated runs table', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-fields-'));
    const file = path.join(dir, 'f.db');
    openDatabase(file).close();
    const db = new Database(file, { readonly: true });
    const cols = new Set((db.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((c) => c.name));
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
    for (const k of COLUMN_KEYS) expect(cols.has(columnOf(k)), `runs.${columnOf(k)}`).toBe(true);
  });

  it('the config schema enforces each numeric bound, naming the field', () => {
    for (const k of FIELD_KEYS) {
      const f: FieldDef = FIELDS[k];
      if (f.kind === 'enum') {
        expect(validateConfig({ ...SEED_CONFIG, [k]: 'no-such-option' })).toMatchObject({ ok: false, issues: [{ field: k }] });
        continue;
      }
      const below = f.kind === 'float' && f.minExclusive ? f.min : f.kind === 'int' ? f.min - 1 : f.min - 1e-9;
      const above = f.kind === 'float' && f.maxExclusive ? f.max : f.kind === 'int' ? f.max + 1 : f.max + 1e-9;
      const low = validateConfig({ ...SEED_CONFIG, [k]: below });
      const high = validateConfig({ ...SEED_CONFIG, [k]: above });
      expect(low.ok, `${k} = ${below}`).toBe(false);
      expect(high.ok, `${k} = ${above}`).toBe(false);
      if (!low.ok) expect(low.issues.map((i) => i.field)).toContain(k);
      if (!high.ok) expect(high.issues.map((i) => i.field)).toContain(k);
      expect(validateConfig({ ...SEED_CONFIG, [k]: Infinity })).toMatchObject({ ok: false, issues: [{ field: k, message: expect.stringContaining('finite') }] });
      if (f.kind === 'int') expect(validateConfig({ ...SEED_CONFIG, [k]: SEED_CONFIG[k as 'depth'] + 0.5 })).toMatchObject({ ok: false, issues: [{ field: k }] });
    }
  });
});
