import { describe, expect, it } from 'vitest';
import { parseGridValues } from '../../src-shared/grid-values.js';
import { MAX_SWEEP_RUNS, planSweep, sweepRunName } from '../../src-main/runs/sweep.js';
import { SEED_CONFIG } from '../../src-main/vit/config.js';

describe('parseGridValues', () => {
  it('numbers: integers, negatives, decimals, exponents in either case', () => {
    expect(parseGridValues('2,-3,0.5,1e-3,1E3,2.5e-4')).toEqual([2, -3, 0.5, 1e-3, 1e3, 2.5e-4]);
    // Several digits in each part.
    expect(parseGridValues('128,-64,1.25,3e-10,12.75e12')).toEqual([128, -64, 1.25, 3e-10, 12.75e12]);
  });
  it('anything else stays text, trimmed; empty entries are dropped', () => {
    expect(parseGridValues(' relu , gelu ,, ')).toEqual(['relu', 'gelu']);
    expect(parseGridValues('1a,a1,.5,1.,1e,-,+2')).toEqual(['1a', 'a1', '.5', '1.', '1e', '-', '+2']);
    expect(parseGridValues('')).toEqual([]);
  });
});

describe('planSweep edges', () => {
  it('an empty value list is ignored, not a zero-run grid; no fields is the base alone', () => {
    const plan = planSweep(SEED_CONFIG, { depth: [], heads: [2] });
    expect(plan.runs.map((r) => r.values)).toEqual([{ heads: 2 }]);
    expect(planSweep(SEED_CONFIG, {}).runs.map((r) => r.config)).toEqual([SEED_CONFIG]);
  });

  it('the first field varies slowest', () => {
    const plan = planSweep(SEED_CONFIG, { depth: [1, 2], mlp: [32, 64, 128] });
    expect(plan.runs.map((r) => [r.values.depth, r.values.mlp])).toEqual([
      [1, 32],
      [1, 64],
      [1, 128],
      [2, 32],
      [2, 64],
      [2, 128],
    ]);
  });

  it('exactly the maximum is allowed, one more is refused', () => {
    expect(MAX_SWEEP_RUNS).toBe(1000);
    const seeds = Array.from({ length: 1000 }, (_, i) => i);
    expect(planSweep(SEED_CONFIG, { seed: seeds }).runs).toHaveLength(1000);
    expect(() => planSweep(SEED_CONFIG, { seed: [...seeds, 1000] })).toThrow('sweep: 1001 combinations is more than the 1000 a sweep may queue');
    expect(() => planSweep(SEED_CONFIG, { colour: [1] } as never)).toThrow('sweep: "colour" is not a config field');
  });

  it('per-run cost, and training MACs over the whole split when the limit is 0', () => {
    // Seed model: 11,161,216 MACs per image (cost-seed.test.ts); 205,066 parameters.
    const whole = planSweep({ ...SEED_CONFIG, epochs: 3 }, { seed: [1] });
    expect(whole.runs[0]).toMatchObject({ macsPerImage: 11_161_216, params: 205_066 });
    expect(whole.totalMacsPerImage).toBe(11_161_216);
    expect(whole.totalTrainingMacs).toBe(11_161_216 * 60_000 * 3);
    // A given training-set size, and a limit that wins over it.
    expect(planSweep({ ...SEED_CONFIG, epochs: 1 }, { seed: [1] }, { trainSize: 1000 }).totalTrainingMacs).toBe(11_161_216 * 1000);
    expect(planSweep({ ...SEED_CONFIG, epochs: 2, limitTrain: 500 }, { seed: [1] }, { trainSize: 1000 }).totalTrainingMacs).toBe(11_161_216 * 1000);
  });

  it('skipped runs add no cost', () => {
    const plan = planSweep(SEED_CONFIG, { heads: [3, 4] });
    expect(plan.skipped.map((s) => s.values)).toEqual([{ heads: 3 }]);
    expect(plan.skipped[0].issues).toEqual([{ field: 'heads', message: 'dim (64) must be divisible by heads (3)' }]);
    expect(plan.totalMacsPerImage).toBe(11_161_216);
  });

  it('names runs by their values, in grid order; no values is an empty name', () => {
    expect(sweepRunName({ patch: 7, lr: 0.001, activation: 'gelu' })).toBe('patch=7 lr=0.001 activation=gelu');
    expect(sweepRunName({})).toBe('');
  });
});
