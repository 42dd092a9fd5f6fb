import type { FinalStatus } from '../../src-shared/run-status.js';
import type { EpochMetrics, FromWorker, ProgressInfo, StepPoint } from '../train/messages.js';

/**
 * What happens to runs, as the supervisor tells it: domain events, not any transport's. The
 * transports (the WebSocket of `vitlab serve`, the Electron IPC, the CLI's progress) turn them
 * into the API's events in one place, api/events.ts, whose exhaustive switch makes the type
 * checker point at it when a case is added here.
 */
export type RunEvent =
  /** A new run is stored, queued. */
  | { type: 'run-created'; runId: string }
  /** A stored run (interrupted, failed, cancelled) is queued again to resume. */
  | { type: 'run-requeued'; runId: string }
  /** A queued run was claimed by this process and its worker started. */
  | { type: 'run-started'; runId: string }
  /** Where training is within the epoch (throttled to a few per second per run). */
  | { type: 'progress'; runId: string; progress: ProgressInfo }
  /** A per-step curve point, stored. */
  | { type: 'step'; runId: string; point: StepPoint }
  /** An epoch's metrics, stored. */
  | { type: 'epoch'; runId: string; metrics: EpochMetrics }
  /** A checkpoint written by the worker and recorded. */
  | { type: 'checkpoint'; runId: string; epoch: number; path: string }
  /** The run reached a final status (with the reason where it did not complete by itself). */
  | { type: 'run-ended'; runId: string; status: FinalStatus; error?: string }
  /** A run's name, notes or tags changed. */
  | { type: 'run-edited'; runId: string }
  /** A finished run stored from a portable run file (`vitlab import`). */
  | { type: 'run-imported'; runId: string }
  /** Runs deleted with their files. */
  | { type: 'runs-deleted'; runIds: string[] };

export type RunEventListener = (e: RunEvent) => void;

/** What subscribes to a supervisor's events (the supervisor, or anything that relays them). */
export interface RunEventSource {
  on(listener: RunEventListener): () => void;
}

/**
 * The event a worker's message is told as once it is stored; null for the messages whose effect
 * is told otherwise (a start or an end is told by the supervisor's lifecycle, with the status it
 * settled on; progress and steps are told on their own paths).
 */
export function storedEventOf(runId: string, m: Exclude<FromWorker, { type: 'progress' | 'step' }>): RunEvent | null {
  switch (m.type) {
    case 'epoch':
      return { type: 'epoch', runId, metrics: m.metrics };
    case 'checkpoint':
      return { type: 'checkpoint', runId, epoch: m.epoch, path: m.path };
    case 'started':
    case 'evaluated':
    case 'cancelled':
    case 'failed':
      return null;
  }
}
