import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src-main/app/engine.js';
import { resolveConfig } from '../../src-main/vit/config.js';
import { until } from './wait.js';
import { onApiEvents } from '../../src-main/api/events.js';

/** The queue above one run at a time, and resuming a cancelled run from its checkpoint. Real workers. */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-queue-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const long = resolveConfig({ epochs: 40, limitTrain: 1500, limitTest: 200 }, 'tiny');

describe('supervisor queue', () => {
  it('concurrency 2 trains two runs at once while the third waits, and starts it when one ends', async () => {
    const e = openEngine({ dbPath: path.join(tmp, 'two.db'), heartbeatMs: 200, concurrency: 2 });
    try {
      e.supervisor.start();
      const ids = [0, 1, 2].map((seed) => e.supervisor.enqueue({ ...long, seed }));
      await until('two running', () => ids.filter((id) => e.store.getStatus(id) === 'running').length === 2);
      expect(ids.map((id) => e.store.getStatus(id))).toEqual(['running', 'running', 'queued']);
      expect([...e.supervisor.runningIds].sort()).toEqual([ids[0], ids[1]].sort());
      expect(e.supervisor.cancel(ids[0])).toBe('running');
      expect(await e.supervisor.waitFor(ids[0])).toBe('cancelled');
      await until('the third running', () => e.store.getStatus(ids[2]) === 'running');
      expect(e.supervisor.runningIds).toHaveLength(2);
      for (const id of ids.slice(1)) e.supervisor.cancel(id);
      for (const id of ids.slice(1)) expect(await e.supervisor.waitFor(id)).toBe('cancelled');
    } finally {
      await e.close();
    }
  });

  it('a cancelled run resumes from its last checkpoint, not from scratch', async () => {
    const e = openEngine({ dbPath: path.join(tmp, 'resume.db'), heartbeatMs: 200 });
    try {
      e.supervisor.start();
      const id = e.supervisor.enqueue(resolveConfig({ epochs: 3, limitTrain: 600, limitTest: 200 }, 'tiny'));
      await until('a checkpoint', () => e.store.get(id).checkpointPath);
      e.supervisor.cancel(id);
      expect(await e.supervisor.waitFor(id)).toBe('cancelled');
      const done = e.store.get(id).epochsDone;
      expect(done).toBeGreaterThanOrEqual(1);
      const epochs: number[] = [];
      onApiEvents(e.supervisor, (ev) => {
        if (ev.type === 'run/epoch' && ev.runId === id) epochs.push(ev.metrics.epoch);
      });
      e.supervisor.resume(id);
      expect(await e.supervisor.waitFor(id)).toBe('completed');
      // Only the epochs after the checkpoint were trained again.
      expect(epochs[0]).toBe(done + 1);
      expect(e.store.get(id).epochs.map((x) => x.epoch)).toEqual([1, 2, 3]);
    } finally {
      await e.close();
    }
  });
});
