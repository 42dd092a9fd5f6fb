import { type JsKernel } from './plumbing.js';

/**
 * The elementwise part of a linear layer's backward pass in one pass over dy: the ReLU mask (where
 * the layer has one) and the bias gradient (column sums). In tfjs ops that is Step + Multiply for
 * the mask and Transpose + Sum for the column sums (tfjs reduces along the last axis only).
 *
 *   g = dy ∘ [y > 0] (ReLU) or dy (none), db[j] = Σ_rows g[r, j]
 */
export function linearGradPrep(dy: Float32Array, y: Float32Array | null, n: number, gOut: Float32Array | null, db: Float32Array): void {
  const rows = dy.length / n;
  const acc = new Float64Array(n);
  for (let r = 0, o = 0; r < rows; r++, o += n) {
    if (y && gOut) {
      for (let j = 0; j < n; j++) {
        const v = y[o + j] > 0 ? dy[o + j] : 0;
        gOut[o + j] = v;
        acc[j] += v;
      }
    } else {
      for (let j = 0; j < n; j++) acc[j] += dy[o + j];
    }
  }
  db.set(acc);
}

/** dy [rows, n], y [rows, n] → g [rows, n], db [n]. */
export const reluGradKernel: JsKernel<Record<string, never>> = {
  name: 'VitReluLinearGrad',
  inputs: ['dy', 'y'],
  outputs: ([dy]) => [dy, [dy[1]]],
  run: ([dy, y], [g, db]) => linearGradPrep(dy, y, db.length, g, db),
};

/** dy [rows, n] → db [n]. */
export const biasGradKernel: JsKernel<Record<string, never>> = {
  name: 'VitBiasGrad',
  inputs: ['dy'],
  outputs: ([dy]) => [[dy[1]]],
  run: ([dy], [db]) => linearGradPrep(dy, null, db.length, null, db),
};
