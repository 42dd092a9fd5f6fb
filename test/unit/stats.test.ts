import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intervalsOverlap, mean, meanInterval, sampleStd, studentTCdf, studentTQuantile, summarize, welchInterval } from '../../src-shared/stats.js';

// Reference values: the two-sided 95 % critical values of Student's t from printed tables
// (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2, to the digits given there), and, for fractional
// degrees of freedom, an independent computation: Simpson integration (200,000 panels) of the
// t density with Python's math.lgamma, inverted by bisection: test/fixtures/stats_reference.py.
describe('Student t quantiles', () => {
  it.each([
    [1, 12.706],
    [2, 4.303],
    [3, 3.182],
    [5, 2.571],
    [10, 2.228],
    [30, 2.042],
    [100, 1.984],
  ])('t(0.975, %d) = %f (NIST table)', (df, t) => {
    expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 3);
  });

  it('matches more digits for df 1 and 2 (closed forms: tan(π(p − ½)) and (2p − 1)·√(2 / (1 − (2p − 1)²)))', () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(Math.tan(Math.PI * 0.475), 9);
    const a = 2 * 0.975 - 1;
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(a * Math.sqrt(2 / (1 - a * a)), 9);
    expect(studentTQuantile(0.995, 1)).toBeCloseTo(Math.tan(Math.PI * 0.495), 7);
  });

  it.each([
    [2.5, 3.57465484200449],
    [7.3, 2.3450667365475777],
    [24.9, 2.0599580324595035],
  ])('fractional df %f: %f (numerical integration of the density)', (df, t) => {
    expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 7);
  });

  it('tends to the normal quantile 1.959964 for large df', () => {
    expect(studentTQuantile(0.975, 1e7)).toBeCloseTo(1.959964, 5);
  });

  it('cdf: symmetric, 0.5 at 0, and an integrated value', () => {
    expect(studentTCdf(0, 4)).toBe(0.5);
    expect(studentTCdf(1.5, 3.7)).toBeCloseTo(0.8932009153989899, 8);
    expect(studentTCdf(-1.5, 3.7)).toBeCloseTo(1 - 0.8932009153989899, 8);
  });

  it('quantile inverts the cdf and is antisymmetric', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 0.999, noNaN: true }), fc.double({ min: 0.5, max: 200, noNaN: true }), (p, df) => {
        const t = studentTQuantile(p, df);
        expect(studentTCdf(t, df)).toBeCloseTo(p, 8);
        expect(studentTQuantile(1 - p, df)).toBeCloseTo(-t, 6);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses impossible arguments with a message', () => {
    expect(() => studentTQuantile(1, 3)).toThrow(/probability/);
    expect(() => studentTQuantile(0.9, 0)).toThrow(/degrees of freedom/);
  });
});

describe('mean, std, summary', () => {
  it('hand-computed values', () => {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum 32, sample variance 32/7.
    const xs = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(xs)).toBe(5);
    expect(sampleStd(xs)).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(summarize(xs)).toEqual({ n: 8, mean: 5, std: sampleStd(xs), min: 2, max: 9 });
  });

  it('keeps digits for accuracies close together (seeds 0.17 pt apart)', () => {
    const xs = [0.8828, 0.8811, 0.882];
    expect(mean(xs)).toBeCloseTo(0.8819666666666667, 15);
    // deviations 8.33e-4, -8.67e-4, 3.3e-5 → Σ² = 1.4467e-6, /2 → s = 8.505e-4
    expect(sampleStd(xs)).toBeCloseTo(0.000850490054811, 12);
  });

  it('summary skips missing values; one value has no std; none is null', () => {
    expect(summarize([0.5, null, Number.NaN, undefined])).toEqual({ n: 1, mean: 0.5, std: null, min: 0.5, max: 0.5 });
    expect(summarize([])).toBeNull();
    expect(() => mean([])).toThrow(/at least 1/);
    expect(() => sampleStd([1])).toThrow(/at least 2/);
    expect(() => mean([1, Number.NaN])).toThrow(/finite/);
  });

  it('std is shift-invariant and zero for constant data', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 2, maxLength: 30 }), fc.double({ min: -1e3, max: 1e3, noNaN: true }), (xs, c) => {
        expect(sampleStd(xs.map((x) => x + c))).toBeCloseTo(sampleStd(xs), 6);
      }),
    );
    expect(sampleStd([0.88, 0.88, 0.88])).toBe(0);
  });
});

describe('intervals', () => {
  it('95 % interval of a mean: mean ± t(0.975, n − 1)·s/√n', () => {
    // n = 3, s = 0.01: half = 4.302652729911275 · 0.01 / √3 = 0.024841377...
    const ci = meanInterval({ n: 3, mean: 0.88, std: 0.01 })!;
    expect(ci.df).toBe(2);
    expect(ci.half).toBeCloseTo((4.302652729911275 * 0.01) / Math.sqrt(3), 10);
    expect(ci.low).toBeCloseTo(0.88 - ci.half, 14);
    expect(meanInterval({ n: 1, mean: 0.88, std: null })).toBeNull();
  });

  it("Welch's interval on Wikipedia's example A1/A2 (t = −2.46, ν ≈ 24.99)", () => {
    const a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    const w = welchInterval(summarize(a1)!, summarize(a2)!)!;
    expect(w.df).toBeCloseTo(24.98852929023142, 9);
    expect(w.estimate / Math.sqrt(2.804893682731767 ** 2 / 15 + 1.9526050974702152 ** 2 / 15)).toBeCloseTo(-2.4554, 3);
    // Interval from the independent Python computation above.
    expect(w.low).toBeCloseTo(-3.9840962671409814, 6);
    expect(w.high).toBeCloseTo(-0.3492370661923616, 6);
    expect(w.significant).toBe(true);
  });

  it('hand computation, equal n and s: ν = 2(n − 1), half = t·s·√(2/n)', () => {
    const w = welchInterval({ n: 3, mean: 0.885, std: 0.002 }, { n: 3, mean: 0.882, std: 0.002 })!;
    expect(w.df).toBeCloseTo(4, 12);
    expect(w.half).toBeCloseTo(2.776445105 * 0.002 * Math.sqrt(2 / 3), 8);
    expect(w.significant).toBe(false); // 0.003 ± 0.00453: seed noise cannot be ruled out
    const far = welchInterval({ n: 3, mean: 0.9, std: 0.002 }, { n: 3, mean: 0.88, std: 0.002 })!;
    expect(far.significant).toBe(true);
  });

  it('no spread, too few runs', () => {
    expect(welchInterval({ n: 3, mean: 0.9, std: 0 }, { n: 2, mean: 0.8, std: 0 })).toMatchObject({ half: 0, significant: true });
    expect(welchInterval({ n: 1, mean: 0.9, std: null }, { n: 3, mean: 0.8, std: 0.01 })).toBeNull();
  });

  it('overlap', () => {
    expect(intervalsOverlap({ low: 0, high: 1 }, { low: 1, high: 2 })).toBe(true);
    expect(intervalsOverlap({ low: 0, high: 1 }, { low: 1.01, high: 2 })).toBe(false);
  });
});
