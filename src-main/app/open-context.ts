import path from 'node:path';
import type { ApiEvent } from '../api/contract.js';
import { onApiEvents } from '../api/events.js';
import type { HandlerContext } from '../api/handlers.js';
import { listenForRuns } from '../api/run-feed.js';
import { defaultAppDataDir } from '../data/datasets.js';
import { exportReport, type ExportOptions } from '../report/export.js';
import { storeKindOf, type StoreChoice } from '../store/open-store.js';
import { openStore } from '../store/open-store.js';
import { settingsFile } from '../store/settings.js';
import { checkpointBlobsOf } from '../store/checkpoint-blobs.js';
import { appDataDir } from '../store/db.js';
import { Inspector } from '../inspect/service.js';
import type { Store } from '../store/store.js';
import { makeContext, VERSION } from './context.js';
import { openEngine, type Engine } from './engine.js';
import { sharedQueue } from './services/run-queue.js';

export interface OpenContextOptions {
  /** `--data`: the datasets folder (default: the locate order). */
  dataDir?: string;
  /** Runs trained at once (SQLite: this process's supervisor). Default 1. */
  concurrency?: number;
  /** Electron's better-sqlite3 build. */
  nativeBinding?: string;
  /** How reports become PDF (Electron: its own printToPDF). */
  pdfEngine?: ExportOptions['pdfEngine'];
  /** The settings file settings/get and settings/set use; default store/settings.ts settingsFile(). */
  settingsFile?: string;
  /** Electron: restarts the app so a saved store takes effect (settings/relaunch). */
  relaunch?: () => void;
}

/** A store opened for the dashboard, whichever transport shows it (`serve`, the desktop app). */
export interface OpenedContext {
  kind: Store['kind'];
  ctx: HandlerContext;
  /** SQLite: the engine that trains here (supervisor, queue). PostgreSQL: none, agents train. */
  engine?: Engine;
  /**
   * API events that do not come from `ctx.supervisor` (a transport subscribes to that itself):
   * a PostgreSQL store's LISTEN feed, every agent's and writer's changes. Returns the unsubscribe.
   */
  moreEvents?: (listener: (e: ApiEvent) => void) => () => void;
  /** Every API event of the store, the supervisor's and the feed's. */
  onEvents(listener: (e: ApiEvent) => void): () => void;
  /** Lines for the log: where the store is and who trains its runs. */
  banner: string[];
  /** SQLite: starts the supervisor (runs left running are marked interrupted); their ids. */
  start(): string[];
  close(opts?: { cancelRunning?: boolean }): Promise<void>;
}

/**
 * The one way `serve` and the desktop app open their store (chosen by store/open-store.ts
 * chooseStore) and build the handlers' context from it, so the app on a PostgreSQL store works as
 * `serve` on it does: SQLite gets the engine (a supervisor training here); PostgreSQL gets the
 * store, its shared queue for `vitlab agent` processes, and the LISTEN/NOTIFY feed for live updates.
 */
export async function openContext(choice: StoreChoice, opts: OpenContextOptions = {}): Promise<OpenedContext> {
  const settings = { storeChoice: choice, settingsFile: opts.settingsFile ?? settingsFile(), relaunch: opts.relaunch };
  if (storeKindOf(choice.location) === 'sqlite') {
    const engine = openEngine({ dbPath: choice.location, dataDir: opts.dataDir, concurrency: opts.concurrency ?? 1, nativeBinding: opts.nativeBinding });
    const ctx: HandlerContext = { ...makeContext(engine), ...settings };
    if (opts.pdfEngine) ctx.exportReport = (input) => exportReport(engine.store, input, { allowWrite: false, pdfEngine: opts.pdfEngine });
    return {
      kind: 'sqlite',
      ctx,
      engine,
      onEvents: (l) => onApiEvents(engine.supervisor, l),
      banner: [`database ${engine.dbPath}`],
      start: () => engine.supervisor.start().interrupted,
      close: (o) => engine.close(o),
    };
  }
  const store = await openStore(choice.location);
  try {
    const ctx: HandlerContext = {
      store,
      // The data folder as the supervisor takes it: only --data, else the locate order (admission).
      queue: sharedQueue(store, opts.dataDir),
      dbPath: store.describe(),
      dataDir: opts.dataDir ?? path.join(defaultAppDataDir(), 'datasets'),
      version: VERSION,
      exportReport: (input) => exportReport(store, input, { allowWrite: false, pdfEngine: opts.pdfEngine }),
      // Mistakes, attention, own images: from the checkpoints the agents keep in the store.
      inspector: new Inspector(store, { dataDir: opts.dataDir, stored: { blobs: checkpointBlobsOf(store), cacheDir: path.join(appDataDir(), 'store-checkpoints') } }),
      ...settings,
    };
    // Live updates from every writer of the store (agents on other machines): LISTEN/NOTIFY.
    const listeners = new Set<(e: ApiEvent) => void>();
    const feed = await listenForRuns(choice.location, store, (e) => listeners.forEach((l) => l(e)));
    const moreEvents = (l: (e: ApiEvent) => void) => (listeners.add(l), () => void listeners.delete(l));
    return {
      kind: 'postgres',
      ctx,
      moreEvents,
      onEvents: moreEvents,
      banner: [`store ${store.describe()} (shared: agents train its queue)`, 'live updates: LISTEN vitlab_runs, vitlab_agents'],
      start: () => [],
      close: async () => {
        await feed.close();
        await store.close();
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}
