import { onApiEvents } from '../api/events.js';
import type { Engine } from '../app/engine.js';
import type { RunStatus } from '../store/types.js';
import { ProgressBar } from './progress.js';

/**
 * Runs the given runs through the engine's supervisor in this process, drawing progress, until
 * each is final. Ctrl-C cancels them (finished epochs and the last checkpoint are kept); a second
 * Ctrl-C kills the workers.
 */
export async function watchRuns(engine: Engine, ids: string[], opts: { quiet?: boolean } = {}): Promise<Map<string, RunStatus>> {
  const bar = new ProgressBar();
  const log = (s: string) => {
    if (!opts.quiet) process.stderr.write(`${s}\n`);
  };
  const wanted = new Set(ids);
  const epochsOf = new Map<string, number>();
  for (const id of ids) epochsOf.set(id, engine.store.get(id).config.epochs);
  const off = onApiEvents(engine.supervisor, (e) => {
    if (!('runId' in e) || !wanted.has(e.runId)) return;
    if (opts.quiet) return;
    if (e.type === 'run/progress') bar.update(e.progress);
    else if (e.type === 'run/epoch') bar.epoch(e.metrics, epochsOf.get(e.runId) ?? 0);
    else if (e.type === 'run/status') {
      bar.clear();
      log(`run ${e.runId}: ${e.status}${e.error ? ` (${e.error})` : ''}`);
    }
  });
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    bar.clear();
    if (interrupts === 1) {
      log('cancelling after the current batch (Ctrl-C again to stop at once)…');
      for (const id of ids) {
        try {
          engine.supervisor.cancel(id);
        } catch {
          // already gone
        }
      }
    } else void engine.close({ cancelRunning: false }).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSigint);
  engine.supervisor.pump();
  const statuses = new Map<string, RunStatus>();
  try {
    for (const id of ids) statuses.set(id, await engine.supervisor.waitFor(id));
  } finally {
    process.off('SIGINT', onSigint);
    off();
    bar.clear();
  }
  return statuses;
}
