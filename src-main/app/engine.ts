import path from 'node:path';
import { defaultAppDataDir } from '../data/datasets.js';
import { Supervisor, type SupervisorOptions } from '../runs/supervisor.js';
import { defaultDbPath, openDatabase } from '../store/db.js';
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
export function openEngine(opts: { dbPath?: string; dataDir?: string; appDir?: string; nativeBinding?: string } & Partial<SupervisorOptions> = {}): Engine {
  const appDir = opts.appDir ?? defaultAppDataDir();
  const dbPath = path.resolve(opts.dbPath ?? (opts.appDir ? path.join(opts.appDir, 'vitlab.db') : defaultDbPath()));
  const db = openDatabase(dbPath, { nativeBinding: opts.nativeBinding });
  const store = new RunStore(db);
  // Checkpoints live beside the database they belong to, so --db keeps a whole experiment together.
  const checkpointRoot = opts.checkpointRoot ?? path.join(path.dirname(dbPath), `${path.basename(dbPath, path.extname(dbPath))}-runs`);
  const supervisor = new Supervisor(store, { ...opts, checkpointRoot, dataDir: opts.dataDir });
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
