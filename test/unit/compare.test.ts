import { describe, expect, it } from 'vitest';
import { deltaAgainst, differingFields, distinctValues, effectGroups, type CompareRun } from '../../src-renderer/src/lib/compare.js';

/** The compare view's pure helpers; every expected number is worked out by hand in a comment. */
const run = (id: string, config: Record<string, unknown>, testAcc: number | null, params = 100, macsPerImage = 1000): CompareRun => ({
  id,
  name: id,
  config,
  testAcc,
  params,
  macsPerImage,
});

describe('differingFields', () => {
  it('lists the fields whose value is not the same in every run, in the given field order', () => {
    const runs = [run('a', { depth: 2, heads: 4, lr: 0.001 }, 0.8), run('b', { depth: 4, heads: 4, lr: 0.001 }, 0.8), run('c', { depth: 2, heads: 4, lr: 0.003 }, 0.8)];
    expect(differingFields(runs, ['lr', 'heads', 'depth'])).toEqual(['lr', 'depth']);
  });

  it('compares values by content (arrays, objects), and a missing field differs from a present one', () => {
    const runs = [run('a', { tags: [1, 2], opt: { x: 1 } }, 0.8), run('b', { tags: [1, 2], opt: { x: 1 }, extra: 0 }, 0.8)];
    expect(differingFields(runs, ['tags', 'opt', 'extra'])).toEqual(['extra']);
    // Only the first run differs from the rest: still differing.
    expect(differingFields([run('a', { d: 1 }, 1), run('b', { d: 2 }, 1), run('c', { d: 2 }, 1)], ['d'])).toEqual(['d']);
  });

  it('one run or none: nothing differs', () => {
    expect(differingFields([run('a', { depth: 2 }, 0.8)], ['depth'])).toEqual([]);
    expect(differingFields([], ['depth'])).toEqual([]);
  });
});

describe('distinctValues', () => {
  it('numbers ascending (as numbers, not text), then strings alphabetically, each once', () => {
    const runs = [10, 9, 'gelu', 100, 9, 'relu', 'abc'].map((v, i) => run(`r${i}`, { f: v }, null));
    expect(distinctValues(runs, 'f')).toEqual([9, 10, 100, 'abc', 'gelu', 'relu']);
  });

  it('numbers come before strings even where the string collates before digits', () => {
    const runs = [run('a', { f: '-none' }, null), run('b', { f: 7 }, null), run('c', { f: '(auto)' }, null), run('d', { f: 3 }, null)];
    expect(distinctValues(runs, 'f')).toEqual([3, 7, ...['(auto)', '-none'].sort((x, y) => x.localeCompare(y))]);
  });

  it('a missing value is one distinct "null"; other values become their string', () => {
    const runs = [run('a', {}, null), run('b', { f: null }, null), run('c', { f: true }, null), run('d', { f: 2 }, null)];
    expect(distinctValues(runs, 'f')).toEqual([2, 'null', 'true']);
  });
});

describe('effectGroups', () => {
  it('mean, min, max and sample SD of accuracy per value, with mean cost', () => {
    // depth 2: accs 0.80, 0.84 → mean 0.82, SD √(((−0.02)² + 0.02²) / 1) = 0.0282843; depth 4: one run 0.9.
    const runs = [
      run('a', { depth: 2 }, 0.8, 100, 1000),
      run('b', { depth: 4 }, 0.9, 300, 5000),
      run('c', { depth: 2 }, 0.84, 200, 3000),
    ];
    const [g2, g4] = effectGroups(runs, 'depth');
    expect(g2).toMatchObject({ value: 2, n: 2, nAcc: 2, minAcc: 0.8, maxAcc: 0.84, meanMacs: 2000, meanParams: 150 });
    expect(g2.meanAcc).toBeCloseTo(0.82, 12);
    expect(g2.sdAcc).toBeCloseTo(0.0282842712, 9);
    expect(g4).toMatchObject({ value: 4, n: 1, nAcc: 1, meanAcc: 0.9, minAcc: 0.9, maxAcc: 0.9, sdAcc: null, meanMacs: 5000, meanParams: 300 });
  });

  it('the SD divides by n − 1 (sample SD), checked with three runs', () => {
    // 0.7, 0.8, 0.9: mean 0.8, squares 0.01 + 0 + 0.01 = 0.02, / 2 = 0.01, SD 0.1.
    const [g] = effectGroups([run('a', { d: 1 }, 0.7), run('b', { d: 1 }, 0.8), run('c', { d: 1 }, 0.9)], 'd');
    expect(g.meanAcc).toBeCloseTo(0.8, 12);
    expect(g.sdAcc).toBeCloseTo(0.1, 12);
  });

  it('runs without an accuracy count in n and the cost means but not in the accuracy', () => {
    // heads 4: accs 0.7 and (none) and NaN → nAcc 1; MACs (1000 + 2000 + 3000) / 3 = 2000.
    const runs = [run('a', { heads: 4 }, 0.7, 10, 1000), run('b', { heads: 4 }, null, 20, 2000), run('c', { heads: 4 }, Number.NaN, 30, 3000)];
    const [g] = effectGroups(runs, 'heads');
    expect(g).toMatchObject({ n: 3, nAcc: 1, meanAcc: 0.7, minAcc: 0.7, maxAcc: 0.7, sdAcc: null, meanMacs: 2000, meanParams: 20 });
    const [none] = effectGroups([run('x', { heads: 2 }, null, 10, 500)], 'heads');
    expect(none).toMatchObject({ n: 1, nAcc: 0, meanAcc: null, minAcc: null, maxAcc: null, sdAcc: null, meanMacs: 500 });
  });

  it('groups string values and missing values by their text', () => {
    const runs = [run('a', { activation: 'gelu' }, 0.6), run('b', { activation: 'relu' }, 0.7), run('c', {}, 0.5), run('d', { activation: 'gelu' }, 0.8)];
    const groups = effectGroups(runs, 'activation');
    // 'null' sorts between 'gelu' and 'relu'.
    expect(groups.map((g) => [g.value, g.n])).toEqual([
      ['gelu', 2],
      ['null', 1],
      ['relu', 1],
    ]);
    // A missing value and null are one group, whichever comes first.
    expect(effectGroups([run('m', {}, 0.2), run('n', { activation: null }, 0.4)], 'activation').map((g) => [g.value, g.n])).toEqual([['null', 2]]);
    expect(groups[0].meanAcc).toBeCloseTo(0.7, 12);
  });

  it('a number value does not collect runs whose value is the same digits as text', () => {
    const runs = [run('a', { patch: 4 }, 0.9), run('b', { patch: '4' }, 0.1)];
    const groups = effectGroups(runs, 'patch');
    expect(groups.map((g) => [g.value, g.n, g.meanAcc])).toEqual([
      [4, 1, 0.9],
      ['4', 1, 0.1],
    ]);
  });
});

describe('deltaAgainst', () => {
  it('accuracy difference and cost ratios against the baseline', () => {
    // 0.85 − 0.80 = +0.05 (5 pt); params 300 / 100 = 3×; MACs 500 / 2000 = 0.25×.
    const d = deltaAgainst(run('x', {}, 0.85, 300, 500), run('base', {}, 0.8, 100, 2000));
    expect(d.id).toBe('x');
    expect(d.dAcc).toBeCloseTo(0.05, 12);
    expect(d.xParams).toBe(3);
    expect(d.xMacs).toBe(0.25);
  });

  it('no baseline, a missing accuracy on either side, or a zero cost give nulls', () => {
    expect(deltaAgainst(run('x', {}, 0.85), undefined)).toEqual({ id: 'x', dAcc: null, xParams: null, xMacs: null });
    expect(deltaAgainst(run('x', {}, null), run('b', {}, 0.8)).dAcc).toBeNull();
    expect(deltaAgainst(run('x', {}, 0.8), run('b', {}, null)).dAcc).toBeNull();
    expect(deltaAgainst(run('x', {}, 0.8, 10, 10), run('b', {}, 0.8, 0, 0))).toEqual({ id: 'x', dAcc: 0, xParams: null, xMacs: null });
  });
});
