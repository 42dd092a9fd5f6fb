import { describe, expect, it } from 'vitest';
import { StepSampler } from '../../src-main/train/steps.js';
import { packPoints, unpackPoints } from '../../src-main/store/steps.js';

const batch = (epoch: number, b: number, batches: number, loss: number, correct: number, size = 10) => ({ epoch, batch: b, batches, loss, correct, size });

describe('per-step curve points', () => {
  it('about N points per epoch, each the sample-weighted mean since the last, one at the epoch end', () => {
    const s = new StepSampler(4);
    const pts = [];
    for (let b = 1; b <= 10; b++) {
      const size = b === 10 ? 5 : 10;
      pts.push(s.add(batch(1, b, 10, b, b % 2 === 0 ? size : 0, size)));
    }
    const got = pts.filter((p) => p !== null);
    // every round(10 / 4) = 3 batches (3, 6, 9) and the last (10)
    expect(got.map((p) => p!.at)).toEqual([0.3, 0.6, 0.9, 1]);
    expect(got[0]).toEqual({ epoch: 1, at: 0.3, loss: 2, acc: 10 / 30 });
    expect(got[3]).toEqual({ epoch: 1, at: 1, loss: 10, acc: 1 });
    // A short epoch (fewer batches than points) gets a point per batch.
    const t = new StepSampler(20);
    expect([1, 2, 3].map((b) => t.add(batch(2, b, 3, 1, 5))!.at)).toEqual([1 / 3, 2 / 3, 1]);
  });

  it('0 points: none; nonsense: refused', () => {
    expect(new StepSampler(0).add(batch(1, 1, 1, 1, 1))).toBeNull();
    expect(() => new StepSampler(-1)).toThrow(/step points/);
    expect(() => new StepSampler(2.5)).toThrow(/step points/);
  });

  it('packs 12 bytes a point and reads back within Float32 precision', () => {
    const pts = [
      { at: 0.05, loss: 2.302585, acc: 0.1 },
      { at: 1, loss: 0.35, acc: 0.8828 },
    ];
    const blob = packPoints(pts);
    expect(blob.length).toBe(24);
    const back = unpackPoints(blob);
    back.forEach((p, i) => {
      expect(p.at).toBeCloseTo(pts[i]!.at, 6);
      expect(p.loss).toBeCloseTo(pts[i]!.loss, 6);
      expect(p.acc).toBeCloseTo(pts[i]!.acc, 6);
    });
  });
});
