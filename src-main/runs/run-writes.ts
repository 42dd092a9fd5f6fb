import path from 'node:path';
import { pruneOptimizerState } from '../train/checkpoint.js';
import type { WorkerOutcome } from '../train/launch.js';
import type { FromWorker } from '../train/messages.js';
import type { Store } from '../store/store.js';
import type { FinalStatus } from '../store/types.js';

/**
 * What a worker's messages and its exit mean for the store: the one mapping that the local
 * supervisor (runs/supervisor.ts) and `vitlab agent` (agent/agent.ts) both write through, so
 * a run is recorded the same way whoever trained it.
 */

/** The messages that are stored (progress is only shown; step points have their own lenient path). */
export type StoredMessage = Exclude<FromWorker, { type: 'progress' | 'step' }>;

export interface MessageWrite {
  /** For messages: "could not save <what>". */
  what: string;
  write: (store: Store) => Promise<void>;
  /** Run once `write` has landed (after its transaction); never throws. */
  afterStored?: () => void;
}

/** The store write for a worker's message (what is told once it is stored: events.ts). */
export function messageWrite(id: string, m: StoredMessage): MessageWrite {
  switch (m.type) {
    case 'started':
      return { what: 'the start of the run', write: (s) => s.markStarted(id, m.env) };
    case 'epoch':
      return { what: `epoch ${m.metrics.epoch}`, write: (s) => s.addEpoch(id, m.metrics) };
    case 'checkpoint':
      return {
        what: `the checkpoint of epoch ${m.epoch}`,
        write: (s) => s.addCheckpoint(id, m.epoch, m.path),
        // Only now may older checkpoints lose their optimizer state: until this one is stored, a
        // crash resumes from the previous one (supervisor.ts resumePoint drops checkpoints ahead
        // of the stored epochs). The worker pruning at save time left, after a kill -9 between
        // save and store, no resumable checkpoint at all: the run retrained from epoch 1 (CI).
        afterStored: () => {
          try {
            pruneOptimizerState(path.dirname(m.path), m.epoch);
          } catch {
            // Disk space only: a later checkpoint prunes again.
          }
        },
      };
    case 'evaluated':
      return {
        what: 'the final evaluation',
        write: (s) =>
          s.transaction(async (tx) => {
            await tx.setResult(id, m.result);
            await tx.finish(id, 'completed');
          }),
      };
    case 'cancelled':
      return { what: 'the cancellation', write: (s) => s.finish(id, 'cancelled') };
    case 'failed':
      return { what: `the failure (${m.error})`, write: (s) => s.finish(id, 'failed', m.error) };
  }
}

/**
 * How a run whose worker exited ends, when the worker's own last message did not settle it
 * (the stored status is still `running`): killed from outside (OOM killer, kill -9) it is
 * interrupted — not the config's fault, and its finished epochs and last checkpoint are intact, so
 * it can be resumed — otherwise what the worker's exit says.
 */
export function exitEnd(o: WorkerOutcome, cancelRequested: boolean): { status: FinalStatus; error?: string } {
  if (o.signal && !cancelRequested) return { status: 'interrupted', error: `${o.error ?? 'worker killed'}; resume it to continue from its last checkpoint` };
  const status: FinalStatus = o.status === 'completed' ? 'completed' : o.status === 'cancelled' || cancelRequested ? 'cancelled' : 'failed';
  return { status, error: status === 'failed' ? (o.error ?? 'worker failed') : o.error };
}

/** Writes an end computed by exitEnd (or an interruption): interrupted is a compare-and-set on `running`. */
export function writeEnd(store: Store, id: string, end: { status: FinalStatus; error?: string }): Promise<unknown> {
  return end.status === 'interrupted' ? store.markInterrupted([id], end.error) : store.finish(id, end.status, end.error);
}

/** Lets through a few progress events per second per run (the UI needs a few, the worker sends more). */
export class ProgressGate {
  private last = 0;
  constructor(private readonly perSecond = 4) {}
  pass(m: Extract<FromWorker, { type: 'progress' }>): boolean {
    const now = Date.now();
    if (now - this.last >= 1000 / this.perSecond || m.progress.batch === m.progress.batches) {
      this.last = now;
      return true;
    }
    return false;
  }
}
