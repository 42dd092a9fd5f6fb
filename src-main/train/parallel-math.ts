import * as tf from '@tensorflow/tfjs';
import type { VitModel } from '../vit/model.js';
import { partLoss } from './loss.js';

/**
 * The math every tfjs instance (this thread's and each helper's) runs on its part of a batch,
 * over the one loss of loss.ts: a step's part loss is its cross-entropy sum times 1/B (B = the
 * whole batch), so the parts' losses and gradients add up to the batch mean. Gradients are
 * written into one flat Float32Array in the model's parameter order (params.ts).
 */

/** Gradients of the part into `gradsOut`, its loss contribution, and its argmax predictions. */
export function partGradients(
  model: VitModel,
  x: tf.Tensor3D,
  y: tf.Tensor2D,
  scale: number,
  dropoutSeed: number,
  gradsOut: Float32Array,
  predOut: Float32Array | Int32Array,
): number {
  const vars = model.params.map((v) => v.variable);
  let predicted: tf.Tensor | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const logits = model.forward(x, true, dropoutSeed);
    predicted = tf.keep(logits.argMax(-1));
    return partLoss(y, logits, scale);
  }, vars);
  const loss = value.dataSync()[0];
  predOut.set((predicted as unknown as tf.Tensor).dataSync());
  let off = 0;
  for (const v of vars) {
    const g = grads[v.name];
    gradsOut.set(g.dataSync() as Float32Array, off);
    off += v.size;
  }
  tf.dispose([value, predicted as unknown as tf.Tensor, ...Object.values(grads)]);
  return loss;
}

/** Summed test loss and argmax predictions of a part of an evaluation chunk (no tape). */
export function partEvaluate(model: VitModel, x: tf.Tensor3D, y: tf.Tensor2D, predOut: Float32Array | Int32Array): number {
  // dataSync outside tidy: returning read-back arrays from tidy makes it walk every element.
  const [lossT, predT] = tf.tidy(() => {
    const logits = model.forward(x, false);
    return [partLoss(y, logits, 1), logits.argMax(-1)];
  });
  const loss = lossT.dataSync()[0];
  predOut.set(predT.dataSync());
  tf.dispose([lossT, predT]);
  return loss;
}

/** Loads weights from a flat buffer (parameter order) into the model. */
export function loadFlatWeights(model: VitModel, flat: Float32Array): void {
  let off = 0;
  for (const { variable } of model.params) {
    // A copy: a backend that keeps JS arrays (cpu) must not alias a buffer that is rewritten.
    const t = tf.tensor(flat.slice(off, off + variable.size), variable.shape, 'float32');
    variable.assign(t);
    t.dispose();
    off += variable.size;
  }
}

/** Writes the model's weights into a flat buffer (parameter order). */
export function storeFlatWeights(model: VitModel, flat: Float32Array): void {
  let off = 0;
  for (const { variable } of model.params) {
    flat.set(variable.dataSync() as Float32Array, off);
    off += variable.size;
  }
}

/** Part i of N of n samples: [from, to), sizes differ by at most one, the later parts larger. */
export function partRange(n: number, parts: number, i: number): { from: number; to: number } {
  return { from: Math.floor((i * n) / parts), to: Math.floor(((i + 1) * n) / parts) };
}
