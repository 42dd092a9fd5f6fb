import { describe, expect, it } from 'vitest';
import { errorBar, groupDeltas, groupFront, groupStats, type GroupableRun } from '../../src-shared/group-compare.js';
import { studentTQuantile } from '../../src-shared/stats.js';

const run = (id: string, depth: number, seed: number, acc: number | null, macs: number, status = 'completed'): GroupableRun => ({
  id,
  status,
  config: { depth, seed, lr: 0.001 },
  testAcc: acc,
  params: macs / 10,
  macsPerImage: macs,
});

describe('groups compared over seeds', () => {
  const runs = [
    run('a0', 1, 0, 0.8, 100),
    run('a1', 1, 1, 0.81, 100),
    run('a2', 1, 2, 0.82, 100),
    run('b0', 2, 0, 0.805, 200),
    run('b1', 2, 1, 0.815, 200),
    run('b2', 2, 2, 0.825, 200),
    run('b3', 2, 3, 0.5, 200, 'running'), // not a result yet: not counted
    run('c0', 4, 0, 0.9, 400),
    run('c1', 4, 1, 0.9002, 400),
  ];
  const groups = groupStats(runs);

  it('one group per config, summaries over completed runs, 95 % t interval', () => {
    expect(groups.map((g) => g.runs.length)).toEqual([3, 4, 2]);
    const [a, b] = groups;
    expect(a!.acc!.mean).toBeCloseTo(0.81, 12);
    expect(b!.acc!.n).toBe(3);
    expect(a!.acc!.std).toBeCloseTo(0.01, 12);
    expect(a!.ci!.half).toBeCloseTo((studentTQuantile(0.975, 2) * 0.01) / Math.sqrt(3), 12);
    expect(errorBar(a!, 'std')).toEqual([a!.acc!.mean - 0.01, a!.acc!.mean + a!.acc!.std!]);
  });

  it('front over means; a neighbour whose interval overlaps is marked', () => {
    const f = groupFront(groups, 'macs', 'ci95');
    expect(f.front.map((p) => p.group.runs[0]!.id)).toEqual(['a0', 'b0', 'c0']);
    // a (81.0 ± 2.5) and b (81.5 ± 2.5) overlap; c (90.0) is far above b.
    expect(f.front.map((p) => p.overlapsNeighbour)).toEqual([true, true, false]);
    // With std bars (± 1 pt) a and b still overlap.
    expect(groupFront(groups, 'macs', 'std').front.map((p) => p.overlapsNeighbour)).toEqual([true, true, false]);
  });

  it("Δ mean against a baseline with Welch's interval; not significant when it spans 0", () => {
    const d = groupDeltas(groups, groups[0]);
    expect(d[0]!.welch).toBeNull(); // the baseline itself
    expect(d[1]!.dMean).toBeCloseTo(0.005, 12);
    expect(d[1]!.welch!.significant).toBe(false);
    expect(d[2]!.dMean).toBeCloseTo(0.0901, 12);
    expect(d[2]!.welch!.significant).toBe(true);
  });
});

describe('effect of a field', () => {
  it('per value: the shared summary and 95 % interval', async () => {
    const { effectGroups } = await import('../../src-renderer/src/lib/compare.js');
    const runs = [0.8, 0.81, 0.82].map((acc, i) => ({ id: `r${i}`, name: '', config: { depth: 2, seed: i }, testAcc: acc, params: 1, macsPerImage: 1 }));
    const [g] = effectGroups(runs, 'depth');
    expect(g!.meanAcc).toBeCloseTo(0.81, 12);
    expect(g!.sdAcc).toBeCloseTo(0.01, 12);
    expect(g!.ciAcc!.half).toBeCloseTo((studentTQuantile(0.975, 2) * 0.01) / Math.sqrt(3), 12);
  });
});
