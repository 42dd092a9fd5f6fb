/**
 * The elementwise part of a linear layer's backward pass in one pass over dy: the ReLU mask (where
 * the layer has one) and the bias gradient (column sums), run inside the linear layer's backward
 * kernel (kernels/linear.ts).
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
