import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch, type HandlerContext } from '../../src-main/api/handlers.js';
import type { RequestName, RequestResult } from '../../src-main/api/contract.js';
import { openEngine, type Engine } from '../../src-main/app/engine.js';

/**
 * The cost-of-run estimate against real runs: a real probe on an empty store, then real tiny runs
 * trained by the supervisor in worker processes, each estimated from what finished before it.
 * The estimate's error is printed for every run (never asserted: wall time depends on the load).
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-estimate-'));
let engine: Engine;
let ctx: HandlerContext;

beforeAll(() => {
  engine = openEngine({ dbPath: path.join(tmp, 'estimate.db'), heartbeatMs: 200 });
  engine.supervisor.start();
  ctx = { supervisor: engine.supervisor, dbPath: engine.dbPath, dataDir: tmp, version: 'test' };
});
afterAll(async () => {
  await engine.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function call<N extends RequestName>(name: N, input: unknown): Promise<RequestResult<N>> {
  const r = await dispatch(name, input, ctx);
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return r.result as RequestResult<N>;
}

async function finished(id: string): Promise<void> {
  for (;;) {
    const s = engine.store.get(id).status;
    if (s === 'completed') return;
    if (s === 'failed' || s === 'cancelled') throw new Error(`run ${id} ${s}: ${engine.store.get(id).error}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const tinyRun = (limitTrain: number, epochs: number) => ({ preset: 'tiny', config: { epochs, limitTrain, limitTest: 500 } });

describe('estimated vs actual wall time on real runs', () => {
  it('an empty store needs a probe; the probe gives an estimate; every real run is then estimated from the ones before it', async () => {
    const first = tinyRun(2000, 1);
    const none = await call('runs/estimate', first);
    // For this machine, which trains its runs here.
    expect(none).toEqual({ estimate: null, needsProbe: true, machine: { hostname: os.hostname(), cpus: os.cpus().length, trainsHere: true } });

    const probed = await call('runs/estimate', { ...first, probe: true });
    expect(probed.needsProbe).toBe(false);
    expect(probed.estimate).toMatchObject({ epochs: 1, trainCount: 2000, testCount: 500, basis: { kind: 'probe', samples: 1 } });
    expect(probed.estimate!.seconds).toBeGreaterThan(0);
    expect(probed.estimate!.peakBytes).toBeGreaterThan(0);

    const lines: string[] = [];
    for (const r of [first, tinyRun(4000, 1), tinyRun(3000, 2), tinyRun(6000, 1)]) {
      const { id } = await call('runs/start', r);
      await finished(id);
      const e = await call('runs/estimate-stored', { id });
      expect(e.actualSeconds).toBeGreaterThan(0);
      expect(e.estimate).not.toBeNull();
      expect(e.error).toBeCloseTo((e.estimate!.seconds - e.actualSeconds!) / e.actualSeconds!, 9);
      // The run itself is never part of its own estimate.
      expect(e.estimate!.basis.runIds).not.toContain(id);
      lines.push(
        `tiny ${r.config.limitTrain}×${r.config.epochs} epoch(s): estimated ${e.estimate!.seconds.toFixed(1)} s (${e.estimate!.basis.kind}, ${e.estimate!.basis.samples} sample(s)), actual ${e.actualSeconds!.toFixed(1)} s, error ${(100 * e.error!).toFixed(0)} %`,
      );
    }
    console.log(`estimate error on real runs (load ${os.loadavg()[0].toFixed(1)}):\n  ${lines.join('\n  ')}`);
    // After the runs, the store's history is the basis, not the probe.
    expect((await call('runs/estimate', tinyRun(5000, 1))).estimate!.basis.kind).toBe('history');
  }, 600_000);

  it('a sweep lists its runs in queue order with their estimates, and the total is their sum', async () => {
    const plan = await call('sweeps/preview', { base: { ...tinyRun(2000, 1).config, patch: 7, dim: 32, depth: 1, heads: 2, mlp: 64 }, grid: { depth: [1, 2], heads: [2, 4] } });
    const est = await call('sweeps/estimate', { base: { ...tinyRun(2000, 1).config, patch: 7, dim: 32, depth: 1, heads: 2, mlp: 64 }, grid: { depth: [1, 2], heads: [2, 4] } });
    expect(est.runs.map((r) => r.name)).toEqual(plan.runs.map((r) => Object.entries(r.values).map(([k, v]) => `${k}=${v}`).join(' ')));
    expect(est.runs.map((r) => r.name)).toEqual(['depth=1 heads=2', 'depth=1 heads=4', 'depth=2 heads=2', 'depth=2 heads=4']);
    expect(est.totalSeconds).toBeCloseTo(est.runs.reduce((a, r) => a + r.estimate!.seconds, 0), 6);
    // Deeper costs more.
    expect(est.runs[2].estimate!.seconds).toBeGreaterThan(est.runs[0].estimate!.seconds);
  });

  it('refuses bad input with a typed error', async () => {
    const bad = await dispatch('runs/estimate', { config: { heads: 3 } }, ctx);
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ field: 'heads' }] } });
    expect(await dispatch('runs/estimate-stored', { id: 'nope' }, ctx)).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});
