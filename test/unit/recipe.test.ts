import { describe, expect, it } from 'vitest';
import { augmentInto } from '../../src-main/train/augment.js';
import { epochRng, mulberry32, permutation } from '../../src-main/train/rng.js';
import { learningRate, recipeOf } from '../../src-main/train/schedule.js';

describe('learning-rate schedules', () => {
  it('the seed recipe keeps Adam at a constant rate', () => {
    const r = recipeOf({ recipe: 'seed', epochs: 10 });
    expect(r).toMatchObject({ optimizer: 'adam', weightDecay: 0, labelSmoothing: 0, augment: false });
    for (const step of [0, 100, 5999]) expect(learningRate(1e-3, r, step, 600, 10)).toBe(1e-3);
  });

  it('the improved recipe warms up linearly, then decays along a cosine to zero', () => {
    const r = recipeOf({ recipe: 'improved', epochs: 30 });
    expect(r).toMatchObject({ optimizer: 'adamw', labelSmoothing: 0.1, augment: true, warmupEpochs: 3 });
    const steps = 100;
    expect(learningRate(1e-3, r, 0, steps, 30)).toBeCloseTo(1e-3 / 300, 12);
    expect(learningRate(1e-3, r, 149, steps, 30)).toBeCloseTo(0.5e-3, 12);
    expect(learningRate(1e-3, r, 300, steps, 30)).toBeCloseTo(1e-3, 12);
    expect(learningRate(1e-3, r, 300 + 1350, steps, 30)).toBeCloseTo(0.5e-3, 9);
    expect(learningRate(1e-3, r, 3000, steps, 30)).toBeCloseTo(0, 12);
  });
});

describe('augmentation', () => {
  const side = 4;
  const img = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
  const fixed = (values: number[]) => {
    let i = 0;
    return () => values[i++];
  };

  it('flips horizontally', () => {
    const out = new Uint8Array(16);
    // flip (0.1 < 0.5), dx = 0 and dy = 0 (middle of [-2, 2])
    augmentInto(img, out, side, 1, fixed([0.1, 0.5, 0.5]), { flip: true, shift: 2 });
    expect(Array.from(out.subarray(0, 4))).toEqual([4, 3, 2, 1]);
  });

  it('translates with zero fill, and never flips digits', () => {
    const out = new Uint8Array(16);
    // no flip asked; dx = +1 (0.7 → floor(3.5) - 2 = 1), dy = 0
    augmentInto(img, out, side, 1, fixed([0.1, 0.7, 0.5]), { flip: false, shift: 2 });
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 1, 2, 3]);
  });
});

describe('seeded randomness', () => {
  it('permutations are reproducible per (seed, epoch) and differ between epochs', () => {
    const a = permutation(1000, epochRng(3, 1));
    expect(Array.from(permutation(1000, epochRng(3, 1)))).toEqual(Array.from(a));
    expect(Array.from(permutation(1000, epochRng(3, 2)))).not.toEqual(Array.from(a));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('mulberry32 stays in [0, 1)', () => {
    const r = mulberry32(1);
    for (let i = 0; i < 10_000; i++) {
      const v = r();
      expect(v >= 0 && v < 1).toBe(true);
    }
  });
});
