import type { StepPoint } from './messages.js';

/** Points per epoch of the per-step curves unless the run asks otherwise. */
export const DEFAULT_STEP_POINTS = 20;

/**
 * Turns the trainer's per-batch results into per-step curve points: about `perEpoch` points per
 * epoch, each the sample-weighted mean loss and accuracy of the batches since the previous point,
 * and always one at the end of an epoch. Pure (no tfjs), so it is unit-tested on its own.
 */
export class StepSampler {
  private lossSum = 0;
  private correct = 0;
  private seen = 0;

  constructor(private readonly perEpoch = DEFAULT_STEP_POINTS) {
    if (!Number.isInteger(perEpoch) || perEpoch < 0 || perEpoch > 1000) throw new RangeError(`step points per epoch must be a whole number from 0 to 1000, got ${perEpoch}`);
  }

  /** One batch; returns a point when one is due. */
  add(b: { epoch: number; batch: number; batches: number; loss: number; correct: number; size: number }): StepPoint | null {
    if (this.perEpoch === 0) return null;
    this.lossSum += b.loss * b.size;
    this.correct += b.correct;
    this.seen += b.size;
    const every = Math.max(1, Math.round(b.batches / this.perEpoch));
    if (b.batch % every !== 0 && b.batch !== b.batches) return null;
    const point: StepPoint = { epoch: b.epoch, at: b.batch / b.batches, loss: this.lossSum / this.seen, acc: this.correct / this.seen };
    this.lossSum = 0;
    this.correct = 0;
    this.seen = 0;
    return point;
  }
}
