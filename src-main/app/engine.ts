import path from 'node:path';
import { defaultAppDataDir } from '../data/datasets.js';
import { Supervisor, type SupervisorOptions } from '../runs/supervisor.js';
import { openDatabase } from '../store/db.js';
import { localDbPath } from '../store/open-store.js';
import { describeStoreFailure } from '../store/errors.js';
import { liveness } from '../store/liveness.js';
import { RunStore } from '../store/runs.js';

export interface Engine {
  store: RunStore;
  supervisor: Supervisor;
  dbPath: string;
  dataDir: string;
  /** Where each run's checkpoints go: <checkpointRoot>/<run id>/epoch-NNNN. */
  checkpointRoot: string;
  close(opts?: { cancelRunning?: boolean }): Promise<void>;
}

/**
 * Opens the database (migrating it), and a supervisor over it: what the CLI, `serve` and the
 * Electron main all need, with no Electron in it.
 */
export function openEngine(
  opts: {
    dbPath?: string;
    dataDir?: string;
    appDir?: string;
    nativeBinding?: string;
    /** False: a missing or empty file is an error naming it, not a new database (rm, resume). */
    create?: boolean;
    /** The heartbeat rule's grace period (liveness.ts). */
    staleMs?: number;
    /** How long one write waits for another process's lock before failing (default 5000 ms). */
    busyTimeoutMs?: number;
  } & Partial<SupervisorOptions> = {},
): Engine {
  const appDir = opts.appDir ?? defaultAppDataDir();
  const dbPath = path.resolve(opts.dbPath ?? (opts.appDir ? path.join(opts.appDir, 'vitlab.db') : localDbPath()));
  let db;
  try {
    db = openDatabase(dbPath, { nativeBinding: opts.nativeBinding, create: opts.create, busyTimeoutMs: opts.busyTimeoutMs });
  } catch (e) {
    throw describeStoreFailure(e, dbPath);
  }
  const live = liveness({ heartbeatMs: opts.heartbeatMs, staleMs: opts.staleMs });
  const store = new RunStore(db, { staleMs: live.staleMs });
  // Checkpoints live beside the database they belong to, so --db keeps a whole experiment together.
  const checkpointRoot = opts.checkpointRoot ?? path.join(path.dirname(dbPath), `${path.basename(dbPath, path.extname(dbPath))}-runs`);
  const supervisor = new Supervisor(store, { ...opts, heartbeatMs: live.heartbeatMs, checkpointRoot, dataDir: opts.dataDir, stepPoints: opts.stepPoints ?? stepPointsFromEnv() });
  return {
    store,
    supervisor,
    dbPath,
    dataDir: opts.dataDir ?? path.join(appDir, 'datasets'),
    checkpointRoot,
    close: async (o) => {
      await supervisor.close(o);
      db.close();
    },
  };
}

/** `VITLAB_STEP_POINTS`: per-step curve points per epoch (0–1000; unset: the worker's default of 20). */
function stepPointsFromEnv(): number | undefined {
  const raw = process.env.VITLAB_STEP_POINTS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 1000) throw new Error(`VITLAB_STEP_POINTS must be a whole number from 0 to 1000, got "${raw}"`);
  return n;
}
