import type { HandlerContext } from '../api/handlers.js';
import { exportWeights } from '../inspect/export.js';
import { Inspector } from '../inspect/service.js';
import { exportReport } from '../report/export.js';
import type { Engine } from './engine.js';

export const VERSION = '0.1.0';

/** What the handlers get, whichever transport calls them. */
export function makeContext(engine: Engine, opts: { allowWrite?: boolean } = {}): HandlerContext {
  const inspector = new Inspector(engine.store);
  return {
    supervisor: engine.supervisor,
    dbPath: engine.dbPath,
    dataDir: engine.dataDir,
    version: VERSION,
    exportReport: (input) => exportReport(engine.store, input, { allowWrite: opts.allowWrite ?? false }),
    inspector,
    exportWeights: (input) => exportWeights(engine.store, input, { allowWrite: opts.allowWrite ?? false, build: (run, format) => inspector.weightsFile(run, format) }),
  };
}
