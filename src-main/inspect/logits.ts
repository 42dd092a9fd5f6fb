import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../vit/config.js';
import { EVAL_CHUNK } from '../vit/memory.js';
import { VitModel, patchify } from '../vit/model.js';
import { affineOf, type Normalisation } from './normalisation.js';
import type { PlainWeights } from './weights.js';

/**
 * The app's own logits for raw images: the trained weights in the training engine's model
 * (VitModel, the same kernels as the trainer's evaluation), the trainer's normalisation and patch
 * cut, in its evaluation chunk (250). This is what the mistakes view and the cross-framework test
 * compare against: the numbers a run's test accuracy was computed from.
 */
const CHUNK = EVAL_CHUNK;

export function modelFromWeights(config: RunConfig, weights: PlainWeights): VitModel {
  const model = new VitModel(config, config.seed);
  for (const { variable, value } of model.named(weights)) {
    const v = tf.tensor(value.data, value.shape, 'float32');
    variable.assign(v);
    v.dispose();
  }
  return model;
}

/** Logits [count × classes] of `count` raw images (count × side × side × channels bytes). */
export function appLogits(model: VitModel, images: Uint8Array, count: number, norm: Pick<Normalisation, 'mean' | 'std'>): Float32Array {
  const { image: side, channels, patch, classes } = model.config;
  const per = side * side * channels;
  const P = (side / patch) ** 2;
  const F = patch * patch * channels;
  const { scale, shift } = affineOf(norm);
  const out = new Float32Array(count * classes);
  const buf = new Float32Array(Math.min(CHUNK, count) * P * F);
  for (let start = 0; start < count; start += CHUNK) {
    const n = Math.min(CHUNK, count - start);
    const x = patchify(images.subarray(start * per, (start + n) * per), n, side, channels, patch, buf.subarray(0, n * P * F), scale, shift);
    // dataSync outside tidy (see DESIGN.md: tidy walks read-back arrays).
    const logits = tf.tidy(() => model.forward(tf.tensor3d(x, [n, P, F]), false));
    out.set(logits.dataSync() as Float32Array, start * classes);
    logits.dispose();
  }
  return out;
}

export function softmaxRows(logits: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length; r += classes) {
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, logits[r + j]);
    let s = 0;
    for (let j = 0; j < classes; j++) s += Math.exp(logits[r + j] - max);
    for (let j = 0; j < classes; j++) out[r + j] = Math.exp(logits[r + j] - max) / s;
  }
  return out;
}

export function argmaxRow(v: ArrayLike<number>, offset: number, classes: number): number {
  let best = 0;
  for (let j = 1; j < classes; j++) if (v[offset + j] > v[offset + best]) best = j;
  return best;
}
