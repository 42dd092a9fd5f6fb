import path from 'node:path';
import type { HandlerContext } from '../api/handlers.js';
import { checkpointDirOf, type StoredCheckpoints } from '../inspect/checkpoint-dir.js';
import { checkpointBlobsOf } from '../store/checkpoint-blobs.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { exportWeights } from '../inspect/export.js';
import { Inspector } from '../inspect/service.js';
import { exportReport } from '../report/export.js';
import type { Engine } from './engine.js';

export const VERSION = '0.1.0';

/**
 * The checkpoints an engine's store keeps (runs an agent trained, whose folders are on its
 * machine), unpacked on demand beside this store's own checkpoints.
 */
export function storedCheckpointsOf(engine: Engine): StoredCheckpoints {
  return { blobs: checkpointBlobsOf(new SqliteStore(engine.store)), cacheDir: path.join(engine.checkpointRoot, 'from-store') };
}

/** What the handlers get, whichever transport calls them. */
export function makeContext(engine: Engine, opts: { allowWrite?: boolean } = {}): HandlerContext {
  const stored = storedCheckpointsOf(engine);
  const inspector = new Inspector(engine.store, { stored });
  return {
    supervisor: engine.supervisor,
    dbPath: engine.dbPath,
    dataDir: engine.dataDir,
    version: VERSION,
    exportReport: (input) => exportReport(engine.store, input, { allowWrite: opts.allowWrite ?? false }),
    inspector,
    exportWeights: (input) => exportWeights(engine.store, input, { allowWrite: opts.allowWrite ?? false, build: (run, format) => inspector.weightsFile(run, format), checkpointDir: (run) => checkpointDirOf(run, stored) }),
  };
}
