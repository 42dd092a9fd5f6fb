import * as tf from '@tensorflow/tfjs';

/**
 * The one loss of the engine, in training and evaluation alike: softmax cross-entropy of the
 * logits against label-smoothed one-hot targets, summed over a part's samples and scaled.
 *
 * - A training step cuts its batch of B samples into parts (step-runner.ts); each part's loss is
 *   its sum times 1/B, so the parts add up to the batch mean (one part: the mean itself). The
 *   step reports `batchMeanLoss` of the parts, and its gradient is the sum of the parts'.
 * - Evaluation uses no smoothing and scale 1; the test loss is the sum over the split / count.
 */

/**
 * Smoothed one-hot targets of labels[from, to) into `out` ([to − from, classes], row-major):
 * smoothing / classes everywhere plus 1 − smoothing on the true class. Returns the filled view.
 */
export function targetsInto(labels: ArrayLike<number>, from: number, to: number, classes: number, smoothing: number, out: Float32Array): Float32Array {
  const n = to - from;
  if (out.length < n * classes) throw new RangeError(`targets: ${n} samples × ${classes} classes do not fit in ${out.length} floats`);
  out.fill(smoothing / classes, 0, n * classes);
  for (let i = 0; i < n; i++) {
    const label = labels[from + i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) throw new RangeError(`targets: label ${label} of sample ${from + i} is not a class from 0 to ${classes - 1}`);
    out[i * classes + label] += 1 - smoothing;
  }
  return out.subarray(0, n * classes);
}

/** A part's loss: Σ over its samples of cross-entropy(targets, softmax(logits)), times `scale`. */
export function partLoss(targets: tf.Tensor2D, logits: tf.Tensor2D, scale: number): tf.Scalar {
  const sum = tf.losses.softmaxCrossEntropy(targets, logits, undefined, 0, tf.Reduction.SUM) as tf.Scalar;
  // × 1 is exact: evaluation skips the dispatch.
  return scale === 1 ? sum : sum.mul(scale);
}

/**
 * A step's mean loss from its parts' losses (each a float32 sum / B), added in part order in
 * float32, as a single instance's float32 sum would be: the same N gives the same bits.
 */
export function batchMeanLoss(partLosses: readonly number[]): number {
  let loss = 0;
  for (const l of partLosses) loss = Math.fround(loss + Math.fround(l));
  return loss;
}
