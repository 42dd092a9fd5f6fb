import * as tf from '@tensorflow/tfjs';
import { f32Bits } from '../simd.js';
import { runHeapKernel, type HeapKernel } from './plumbing.js';

/**
 * LayerNorm over the last axis as one kernel per direction, instead of the reference's 9 tfjs ops
 * forward and ≈ 20 in their gradient (each a dispatch and a pass over a [B·N, dim] activation).
 * Where dim is a multiple of 4 (the seed's 64) the kernels are the f32x4 loops of simd.ts, sums in
 * float32 like tfjs's own ops (the JS loops took ≈ 12 % of a step's kernel time, bench/step-profile);
 * else the plain loops below, sums in doubles. Both are tested against tfjs's ops and gradients.
 *
 *   forward:  y = (x − μ)·r·g + b, r = 1/√(σ² + eps); keeps (μ, r) per row for the backward.
 *   backward: x̂ = (x − μ)·r, ĝ = dy·g, dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), dg = Σ dy·x̂, db = Σ dy.
 */

export const LN_EPS = 1e-5;

/** Plain forward on arrays (the kernel where dim is not a multiple of 4, and the tests' yardstick): x [rows, d] → y, stats [rows, 2] = (μ, r). */
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

/** The plain loops above on views of the heap, where d is not a whole number of f32x4 vectors. */
const view = (F: Float32Array, p: number, n: number) => F.subarray(p >> 2, (p >> 2) + n);

const forwardKernel: HeapKernel<{ eps: number }> = {
  name: 'VitLayerNorm',
  inputs: ['x', 'g', 'b'],
  outputs: ([x]) => [x, [x[0], 2]],
  scratchBytes: () => 0,
  run: (h, [x, g, b], [y, stats], _s, [[rows, d]], { eps }) => {
    if (d % 4 === 0) return h.layerNorm(x, g, b, y, stats, rows, d / 4, f32Bits(eps));
    const F = h.f32();
    layerNormForward(view(F, x, rows * d), view(F, g, d), view(F, b, d), d, view(F, y, rows * d), view(F, stats, 2 * rows), eps);
  },
};

const backwardKernel: HeapKernel<Record<string, never>> = {
  name: 'VitLayerNormGrad',
  inputs: ['dy', 'x', 'g', 'stats'],
  outputs: ([dy, , g]) => [dy, g, g],
  scratchBytes: () => 0,
  run: (h, [dy, x, g, stats], [dx, dg, db], _s, [[rows, d]]) => {
    if (d % 4 === 0) return h.layerNormGrad(dy, x, g, stats, dx, dg, db, rows, d / 4);
    const F = h.f32();
    const n = rows * d;
    layerNormBackward(view(F, dy, n), view(F, x, n), view(F, g, d), view(F, stats, 2 * rows), d, view(F, dx, n), view(F, dg, d), view(F, db, d));
  },
};

const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, g, b] = args as tf.Tensor[];
  const save = args[3] as tf.GradSaveFunc;
  const [y, stats] = runHeapKernel(forwardKernel, [x, g, b], { eps: LN_EPS });
  save([x, g, stats]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => runHeapKernel(backwardKernel, [dy, saved[0], saved[1], saved[2]], {}),
  };
});

/** LayerNorm of x [rows, d] with gain g [d] and bias b [d]; differentiable. */
export function fusedLayerNorm(x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return op(x, g, b) as tf.Tensor2D;
}
