import { describe, expect, it } from 'vitest';
import { parseGridValues, planSweep, sweepRunName } from '../../src-main/runs/sweep.js';
import { SEED_CONFIG } from '../../src-main/vit/config.js';
import { computeCost } from '../../src-main/vit/cost.js';

describe('sweep planning', () => {
  it('expands depth × heads × patch into every combination, in grid order', () => {
    const plan = planSweep(SEED_CONFIG, { depth: [2, 4, 6], heads: [2, 4], patch: [4, 7] });
    expect(plan.runs).toHaveLength(12);
    expect(plan.skipped).toHaveLength(0);
    expect(plan.runs[0].values).toEqual({ depth: 2, heads: 2, patch: 4 });
    expect(plan.runs[11].values).toEqual({ depth: 6, heads: 4, patch: 7 });
    expect(plan.runs[3].config).toMatchObject({ ...SEED_CONFIG, depth: 2, heads: 4, patch: 7 });
  });

  it('lists invalid combinations with the reason instead of dropping them', () => {
    const plan = planSweep(SEED_CONFIG, { heads: [3, 4], patch: [5, 7] });
    expect(plan.runs.map((r) => r.values)).toEqual([{ heads: 4, patch: 7 }]);
    expect(plan.skipped).toHaveLength(3);
    expect(plan.skipped[0].values).toEqual({ heads: 3, patch: 5 });
    expect(plan.skipped[0].issues.map((i) => i.field).sort()).toEqual(['heads', 'patch']);
  });

  it('totals MACs of the valid runs', () => {
    const plan = planSweep({ ...SEED_CONFIG, epochs: 2, limitTrain: 1000 }, { depth: [1, 2] });
    const m1 = computeCost({ ...SEED_CONFIG, depth: 1 }, 1).macs.perImage;
    const m2 = computeCost({ ...SEED_CONFIG, depth: 2 }, 1).macs.perImage;
    expect(plan.totalMacsPerImage).toBe(m1 + m2);
    expect(plan.totalTrainingMacs).toBe((m1 + m2) * 2000);
  });

  it('refuses unknown fields and oversized grids', () => {
    expect(() => planSweep(SEED_CONFIG, { depht: [1] } as never)).toThrow(/depht/);
    expect(() => planSweep(SEED_CONFIG, { seed: Array.from({ length: 40 }, (_, i) => i), depth: Array.from({ length: 30 }, (_, i) => i + 1) })).toThrow(/1200 combinations/);
  });

  it('parses value lists and names runs', () => {
    expect(parseGridValues('2, 4,6')).toEqual([2, 4, 6]);
    expect(parseGridValues('relu,gelu')).toEqual(['relu', 'gelu']);
    expect(parseGridValues('1e-3,3e-4')).toEqual([1e-3, 3e-4]);
    expect(sweepRunName({ depth: 2, heads: 4 })).toBe('depth=2 heads=4');
  });
});
