import { resolve } from 'node:path';
import { DomainError } from '../../../src-shared/errors.js';
import { defaultDbPath } from '../../store/db.js';
import { checkStoreLocation, storeKindOf, type StoreChoice } from '../../store/open-store.js';
import { redactText, redactUrl } from '../../store/redact.js';
import { readSettings, writeSettings, type AppSettings } from '../../store/settings.js';
import type { SettingsInfo } from '../contract.js';
import type { HandlerContext, HandlersOf } from './types.js';

/** A store location as it may be shown: a file path made absolute, a URL without its password. */
const shown = (location: string) => (storeKindOf(location) === 'sqlite' ? resolve(location) : redactUrl(location));

function settingsOf(ctx: HandlerContext, what: string): { file: string; choice: StoreChoice } {
  if (ctx.settingsFile && ctx.storeChoice) return { file: ctx.settingsFile, choice: ctx.storeChoice };
  throw new DomainError('unavailable', `${what}: this process was started without an app settings file`);
}

function info(ctx: HandlerContext, file: string, choice: StoreChoice): SettingsInfo {
  let saved: AppSettings = {};
  let problem: string | null = null;
  try {
    saved = readSettings(file);
  } catch (e) {
    problem = (e as Error).message;
  }
  const overriddenBy = choice.source === 'settings' || choice.source === 'default' ? null : choice.source;
  // What the next start picks when nothing stronger names a store (the same rule, open-store.ts).
  const next = saved.store ?? defaultDbPath();
  const same = (a: string, b: string) => (storeKindOf(a) === 'sqlite' && storeKindOf(b) === 'sqlite' ? resolve(a) === resolve(b) : a.trim() === b.trim());
  return {
    file,
    saved: saved.store === undefined ? null : { store: shown(saved.store), shared: storeKindOf(saved.store) === 'postgres' },
    problem,
    active: { store: shown(choice.location), shared: storeKindOf(choice.location) === 'postgres', source: choice.source },
    restartNeeded: problem === null && overriddenBy === null && !same(next, choice.location),
    overriddenBy,
    canRelaunch: ctx.relaunch !== undefined,
  };
}

/** The app settings: today, which store the app and `serve` open on their next start. */
export const settingsHandlers: HandlersOf<'settings'> = {
  'settings/get': (_i, ctx) => {
    const { file, choice } = settingsOf(ctx, 'settings/get');
    return info(ctx, file, choice);
  },
  'settings/set': async ({ store }, ctx) => {
    const { file, choice } = settingsOf(ctx, 'settings/set');
    if (store !== null) {
      try {
        await checkStoreLocation(store);
      } catch (e) {
        const message = redactText(`cannot use ${redactUrl(store)}: ${(e as Error).message}`, store);
        throw new DomainError('invalid_input', `store: ${message}`, { issues: [{ field: 'store', message }] });
      }
    }
    // A damaged file is refused here (writeSettings reads it first), never overwritten.
    writeSettings({ store: store ?? undefined }, file);
    return info(ctx, file, choice);
  },
  'settings/relaunch': (_i, ctx) => {
    if (!ctx.relaunch) throw new DomainError('unavailable', 'settings/relaunch: only the desktop app restarts itself; stop this serve and start it again');
    ctx.relaunch();
    return { relaunching: true };
  },
};
