import * as tf from '@tensorflow/tfjs';
import { runJsKernel, type JsKernel } from './plumbing.js';

/**
 * LayerNorm over the last axis as one kernel per direction, instead of the reference's 9 tfjs ops
 * forward and ≈ 20 in their gradient (each a dispatch and a pass over a [B·N, dim] activation).
 * Sums are formed in doubles (JS numbers), so the result is at least as exact as the float32 ops.
 *
 *   forward:  y = (x − μ)·r·g + b, r = 1/√(σ² + eps); keeps (μ, r) per row for the backward.
 *   backward: x̂ = (x − μ)·r, ĝ = dy·g, dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), dg = Σ dy·x̂, db = Σ dy.
 */

export const LN_EPS = 1e-5;

/** Plain forward on arrays (also the kernel's body): x [rows, d] → y, stats [rows, 2] = (μ, r). */
export function layerNormForward(x: Float32Array, g: Float32Array, b: Float32Array, d: number, y: Float32Array, stats: Float32Array, eps = LN_EPS): void {
  const rows = x.length / d;
  for (let r = 0, o = 0; r < rows; r++, o += d) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[o + j];
    const mu = s / d;
    let v = 0;
    for (let j = 0; j < d; j++) {
      const c = x[o + j] - mu;
      v += c * c;
    }
    const rs = 1 / Math.sqrt(v / d + eps);
    for (let j = 0; j < d; j++) y[o + j] = (x[o + j] - mu) * rs * g[j] + b[j];
    stats[2 * r] = mu;
    stats[2 * r + 1] = rs;
  }
}

/** Plain backward: dx [rows, d], dg [d], db [d] (overwritten). */
export function layerNormBackward(
  dy: Float32Array,
  x: Float32Array,
  g: Float32Array,
  stats: Float32Array,
  d: number,
  dx: Float32Array,
  dg: Float32Array,
  db: Float32Array,
): void {
  const rows = x.length / d;
  const dgAcc = new Float64Array(d);
  const dbAcc = new Float64Array(d);
  for (let r = 0, o = 0; r < rows; r++, o += d) {
    const mu = stats[2 * r];
    const rs = stats[2 * r + 1];
    let sg = 0;
    let sgx = 0;
    for (let j = 0; j < d; j++) {
      const xh = (x[o + j] - mu) * rs;
      const gy = dy[o + j];
      const gh = gy * g[j];
      sg += gh;
      sgx += gh * xh;
      dgAcc[j] += gy * xh;
      dbAcc[j] += gy;
    }
    const mg = sg / d;
    const mgx = sgx / d;
    for (let j = 0; j < d; j++) {
      const xh = (x[o + j] - mu) * rs;
      dx[o + j] = rs * (dy[o + j] * g[j] - mg - xh * mgx);
    }
  }
  dg.set(dgAcc);
  db.set(dbAcc);
}

const forwardKernel: JsKernel<{ eps: number }> = {
  name: 'VitLayerNorm',
  inputs: ['x', 'g', 'b'],
  outputs: ([x], _) => [x, [x[0], 2]],
  run: ([x, g, b], [y, stats], { eps }) => layerNormForward(x, g, b, g.length, y, stats, eps),
};

const backwardKernel: JsKernel<Record<string, never>> = {
  name: 'VitLayerNormGrad',
  inputs: ['dy', 'x', 'g', 'stats'],
  outputs: ([dy, , g]) => [dy, g, g],
  run: ([dy, x, g, stats], [dx, dg, db]) => layerNormBackward(dy, x, g, stats, g.length, dx, dg, db),
};

const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, g, b] = args as tf.Tensor[];
  const save = args[3] as tf.GradSaveFunc;
  const [y, stats] = runJsKernel(forwardKernel, [x, g, b], { eps: LN_EPS });
  save([x, g, stats]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => runJsKernel(backwardKernel, [dy, saved[0], saved[1], saved[2]], {}),
  };
});

/** LayerNorm of x [rows, d] with gain g [d] and bias b [d]; differentiable. */
export function fusedLayerNorm(x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return op(x, g, b) as tf.Tensor2D;
}
