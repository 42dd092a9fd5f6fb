/**
 * The app's settings file (`settings.json` in the data folder): what a user chose in the desktop
 * app's or the dashboard's Settings view, today the store location. Validated with zod on every
 * read; written whole to a temp file that is then renamed over the old one, so a crash mid-write
 * leaves the old file or the new, never half of one. A file that does not parse is reported,
 * naming it, and never overwritten: the user's hand edit is theirs to fix or remove.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { DomainError } from '../../src-shared/errors.js';
import { appDataDir } from './db.js';

/** Keys a newer app wrote are kept (loose), so going back a version loses nothing on the next save. */
const settingsSchema = z.looseObject({
  /** Where the runs are: a SQLite file path or a postgres:// URL. Absent: the default file. */
  store: z.string().trim().min(1, 'must not be empty').optional(),
});

export type AppSettings = z.output<typeof settingsSchema>;

export function settingsFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(appDataDir(env), 'settings.json');
}

/** The settings in `file`; a missing file is no settings. Damaged (not JSON, wrong shape): an error naming the file and what is wrong. */
export function readSettings(file: string = settingsFile()): AppSettings {
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw damaged(file, (e as Error).message);
  }
  const r = settingsSchema.safeParse(raw);
  if (!r.success) throw damaged(file, r.error.issues.map((i) => `${i.path.join('.') || '(the file)'}: ${i.message}`).join('; '));
  return r.data;
}

function damaged(file: string, why: string): DomainError {
  return new DomainError('unavailable', `the settings file ${file} is damaged (${why}); it was left untouched — fix it or remove it to go back to the defaults`);
}

/**
 * Saves `change` over the current settings (a key set to undefined is removed). Refuses, leaving
 * it as it is, when the current file is damaged. Atomic: temp file in the same folder, fsync, rename.
 */
export function writeSettings(change: Partial<AppSettings>, file: string = settingsFile()): AppSettings {
  const next: Record<string, unknown> = { ...readSettings(file), ...change };
  for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
  const valid = settingsSchema.parse(next);
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(valid, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the folder itself is what failed: there is no temp file to remove
    }
    throw new DomainError('unavailable', `cannot save the settings file ${file}: ${(e as Error).message}`, { cause: e });
  }
  return valid;
}
