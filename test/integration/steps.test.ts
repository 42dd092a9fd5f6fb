import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../src-main/api/contract.js';
import { openEngine } from '../../src-main/app/engine.js';
import { PRESETS } from '../../src-main/vit/config.js';
import { onApiEvents } from '../../src-main/api/events.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-steps-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('per-step curves from a real worker', () => {
  it('about 20 points an epoch arrive live, before the epoch ends, and are stored compactly', async () => {
    const engine = openEngine({ dbPath: path.join(tmp, 's.db'), drainQueue: false });
    const events: ApiEvent[] = [];
    onApiEvents(engine.supervisor, (e) => events.push(e));
    try {
      engine.supervisor.start();
      // 400 images at batch 10: 40 batches an epoch, a point every 2.
      const id = engine.supervisor.enqueue({ ...PRESETS.tiny!.config, epochs: 2, batch: 10, limitTrain: 400, limitTest: 100 });
      expect(await engine.supervisor.waitFor(id)).toBe('completed');
      const steps = events.filter((e): e is Extract<ApiEvent, { type: 'run/step' }> => e.type === 'run/step' && e.runId === id);
      expect(steps).toHaveLength(40);
      // The first epoch's points come before its epoch event: the curve is live from the first batches.
      const firstEpochAt = events.findIndex((e) => e.type === 'run/epoch' && e.runId === id);
      expect(events.findIndex((e) => e.type === 'run/step') < firstEpochAt).toBe(true);
      expect(events.slice(0, firstEpochAt).filter((e) => e.type === 'run/step')).toHaveLength(20);

      const curve = engine.store.steps.get(id);
      expect(curve.x).toHaveLength(40);
      expect(curve.x[0]).toBeCloseTo(0.05, 6);
      expect(curve.x[19]).toBeCloseTo(1, 6);
      expect(curve.x[39]).toBeCloseTo(2, 6);
      expect([...curve.x].sort((a, b) => a - b)).toEqual(curve.x);
      // Loss falls from the first points to the last; accuracies are fractions.
      expect(curve.loss[39]!).toBeLessThan(curve.loss[0]!);
      expect(curve.acc.every((a) => a >= 0 && a <= 1)).toBe(true);
      // One row per epoch, 12 bytes a point.
      const rows = engine.store.db.prepare('SELECT epoch, length(points) AS bytes FROM step_curves WHERE run_id = ? ORDER BY epoch').all(id);
      expect(rows).toEqual([
        { epoch: 1, bytes: 240 },
        { epoch: 2, bytes: 240 },
      ]);
      // Deleting the run removes its curve.
      await engine.supervisor.delete([id]);
      expect(engine.store.db.prepare('SELECT count(*) FROM step_curves').pluck().get()).toBe(0);
    } finally {
      await engine.close();
    }
  });
});
