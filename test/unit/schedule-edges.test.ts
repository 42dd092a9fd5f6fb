import { describe, expect, it } from 'vitest';
import { learningRate, recipeOf, type Recipe } from '../../src-main/train/schedule.js';

/** The schedule's edges, worked by hand: warmup length per run length, the last steps, past the end. */
describe('recipes', () => {
  it('seed: Adam, constant, nothing else', () => {
    expect(recipeOf({ recipe: 'seed', epochs: 30 })).toEqual({ optimizer: 'adam', weightDecay: 0, warmupEpochs: 0, cosine: false, labelSmoothing: 0, augment: false });
  });

  it('improved: AdamW 0.05, cosine, smoothing 0.1, augmentation; warmup 10 % of the run, at least ½ epoch for runs longer than one epoch, at most 5', () => {
    expect(recipeOf({ recipe: 'improved', epochs: 30 })).toEqual({ optimizer: 'adamw', weightDecay: 0.05, warmupEpochs: 3, cosine: true, labelSmoothing: 0.1, augment: true });
    const warm = (epochs: number) => recipeOf({ recipe: 'improved', epochs }).warmupEpochs;
    expect(warm(1)).toBeCloseTo(0.1, 15); // one epoch: 10 %, not raised to ½
    expect(warm(2)).toBe(0.5); // 10 % is 0.2, raised to ½
    expect(warm(5)).toBe(0.5);
    expect(warm(10)).toBe(1);
    expect(warm(50)).toBe(5);
    expect(warm(60)).toBe(5); // 10 % is 6, capped at 5
  });
});

describe('learningRate', () => {
  const cosine: Recipe = { optimizer: 'adamw', weightDecay: 0, warmupEpochs: 1, cosine: true, labelSmoothing: 0, augment: false };

  it('warmup climbs linearly to the base rate at its last step', () => {
    // 1 warmup epoch of 10 steps, 3 epochs: steps 0..9 give base·1/10 … base·10/10.
    expect(learningRate(0.1, cosine, 0, 10, 3)).toBeCloseTo(0.01, 15);
    expect(learningRate(0.1, cosine, 4, 10, 3)).toBeCloseTo(0.05, 15);
    expect(learningRate(0.1, cosine, 9, 10, 3)).toBeCloseTo(0.1, 15);
  });

  it('cosine from the base at the end of warmup to zero at the last step, and zero past it', () => {
    // 30 steps, 10 of warmup: progress (step − 10) / 20; step 20 is halfway: 0.1 · ½ · (1 + cos(π/2)) = 0.05.
    expect(learningRate(0.1, cosine, 10, 10, 3)).toBeCloseTo(0.1, 15);
    expect(learningRate(0.1, cosine, 15, 10, 3)).toBeCloseTo(0.1 * 0.5 * (1 + Math.SQRT1_2), 15);
    expect(learningRate(0.1, cosine, 20, 10, 3)).toBeCloseTo(0.05, 15);
    expect(learningRate(0.1, cosine, 30, 10, 3)).toBeCloseTo(0, 15);
    expect(learningRate(0.1, cosine, 45, 10, 3)).toBeCloseTo(0, 15);
  });

  it('warmup rounds to whole steps; without cosine the rate stays at the base after warmup', () => {
    const flat: Recipe = { ...cosine, cosine: false, warmupEpochs: 0.25 };
    // 0.25 · 6 = 1.5 steps → 2: steps 0 and 1 warm up (½, 1), then the base.
    expect(learningRate(0.2, flat, 0, 6, 2)).toBeCloseTo(0.1, 15);
    expect(learningRate(0.2, flat, 1, 6, 2)).toBeCloseTo(0.2, 15);
    expect(learningRate(0.2, flat, 11, 6, 2)).toBe(0.2);
    expect(learningRate(0.2, flat, 500, 6, 2)).toBe(0.2);
  });

  it('a warmup as long as the whole run still gives a finite rate', () => {
    // 10 steps in all, all of them warmup: at step 10 progress is 0 / max(1, 0) = 0, so the base.
    expect(learningRate(0.1, cosine, 10, 10, 1)).toBeCloseTo(0.1, 15);
    expect(learningRate(0.1, { ...cosine, warmupEpochs: 0 }, 0, 10, 1)).toBeCloseTo(0.1, 15);
  });
});
