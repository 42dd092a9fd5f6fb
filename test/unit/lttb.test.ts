import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lttb, lttbIndices } from '../../src-shared/lttb.js';

describe('LTTB downsampling', () => {
  it('keeps everything when there are fewer points than the threshold', () => {
    expect(lttbIndices([0, 1, 2], [5, 6, 7], 10)).toEqual([0, 1, 2]);
    expect(lttbIndices([0, 1, 2], [5, 6, 7], 0)).toEqual([0, 1, 2]);
  });

  it('hand-worked case: 7 points to 4 keeps the spike and the dip', () => {
    // buckets of (7 − 2) / 2 = 2.5 points: [1, 2] and [3, 4, 5] (floor bounds: 1..3, 3..6)
    const x = [0, 1, 2, 3, 4, 5, 6];
    const y = [0, 0, 10, 0, -8, 0, 0];
    expect(lttbIndices(x, y, 4)).toEqual([0, 2, 4, 6]);
    expect(lttb(x, y, 4)).toEqual([
      [0, 0],
      [2, 10],
      [4, -8],
      [6, 0],
    ]);
  });

  it('first and last kept, exactly threshold points, ascending, a subset', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 5, maxLength: 400 }), fc.integer({ min: 3, max: 60 }), (ys, t) => {
        const xs = ys.map((_, i) => i / 20);
        const idx = lttbIndices(xs, ys, t);
        const want = Math.min(t, ys.length);
        expect(idx).toHaveLength(want);
        expect(idx[0]).toBe(0);
        expect(idx[idx.length - 1]).toBe(ys.length - 1);
        for (let i = 1; i < idx.length; i++) expect(idx[i]!).toBeGreaterThan(idx[i - 1]!);
      }),
    );
  });

  it('refuses mismatched lengths', () => {
    expect(() => lttbIndices([1, 2], [1], 2)).toThrow(/x has 2/);
    expect(lttbIndices([1, 2, 3], [1, 2, 3], 2)).toEqual([0, 2]);
  });
});
