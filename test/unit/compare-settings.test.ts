import { describe, expect, it } from 'vitest';
import type { CompareRun } from '../../src-renderer/src/lib/compare.js';
import { baselineFor, settingsFor } from '../../src-renderer/src/lib/compare-settings.js';

/** The compare view's settings: saved ones win where well-typed, else defaults chosen from the runs. */
const SEED = { patch: 4, dim: 64, depth: 4, heads: 4, mlp: 256, activation: 'relu', lr: 0.001 };
const run = (id: string, config: Record<string, unknown>, testAcc: number | null = 0.8, params = 1000): CompareRun => ({ id, name: id, config: { ...SEED, ...config }, testAcc, params, macsPerImage: 10 * params });

describe('settingsFor', () => {
  it('colours by the first differing shape field, shows the effect of the first numeric one, log axis past 8× in params', () => {
    // lr and depth differ; depth is a shape field, so it wins both choices over lr (first in registry order).
    const runs = [run('a', { depth: 2, lr: 0.01 }, 0.8, 100), run('b', { depth: 4 }, 0.8, 900)];
    expect(settingsFor(runs, {}, true)).toEqual({ colourBy: 'depth', logAxis: true, onlyDiffers: true, effectField: 'depth' });
    // 100 → 800 is exactly 8×: not more than 8, so linear.
    expect(settingsFor([run('a', {}, 0.8, 100), run('b', {}, 0.8, 800)], {}, false).logAxis).toBe(false);
  });

  it('falls back to the first differing field, then to status; an enum field never gets an effect chart', () => {
    const enumOnly = [run('a', { activation: 'relu' }), run('b', { activation: 'gelu' })];
    expect(settingsFor(enumOnly, {}, true)).toMatchObject({ colourBy: 'activation', effectField: '' });
    const lrOnly = [run('a', { lr: 0.01 }), run('b', {})];
    expect(settingsFor(lrOnly, {}, true)).toMatchObject({ colourBy: 'lr', effectField: 'lr' });
    expect(settingsFor([run('a', {})], {}, true)).toMatchObject({ colourBy: 'status', effectField: '', logAxis: false });
  });

  it('takes saved settings of the right type and ignores the rest', () => {
    const runs = [run('a', { depth: 2 }), run('b', { depth: 4 })];
    expect(settingsFor(runs, { colourBy: 'status', logAxis: false, onlyDiffers: false, effectField: 'lr' }, true)).toEqual({ colourBy: 'status', logAxis: false, onlyDiffers: false, effectField: 'lr' });
    expect(settingsFor(runs, { colourBy: 3, logAxis: 'yes', onlyDiffers: 'no', effectField: null }, true)).toEqual({ colourBy: 'depth', logAxis: false, onlyDiffers: true, effectField: 'depth' });
  });
});

describe('baselineFor', () => {
  it('keeps the current baseline while it is compared, else prefers a finished run of the seed model', () => {
    const runs = [run('small', { depth: 2 }), run('seed-unfinished', {}, null), run('seed', {}), run('other', { dim: 32 })];
    expect(baselineFor(runs, 'other')).toBe('other');
    expect(baselineFor(runs, 'gone')).toBe('seed');
    expect(baselineFor(runs, '')).toBe('seed');
  });

  it('else the first finished run, else the first run, else none', () => {
    expect(baselineFor([run('x', { depth: 2 }, null), run('y', { depth: 2 })], '')).toBe('y');
    expect(baselineFor([run('x', { depth: 2 }, null)], '')).toBe('x');
    expect(baselineFor([], 'x')).toBe('');
  });
});
