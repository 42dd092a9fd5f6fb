import { readPortableRun, type PortableRun } from '../../inspect/portable.js';
import { parameterShapes } from '../../inspect/shapes.js';
import type { Supervisor } from '../../runs/supervisor.js';
import type { RunDetail } from '../../store/types.js';

/**
 * A portable run file (`.vitlab`, inspect/portable.ts) read and checked through against the model
 * its config builds. Nothing is opened or written: a caller can read the file before it opens a
 * database, so a bad file leaves no trace.
 */
export function readRunFile(file: string): PortableRun {
  return readPortableRun(file, parameterShapes);
}

/**
 * Stores a read run file as a new finished run with its checkpoint, written by the supervisor
 * (which tells every subscriber, the dashboard included); returns the stored run.
 */
export function importRun(supervisor: Supervisor, run: PortableRun): RunDetail {
  return supervisor.store.get(supervisor.importRun(run));
}
