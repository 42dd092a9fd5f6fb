import { describe, expect, it } from 'vitest';
import { apiEventsOf, onApiEvents } from '../../src-main/api/events.js';
import type { RunEvent, RunEventListener } from '../../src-main/runs/events.js';
import { storedEventOf } from '../../src-main/runs/events.js';

const metrics = { epoch: 2, trainLoss: 0.5, trainAcc: 0.8, testLoss: 0.6, testAcc: 0.78, seconds: 3, samplesPerSec: 100, lr: 1e-3 };
const progress = { epoch: 1, epochs: 2, batch: 3, batches: 10, loss: 1, acc: 0.5, samplesPerSec: 90, etaSeconds: 20 };
const point = { epoch: 1, at: 0.5, loss: 0.9, acc: 0.6 };

describe('the supervisor’s domain events on the wire (api/events.ts)', () => {
  // What the dashboard has always received for each: the mapping must not change it.
  const cases: [RunEvent, unknown[]][] = [
    [{ type: 'run-created', runId: 'r1' }, [{ type: 'runs/changed', reason: 'created' }, { type: 'run/status', runId: 'r1', status: 'queued' }]],
    [{ type: 'run-requeued', runId: 'r1' }, [{ type: 'run/status', runId: 'r1', status: 'queued' }]],
    [{ type: 'run-started', runId: 'r1' }, [{ type: 'run/status', runId: 'r1', status: 'running' }]],
    [{ type: 'progress', runId: 'r1', progress }, [{ type: 'run/progress', runId: 'r1', progress }]],
    [{ type: 'step', runId: 'r1', point }, [{ type: 'run/step', runId: 'r1', point }]],
    [{ type: 'epoch', runId: 'r1', metrics }, [{ type: 'run/epoch', runId: 'r1', metrics }]],
    [{ type: 'checkpoint', runId: 'r1', epoch: 2, path: '/x/epoch-0002' }, []],
    [{ type: 'run-ended', runId: 'r1', status: 'completed' }, [{ type: 'run/status', runId: 'r1', status: 'completed' }]],
    [{ type: 'run-ended', runId: 'r1', status: 'failed', error: 'boom' }, [{ type: 'run/status', runId: 'r1', status: 'failed', error: 'boom' }]],
    [{ type: 'run-edited', runId: 'r1' }, [{ type: 'runs/changed', reason: 'updated' }]],
    [{ type: 'run-imported', runId: 'r1' }, [{ type: 'runs/changed', reason: 'created' }]],
    [{ type: 'runs-deleted', runIds: ['r1', 'r2'] }, [{ type: 'runs/changed', reason: 'deleted' }]],
  ];
  it.each(cases)('%j', (domain, wire) => {
    // toStrictEqual: an `error: undefined` key would be a difference on the IPC's structured clone.
    expect(apiEventsOf(domain)).toStrictEqual(wire);
  });

  it('a subscriber gets each mapped event in order, and unsubscribes', () => {
    const listeners = new Set<RunEventListener>();
    const source = { on: (l: RunEventListener) => (listeners.add(l), () => void listeners.delete(l)) };
    const got: unknown[] = [];
    const off = onApiEvents(source, (e) => got.push(e));
    for (const l of listeners) l({ type: 'run-created', runId: 'a' });
    off();
    expect(listeners.size).toBe(0);
    expect(got).toEqual([{ type: 'runs/changed', reason: 'created' }, { type: 'run/status', runId: 'a', status: 'queued' }]);
  });

  it('a stored worker message is told as its event; starts and ends are told by the lifecycle', () => {
    expect(storedEventOf('r', { type: 'epoch', runId: 'r', metrics })).toEqual({ type: 'epoch', runId: 'r', metrics });
    expect(storedEventOf('r', { type: 'checkpoint', runId: 'r', epoch: 1, path: '/p' })).toEqual({ type: 'checkpoint', runId: 'r', epoch: 1, path: '/p' });
    expect(storedEventOf('r', { type: 'failed', runId: 'r', error: 'x' })).toBeNull();
    expect(storedEventOf('r', { type: 'cancelled', runId: 'r', epoch: 1 })).toBeNull();
  });
});
