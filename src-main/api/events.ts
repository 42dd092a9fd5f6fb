import type { RunEvent, RunEventSource } from '../runs/events.js';
import type { ApiEvent } from './contract.js';

/**
 * The one mapping from the supervisor's domain events (runs/events.ts) to the API's events
 * (contract.ts), which every transport sends: the WebSocket of `vitlab serve`, the Electron IPC,
 * the CLI's progress. The switch is exhaustive: a new domain event does not compile until it is
 * mapped here. What goes on the wire is what the dashboard has always received.
 */
export function apiEventsOf(e: RunEvent): ApiEvent[] {
  switch (e.type) {
    case 'run-created':
      return [
        { type: 'runs/changed', reason: 'created' },
        { type: 'run/status', runId: e.runId, status: 'queued' },
      ];
    case 'run-requeued':
      return [{ type: 'run/status', runId: e.runId, status: 'queued' }];
    case 'run-started':
      return [{ type: 'run/status', runId: e.runId, status: 'running' }];
    case 'progress':
      return [{ type: 'run/progress', runId: e.runId, progress: e.progress }];
    case 'step':
      return [{ type: 'run/step', runId: e.runId, point: e.point }];
    case 'epoch':
      return [{ type: 'run/epoch', runId: e.runId, metrics: e.metrics }];
    case 'checkpoint':
      // The dashboard reads a run's checkpoint with runs/get when it needs one; no event for it.
      return [];
    case 'run-ended':
      return [e.error === undefined ? { type: 'run/status', runId: e.runId, status: e.status } : { type: 'run/status', runId: e.runId, status: e.status, error: e.error }];
    case 'run-edited':
      return [{ type: 'runs/changed', reason: 'updated' }];
    case 'run-imported':
      return [{ type: 'runs/changed', reason: 'created' }];
    case 'runs-deleted':
      return [{ type: 'runs/changed', reason: 'deleted' }];
    default: {
      const unmapped: never = e;
      throw new Error(`no API event for ${JSON.stringify(unmapped)}`);
    }
  }
}

/** Subscribes a transport to a supervisor's events as API events; returns the unsubscribe function. */
export function onApiEvents(source: RunEventSource, listener: (e: ApiEvent) => void): () => void {
  return source.on((e) => {
    for (const a of apiEventsOf(e)) listener(a);
  });
}
