import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupKey, groupRuns, parseSeedList, repeatSeeds } from '../../src-shared/groups.js';
import { PRESETS, SEED_CONFIG, TRAIN_KEYS, MODEL_KEYS } from '../../src-main/vit/config.js';

describe('group key', () => {
  it('ignores the seed', () => {
    expect(groupKey({ ...SEED_CONFIG, seed: 1 })).toBe(groupKey({ ...SEED_CONFIG, seed: 7 }));
  });

  it('ignores field order (canonical, sorted)', () => {
    const reversed = Object.fromEntries(Object.entries(SEED_CONFIG).reverse());
    expect(groupKey(reversed)).toBe(groupKey(SEED_CONFIG));
  });

  it('every other field changes the group', () => {
    const other: Record<string, unknown> = { ...PRESETS.wide!.config, activation: 'gelu', dropout: 0.1, dataset: 'mnist', epochs: 3, lr: 0.01, recipe: 'improved', limitTrain: 5, limitTest: 6, backend: 'cpu', image: 14, channels: 3, classes: 5, batch: 7, labelSmoothing: 0.2 };
    for (const k of [...MODEL_KEYS, ...TRAIN_KEYS].filter((k) => k !== 'seed')) {
      expect(other[k], k).not.toEqual(SEED_CONFIG[k]);
      expect(groupKey({ ...SEED_CONFIG, [k]: other[k] }), k).not.toBe(groupKey(SEED_CONFIG));
    }
  });

  it('two configs share a key exactly when they agree on everything but the seed', () => {
    const cfg = fc.record({ depth: fc.integer({ min: 1, max: 3 }), heads: fc.constantFrom(1, 2), lr: fc.constantFrom(0.001, 0.01), seed: fc.integer({ min: 0, max: 5 }) });
    fc.assert(
      fc.property(cfg, cfg, (a, b) => {
        const same = a.depth === b.depth && a.heads === b.heads && a.lr === b.lr;
        expect(groupKey({ ...SEED_CONFIG, ...a }) === groupKey({ ...SEED_CONFIG, ...b })).toBe(same);
      }),
    );
  });

  it('groups runs launched separately, in order of first appearance', () => {
    const runs = [
      { id: 'a', config: { ...SEED_CONFIG, seed: 0 } },
      { id: 'b', config: { ...SEED_CONFIG, depth: 2, seed: 0 } },
      { id: 'c', config: { ...SEED_CONFIG, seed: 1 } },
      { id: 'd', config: { ...SEED_CONFIG, seed: 2 } },
    ];
    expect(groupRuns(runs).map((g) => g.runs.map((r) => r.id))).toEqual([['a', 'c', 'd'], ['b']]);
  });
});

describe('repeat seeds', () => {
  it('N repeats from the config seed, or the given list', () => {
    expect(repeatSeeds({ repeats: 3, first: 5 })).toEqual([5, 6, 7]);
    expect(repeatSeeds({})).toEqual([0]);
    expect(repeatSeeds({ seeds: [3, 1] })).toEqual([3, 1]);
    expect(parseSeedList('0,1, 2')).toEqual([0, 1, 2]);
  });

  it('refuses what cannot be meant, naming it', () => {
    expect(() => repeatSeeds({ repeats: 0 })).toThrow(/repeats/);
    expect(() => repeatSeeds({ repeats: 2.5 })).toThrow(/repeats/);
    expect(() => repeatSeeds({ repeats: 2, seeds: [1] })).toThrow(/not both/);
    expect(() => parseSeedList('1,1')).toThrow(/at most once/);
    expect(() => parseSeedList('1,x')).toThrow(/"x"/);
    expect(() => parseSeedList('-1')).toThrow(/"-1"/);
    expect(() => parseSeedList('')).toThrow(/at least one/);
  });
});

describe('the forms\' repeats field', () => {
  it('a count, a seed list, or nothing', async () => {
    const { parseRepeats } = await import('../../src-shared/groups.js');
    expect(parseRepeats('')).toEqual({});
    expect(parseRepeats('1')).toEqual({});
    expect(parseRepeats(' 3 ')).toEqual({ repeats: 3 });
    expect(parseRepeats('0, 1,2')).toEqual({ seeds: [0, 1, 2] });
    expect(() => parseRepeats('0')).toThrow(/repeats/);
    expect(() => parseRepeats('500')).toThrow(/at most|from 1 to/);
    expect(() => parseRepeats('a,b')).toThrow(/"a"/);
  });
});

describe('a nullable field left empty', () => {
  it('groups with a config stored before the field existed (null counts as absent)', () => {
    const { labelSmoothing: _, ...stored } = SEED_CONFIG;
    expect(groupKey({ ...SEED_CONFIG, labelSmoothing: null, seed: 3 })).toBe(groupKey(stored));
    expect(groupKey({ ...SEED_CONFIG, labelSmoothing: 0.1 })).not.toBe(groupKey(stored));
  });
});
