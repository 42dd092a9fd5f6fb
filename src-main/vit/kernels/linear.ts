import * as tf from '@tensorflow/tfjs';
import { GEMM_FLAGS, type GemmFn } from './gemm.js';
import { runHeapKernel, type HeapKernel } from './plumbing.js';

/**
 * A dense layer y = act(x·W + b) on the gemm of gemm.ts, one kernel per direction:
 *
 *   forward  `VitLinear`:     y = act(x·W + b)  (bias and ReLU applied in the gemm's registers)
 *   backward `VitLinearGrad`: g = dy ∘ [y > 0] (ReLU, simd.ts), db = Σ_rows g, dx = g·Wᵀ, dW = xᵀ·g
 *
 * Wᵀ is copied once into scratch (≤ 256 × 256 floats) so that every gemm reads B row-contiguous;
 * the gradient runs over M = batch·tokens rows in chunks of DW_CHUNK, so that a chunk of x and g
 * stays in cache while the tiles of dW sweep it (measured: bench/gemm.ts) and db and dx use it.
 * This replaces tfjs's fused matMul (XNNPACK, ≈ 12–30 GFLOP/s here) and the transposes of the
 * old gradient (see README "Performance").
 */

/** Rows of x and g per pass of the dW gemm (bench/gemm.ts --chunk: 64–512 within noise of each other, one pass over all 5000 rows 20–30 % slower). */
export const DW_CHUNK = 256;

type Act = { relu: boolean };

/** y [M, N] = act(x [M, K] · w [K, N] + b [N]) at byte pointers. */
export function linearForward(gemm: GemmFn, x: number, w: number, b: number, y: number, M: number, K: number, N: number, relu: boolean): void {
  gemm(M, N, K, x, 4 * K, 4, w, 4 * N, y, 4 * N, b, GEMM_FLAGS.BIAS | (relu ? GEMM_FLAGS.RELU : 0));
}

/** dx [M, K] = g [M, N] · wt [N, K] (wt = Wᵀ). */
export function linearGradX(gemm: GemmFn, g: number, wt: number, dx: number, M: number, K: number, N: number): void {
  gemm(M, K, N, g, 4 * N, 4, wt, 4 * K, dx, 4 * K, 0, 0);
}

/** dw [K, N] = x [M, K]ᵀ · g [M, N], summed over M in chunks. */
export function linearGradW(gemm: GemmFn, x: number, g: number, dw: number, M: number, K: number, N: number, chunk = DW_CHUNK): void {
  if (M === 0) {
    gemm(K, N, 0, x, 4, 4 * K, g, 4 * N, dw, 4 * N, 0, 0);
    return;
  }
  for (let r = 0; r < M; r += chunk) {
    const rows = Math.min(chunk, M - r);
    gemm(K, N, rows, x + 4 * r * K, 4, 4 * K, g + 4 * r * N, 4 * N, dw, 4 * N, 0, r > 0 ? GEMM_FLAGS.ACCUMULATE : 0);
  }
}

const forwardKernel: HeapKernel<Act> = {
  name: 'VitLinear',
  inputs: ['x', 'w', 'b'],
  outputs: ([x, w]) => [[x[0], w[1]]],
  scratchBytes: () => 0,
  run: (h, [x, w, b], [y], _s, [xs, ws], { relu }) => linearForward(h.gemm, x, w, b, y, xs[0], ws[0], ws[1], relu),
};

/** db [N] = Σ_rows g [M, N]: the gemm with a one-row A that is the constant 1 (both strides 0). */
export function columnSums(gemm: GemmFn, one: number, g: number, db: number, M: number, N: number): void {
  gemm(1, N, M, one, 0, 0, g, 4 * N, db, 4 * N, 0, 0);
}

/**
 * Inputs dy, x, w, y (y is read only with a ReLU) → dx, dw, db, one chunk of DW_CHUNK rows at a
 * time: the chunk's masked gradient g (ReLU), its column sums into db, its rows of dx and its
 * share of dW, so that g is made, and read three times, while it sits in L2 (256 rows × 256
 * columns = 256 KB) instead of four passes over all M rows through memory; with a ReLU, g needs
 * only a chunk of scratch. Every sum runs in the same order as one pass would (db and dW
 * accumulate chunk after chunk into C), so the results are the same bits.
 * Measured per call with caches flushed first (as in a step, where the activations come from
 * memory), alternating old and new, min of 15: mlp1 (ReLU, 5000×64→256) 9.0 → 8.1 ms, qkv
 * (5000×64→192) 5.6 → 5.3, mlp2 (5000×256→64) 8.3 → 8.2.
 */
const backwardKernel: HeapKernel<Act> = {
  name: 'VitLinearGrad',
  inputs: ['dy', 'x', 'w', 'y'],
  outputs: ([dy, x, w]) => [x, w, [dy[1]]],
  // the constant 1 (one vector), Wᵀ, then one chunk of the masked gradient (ReLU only)
  scratchBytes: ([dy, , w], { relu }) => 16 + 4 * w[0] * w[1] + (relu ? 4 * Math.min(DW_CHUNK, dy[0]) * dy[1] : 0),
  run: (h, [dy, x, w, y], [dx, dw, db], scratch, [dys, xs], { relu }) => {
    const [M, N] = dys;
    const K = xs[1];
    const one = scratch;
    const wt = scratch + 16;
    const gScratch = wt + 4 * K * N;
    const F = h.f32();
    F[one >> 2] = 1;
    const W = F.subarray(w >> 2, (w >> 2) + K * N);
    const T = F.subarray(wt >> 2, (wt >> 2) + K * N);
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) T[n * K + k] = W[k * N + n];
    if (M === 0) {
      // no rows: dW and db are sums of nothing (the gemm with K = 0 writes zeros)
      linearGradW(h.gemm, x, dy, dw, 0, K, N);
      columnSums(h.gemm, one, dy, db, 0, N);
      return;
    }
    for (let r = 0; r < M; r += DW_CHUNK) {
      const rows = Math.min(DW_CHUNK, M - r);
      const dyc = dy + 4 * r * N;
      let g = dyc;
      if (relu) {
        g = gScratch;
        const n = rows * N;
        const nv = n >> 2;
        h.reluMask(dyc, y + 4 * r * N, g, nv);
        for (let i = nv * 4; i < n; i++) F[(g >> 2) + i] = F[(y >> 2) + r * N + i] > 0 ? F[(dyc >> 2) + i] : 0;
      }
      const flags = r > 0 ? GEMM_FLAGS.ACCUMULATE : 0;
      h.gemm(1, N, rows, one, 0, 0, g, 4 * N, db, 4 * N, 0, flags);
      linearGradX(h.gemm, g, wt, dx + 4 * r * K, rows, K, N);
      h.gemm(K, N, rows, x + 4 * r * K, 4, 4 * K, g, 4 * N, dw, 4 * N, 0, flags);
    }
  },
};

function makeLinear(relu: boolean) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, w, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const [y] = runHeapKernel(forwardKernel, [x, w, b], { relu });
    save(relu ? [x, w, y] : [x, w]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        // Without a ReLU, y is not read: dy stands in for it.
        const [xs, ws, ys] = saved;
        return runHeapKernel(backwardKernel, [dy, xs, ws, ys ?? dy], { relu });
      },
    };
  });
}
const linearOps = { linear: makeLinear(false), relu: makeLinear(true) };

/** act(x·W + b) for x [M, in], W [in, out], b [out]; differentiable. */
export function gemmLinear(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor, activation: 'linear' | 'relu' = 'linear'): tf.Tensor2D {
  return linearOps[activation](x, w, b) as tf.Tensor2D;
}
