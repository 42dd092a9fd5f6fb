/**
 * What the cls token looks at, from the attention matrices of one forward pass (forward.ts).
 *
 * Attention rollout (Abnar & Zuidema, "Quantifying Attention Flow in Transformers", 2020): per
 * layer the heads' mean Ā, the residual connection added as Â = ½Ā + ½I (rows renormalised),
 * and the layers multiplied from the first up: R = Â_L ⋯ Â_1. Row 0 of R, without the cls
 * token's own entry, says how much each patch flows into the cls token at the top.
 */

/** The cls token's row of one matrix (N × N), patches only: N − 1 values. */
export function clsRow(a: Float32Array, N: number): Float32Array {
  return a.slice(1, N);
}

/** The heads' mean of one layer. */
export function headMean(heads: Float32Array[]): Float32Array {
  const out = new Float32Array(heads[0].length);
  for (const h of heads) for (let i = 0; i < out.length; i++) out[i] += h[i] / heads.length;
  return out;
}

export function attentionRollout(layers: Float32Array[][], N: number): Float32Array {
  let r: Float64Array | null = null;
  for (const heads of layers) {
    const a = headMean(heads);
    const hat = new Float64Array(N * N);
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let j = 0; j < N; j++) {
        hat[i * N + j] = 0.5 * a[i * N + j] + (i === j ? 0.5 : 0);
        s += hat[i * N + j];
      }
      for (let j = 0; j < N; j++) hat[i * N + j] /= s;
    }
    if (!r) {
      r = hat;
      continue;
    }
    // R ← Â · R: the newer layer on the left.
    const next: Float64Array = new Float64Array(N * N);
    for (let i = 0; i < N; i++) for (let k = 0; k < N; k++) {
      const v = hat[i * N + k];
      if (v === 0) continue;
      for (let j = 0; j < N; j++) next[i * N + j] += v * r[k * N + j];
    }
    r = next;
  }
  if (!r) throw new Error('rollout: no layers');
  return Float32Array.from(r.subarray(1, N));
}
